/*
 * machine/slots.c — KVM memory-slot ids (vm.h): RAM and the boot-time
 * DIMMs take the lowest ones; a hot-added DIMM will take the next free one
 * and give it back when it is removed.
 */
#include "vm.h"

#include <string.h>

void nv_slots_init(NvSlots *s, unsigned limit)
{
    memset(s, 0, sizeof(*s));
    s->limit = MIN(limit, (unsigned)NV_SLOTS_MAX);
}

static bool used(const NvSlots *s, unsigned i)
{
    return s->used[i / 64] & (UINT64_C(1) << (i % 64));
}

int nv_slots_alloc(NvSlots *s, uint64_t gpa)
{
    for (unsigned i = 0; i < s->limit; i++) {
        if (!used(s, i)) {
            s->used[i / 64] |= UINT64_C(1) << (i % 64);
            s->gpa[i] = gpa;
            return (int)i;
        }
    }
    return -1;
}

void nv_slots_free(NvSlots *s, unsigned id)
{
    if (id < s->limit) {
        s->used[id / 64] &= ~(UINT64_C(1) << (id % 64));
    }
}

int nv_slots_find(const NvSlots *s, uint64_t gpa)
{
    for (unsigned i = 0; i < s->limit; i++) {
        if (used(s, i) && s->gpa[i] == gpa) {
            return (int)i;
        }
    }
    return -1;
}

unsigned nv_slots_in_use(const NvSlots *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(s->used); i++) {
        n += (unsigned)__builtin_popcountll(s->used[i]);
    }
    return n;
}
