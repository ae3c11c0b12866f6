/*
 * tests/label-writer.c — a process that streams label updates into an
 * NVDIMM's label area until it is killed (tests/test-label-kill.c kills it
 * with SIGKILL, hundreds of times). Not installed.
 *
 *     label-writer linux FILE SEED   namespace create/update/delete cycles
 *     label-writer whole FILE        one 128 KiB Set after another
 *
 * It builds the real board from a real nvemu command line (one NVDIMM,
 * 128 KiB of labels in the tail of FILE) and issues Set Label Data _DSM
 * calls through nv_io_dispatch(), as the guest's AML does. In "linux" mode
 * it follows Linux's update order (drivers/nvdimm/label.c): keep a copy of
 * the area read once at start; for each change write the new label into a
 * free slot first, then the other (inactive) index block with the next
 * sequence number, which makes it current. It acknowledges every Set that
 * answered 0 with one byte on stdout (LS_ACK_*). Exit status: 2 setup
 * failed, 3 a Set or Get failed, 4 the area it read is not valid.
 */
#include "dsm-guest.h"
#include "label-stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void ack(char c)
{
    if (write(STDOUT_FILENO, &c, 1) != 1) {
        _exit(3);
    }
}

static void put(NvTestGuest *g, uint64_t off, uint64_t len,
                const uint8_t *area, char c)
{
    if (nv_tg_set_label(g, 1, (uint32_t)off, (uint32_t)len, area + off) !=
        NV_DSM_OK) {
        fprintf(stderr, "label-writer: Set of %" G_GUINT64_FORMAT
                " bytes at 0x%" G_GINT64_MODIFIER "x failed\n", len, off);
        exit(3);
    }
    ack(c);
}

/* The lowest slot the current index has free (Linux: nd_label_alloc_slot
 * takes the first set bit of the free bitmap). */
static uint32_t free_slot(const NvLabelSet *set)
{
    uint32_t s = 0;
    for (guint i = 0; i < set->labels->len; i++) {
        const NvLabel *l = &g_array_index(set->labels, NvLabel, i);
        if (l->slot != s) {
            break;
        }
        s++;
    }
    return s; /* labels are in slot order */
}

/* One namespace change: create, update (rename) or delete. */
static void step(NvTestGuest *g, uint8_t *area, GRand *rand)
{
    g_autoptr(NvLabelSet) set = nv_label_parse(area, LS_AREA);
    if (set->current < 0) {
        fprintf(stderr, "label-writer: no valid index: %s\n",
                (const char *)g_ptr_array_index(set->problems, 0));
        exit(4);
    }
    const NvLabelGeometry *geo = &set->geom;
    guint n = set->labels->len;
    bool unit_used[LS_UNITS] = { false };
    for (guint i = 0; i < n; i++) {
        const NvLabel *l = &g_array_index(set->labels, NvLabel, i);
        if (!l->valid || l->dpa / LS_UNIT >= LS_UNITS) {
            fprintf(stderr, "label-writer: slot %u is not ours\n", l->slot);
            exit(4);
        }
        unit_used[l->dpa / LS_UNIT] = true;
    }
    int op = n == 0 ? 0 : n >= 4 ? g_rand_int_range(rand, 1, 3)
                                 : g_rand_int_range(rand, 0, 3);
    uint32_t used = 0, freed = 0;
    size_t nused = 0, nfreed = 0;
    if (op == 0 || op == 1) { /* create, or update: a label first */
        uint32_t unit = 0, gen = (uint32_t)g_rand_int_range(rand, 0, 1000);
        if (op == 0) {
            while (unit_used[unit]) {
                unit++;
            }
        } else {
            const NvLabel *l = &g_array_index(
                set->labels, NvLabel, g_rand_int_range(rand, 0, (gint32)n));
            unit = (uint32_t)(l->dpa / LS_UNIT);
            freed = l->slot;
            nfreed = 1;
        }
        used = free_slot(set);
        nused = 1;
        NvLabelSpec spec = ls_spec(unit, unit, gen);
        if (!nv_label_write_label(area, LS_AREA, geo->label_size, used, &spec,
                                  NULL)) {
            exit(4);
        }
        put(g, geo->label_offset + (uint64_t)used * geo->label_size,
            geo->label_size, area, LS_ACK_LABEL);
    } else { /* delete */
        freed = g_array_index(set->labels, NvLabel,
                              g_rand_int_range(rand, 0, (gint32)n)).slot;
        nfreed = 1;
    }
    /* Then the inactive index block, which becomes current. */
    uint64_t next = 1 - (uint64_t)set->current;
    if (!nv_label_commit_index(area, LS_AREA, &used, nused, &freed, nfreed,
                               NULL)) {
        exit(4);
    }
    put(g, next * geo->index_size, geo->index_size, area, LS_ACK_INDEX);
}

int main(int argc, char **argv)
{
    bool linux_order = argc == 4 && strcmp(argv[1], "linux") == 0;
    if (!linux_order && !(argc == 3 && strcmp(argv[1], "whole") == 0)) {
        fprintf(stderr, "usage: label-writer linux FILE SEED | "
                "label-writer whole FILE\n");
        return 2;
    }
    char obj[512];
    const char *nargv[7];
    ls_argv(argv[2], obj, nargv);
    NvTestGuest g;
    g_autoptr(GError) err = NULL;
    if (!nv_tg_open(&g, 7, nargv, &err)) {
        fprintf(stderr, "label-writer: %s\n", err->message);
        return 2;
    }
    uint8_t *area = g_malloc(LS_AREA);
    if (!linux_order) {
        uint8_t *b = g_malloc(LS_AREA);
        ls_whole_area(false, area);
        ls_whole_area(true, b);
        ack(LS_ACK_READY);
        for (unsigned i = 0;; i++) {
            put(&g, 0, LS_AREA, i & 1 ? b : area, LS_ACK_WHOLE);
        }
    }
    if (nv_tg_get_label(&g, 1, 0, LS_AREA, area) != NV_DSM_OK) {
        return 3;
    }
    GRand *rand = g_rand_new_with_seed((guint32)strtoul(argv[3], NULL, 0));
    ack(LS_ACK_READY);
    for (;;) {
        step(&g, area, rand);
    }
}
