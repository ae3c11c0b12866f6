/*
 * devices/memhp.c — the ACPI memory hotplug controller (memhp.h): QEMU's
 * register block (hw/acpi/memory_hotplug.c, docs/specs/acpi_mem_hotplug.rst)
 * at NV_MMIO_MEMHP, and its AML (memhp-aml.c).
 *
 * Register semantics, as QEMU's acpi_memory_hotplug_read/_write:
 *  - an access is 1..4 bytes at the start of a register; the value is the
 *    register's low bytes (a 1-byte read of 0x14 is the flags byte);
 *  - reads anywhere else in the block (0x01, 0x15, a 2-byte read at 0x02,
 *    any 5..8-byte access) return all ones, writes there are ignored;
 *  - while the selector is >= the slot count, every read returns 0 and
 *    every write but one to the selector is ignored;
 *  - a write to 0x14 does one thing: clear insert (bit1), else clear
 *    remove (bit2), else eject (bit3) an enabled slot; bit0 is ignored.
 */
#include "memhp.h"

#include <string.h>

G_STATIC_ASSERT(NV_MEMHP_REG_LEN == 24);
G_STATIC_ASSERT((NV_MMIO_MEMHP & 0xFFF) == 0 &&
                NV_MMIO_MEMHP + NV_MEMHP_REG_LEN <= UINT64_C(0xFEC00000));

enum {
    REG_BASE_LO = 0x00, REG_SEL = 0x00,
    REG_BASE_HI = 0x04, REG_OST_EVENT = 0x04,
    REG_SIZE_LO = 0x08, REG_OST_STATUS = 0x08,
    REG_SIZE_HI = 0x0C,
    REG_PXM = 0x10,
    REG_FLAGS = 0x14,
};
enum {
    FLAG_ENABLED = 1u << 0,
    FLAG_INSERT = 1u << 1,
    FLAG_REMOVE = 1u << 2,
    FLAG_EJECT = 1u << 3,
};

typedef struct {
    bool enabled, inserting, removing;
    bool unplug_requested;   /* request_unplug() and no eject yet */
    uint64_t base, size;
    uint32_t pxm;
    uint32_t ost_event, ost_status;
} Slot;

struct NvMemhp {
    GMutex lock;             /* everything below but nslots and ops */
    uint32_t nslots;
    Slot *slots;
    uint32_t selector;
    NvMemhpOps ops;
    bool has_ops;
};

NvMemhp *nv_memhp_new(uint32_t nslots, const NvMemhpOps *ops)
{
    NvMemhp *h = g_new0(NvMemhp, 1);
    g_mutex_init(&h->lock);
    h->nslots = nslots;
    h->slots = g_new0(Slot, nslots ? nslots : 1);
    if (ops) {
        h->ops = *ops;
        h->has_ops = true;
    }
    return h;
}

void nv_memhp_free(NvMemhp *h)
{
    if (h) {
        g_mutex_clear(&h->lock);
        g_free(h->slots);
        g_free(h);
    }
}

static uint64_t read_reg(const Slot *s, uint64_t offset, bool *valid)
{
    *valid = true;
    switch (offset) {
    case REG_BASE_LO:
        return (uint32_t)s->base;
    case REG_BASE_HI:
        return s->base >> 32;
    case REG_SIZE_LO:
        return (uint32_t)s->size;
    case REG_SIZE_HI:
        return s->size >> 32;
    case REG_PXM:
        return s->pxm;
    case REG_FLAGS:
        return (s->enabled ? FLAG_ENABLED : 0) |
               (s->inserting ? FLAG_INSERT : 0) |
               (s->removing ? FLAG_REMOVE : 0);
    }
    *valid = false;
    return 0;
}

/* What a write asks of the ops, decided under the lock, done after it. */
typedef struct {
    enum { CALL_NONE, CALL_OST, CALL_EJECT } what;
    uint32_t slot, event, status;
} Call;

