/*
 * tests/fuzz/fuzz-label.c — libFuzzer target for the namespace-label codec.
 *
 * Input byte 0 picks a mode, the rest is a label area:
 *   bit 0/1  reseal both index blocks for 128-/256-byte-label geometry, so
 *            inputs get past the index checksums to the label parsing;
 *   bit 2    also reseal every 256-byte label slot's checksum;
 *   bit 3    then run the index writer on slot (byte0 >> 4).
 * Checks: the parser's result is consistent, and nothing (ASan) reads or
 * writes outside the area.
 */
#include "label-area.h"

#include <stdlib.h>
#include <string.h>

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void reseal(uint8_t *p, size_t len, size_t csum_at)
{
    put64(p + csum_at, 0);
    put64(p + csum_at, nv_fletcher64(p, len, true));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t mode = data[0];
    size_t len = size - 1;
    uint8_t *a = malloc(len ? len : 1);
    memcpy(a, data + 1, len);

    for (uint32_t ls = 128; ls <= 256; ls *= 2) {
        NvLabelGeometry g;
        if (!(mode & (ls == 128 ? 1 : 2)) ||
            !nv_label_geometry(len, ls, &g, NULL)) {
            continue;
        }
        for (int i = 0; i < 2; i++) {
            reseal(a + (size_t)i * g.index_size, g.index_size, 64);
        }
        for (uint32_t s = 0; (mode & 4) && ls == 256 && s < g.nslot; s++) {
            reseal(a + g.label_offset + (size_t)s * 256, 256, 248);
        }
    }

    NvLabelSet *set = nv_label_parse(a, len);
    if (set->current < -1 || set->current > 1 ||
        set->labels->len > set->labels_in_use) {
        abort();
    }
    if (set->current < 0 && set->problems->len == 0) {
        abort(); /* no valid index must be explained */
    }
    nv_label_set_free(set);

    if (len && (mode & 8)) {
        uint32_t slot = mode >> 4;
        nv_label_update_index(a, len, &slot, 1, mode & 1, NULL);
    }
    free(a);
    return 0;
}