static Call write_reg(NvMemhp *h, uint64_t offset, uint32_t v)
{
    Call c = { CALL_NONE, 0, 0, 0 };
    if (offset == REG_SEL) {
        h->selector = v;
        return c;
    }
    if (h->selector >= h->nslots) {
        return c;
    }
    Slot *s = &h->slots[h->selector];
    switch (offset) {
    case REG_OST_EVENT:
        s->ost_event = v;
        break;
    case REG_OST_STATUS:
        s->ost_status = v;
        c = (Call) { CALL_OST, h->selector, s->ost_event, v };
        break;
    case REG_FLAGS:
        if (v & FLAG_INSERT) {
            s->inserting = false;
        } else if (v & FLAG_REMOVE) {
            s->removing = false;
        } else if ((v & FLAG_EJECT) && s->enabled) {
            s->unplug_requested = false;
            c = (Call) { CALL_EJECT, h->selector, 0, 0 };
        }
        break;
    }
    return c;
}

void nv_memhp_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
                 bool is_write)
{
    NvMemhp *h = opaque;
    bool ok_len = len >= 1 && len <= 4 && offset < NV_MEMHP_REG_LEN;
    if (!is_write) {
        uint64_t v = UINT64_MAX;
        g_mutex_lock(&h->lock);
        if (h->selector >= h->nslots) {
            v = 0;
        } else if (ok_len) {
            bool valid;
            uint64_t r = read_reg(&h->slots[h->selector], offset, &valid);
            if (valid) {
                v = r;
            }
        }
        g_mutex_unlock(&h->lock);
        for (unsigned i = 0; i < len; i++) {
            data[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0xFF;
        }
        return;
    }
    if (!ok_len) {
        return;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)data[i] << (8 * i);
    }
    g_mutex_lock(&h->lock);
    Call c = write_reg(h, offset, v);
    g_mutex_unlock(&h->lock);
    if (!h->has_ops) {
        return;
    }
    if (c.what == CALL_OST && h->ops.ost) {
        h->ops.ost(h->ops.opaque, c.slot, c.event, c.status);
    } else if (c.what == CALL_EJECT && h->ops.eject) {
        h->ops.eject(h->ops.opaque, c.slot);
    }
}

bool nv_memhp_attach(NvIoBus *bus, NvMemhp *h, GError **errp)
{
    return nv_io_register(bus, NV_IO_MMIO, NV_MMIO_MEMHP, NV_MEMHP_REG_LEN,
                          "memhp", nv_memhp_io, h, errp);
}

void nv_memhp_plug(NvMemhp *h, uint32_t slot, uint64_t base, uint64_t size,
                   uint32_t pxm, bool hotplugged)
{
    g_return_if_fail(slot < h->nslots);
    g_mutex_lock(&h->lock);
    Slot *s = &h->slots[slot];
    s->enabled = true;
    s->inserting = hotplugged;
    s->removing = false;
    s->unplug_requested = false;
    s->base = base;
    s->size = size;
    s->pxm = pxm;
    g_mutex_unlock(&h->lock);
}

void nv_memhp_request_unplug(NvMemhp *h, uint32_t slot)
{
    g_return_if_fail(slot < h->nslots);
    g_mutex_lock(&h->lock);
    Slot *s = &h->slots[slot];
    if (s->enabled) {
        s->removing = true;
        s->unplug_requested = true;
    }
    g_mutex_unlock(&h->lock);
}

bool nv_memhp_unplug_pending(NvMemhp *h, uint32_t slot)
{
    g_return_val_if_fail(slot < h->nslots, false);
    g_mutex_lock(&h->lock);
    bool p = h->slots[slot].unplug_requested;
    g_mutex_unlock(&h->lock);
    return p;
}

void nv_memhp_unplug(NvMemhp *h, uint32_t slot)
{
    g_return_if_fail(slot < h->nslots);
    g_mutex_lock(&h->lock);
    Slot *s = &h->slots[slot];
    /* the last _OST stays, as QEMU's query-acpi-ospm-status shows it */
    uint32_t ev = s->ost_event, st = s->ost_status;
    *s = (Slot) { .ost_event = ev, .ost_status = st };
    g_mutex_unlock(&h->lock);
}

void nv_memhp_last_ost(NvMemhp *h, uint32_t slot, uint32_t *event,
                       uint32_t *status)
{
    *event = 0;
    *status = 0;
    g_return_if_fail(slot < h->nslots);
    g_mutex_lock(&h->lock);
    *event = h->slots[slot].ost_event;
    *status = h->slots[slot].ost_status;
    g_mutex_unlock(&h->lock);
}
