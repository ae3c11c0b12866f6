/*
 * tests/label-stream.h — what tests/label-writer streams, shared with
 * tests/test-label-kill.c, which kills it: the machine (one NVDIMM with a
 * 128 KiB label area in the tail of its backing file) and the two whole
 * areas the "whole" mode alternates between.
 */
#ifndef NVEMU_TESTS_LABEL_STREAM_H
#define NVEMU_TESTS_LABEL_STREAM_H

#include "label-area.h"

#include <string.h>

#define LS_AREA       (128 * KiB)
#define LS_FILE_SIZE  (129 * MiB)            /* 128M of pmem + the labels */
#define LS_AREA_OFF   (LS_FILE_SIZE - LS_AREA) /* where they sit in the file */
#define LS_UNIT       (16 * MiB)             /* one namespace's DPA range */
#define LS_UNITS      8                      /* 128M of pmem */

/* Acknowledgements the writer sends, one byte each, on stdout. */
#define LS_ACK_READY 'R' /* board built, area read: streaming starts */
#define LS_ACK_LABEL 'L' /* a label slot written (Set answered 0) */
#define LS_ACK_INDEX 'I' /* the index block written: the update is done */
#define LS_ACK_WHOLE 'W' /* a whole-area Set answered 0 */

/* nvemu's command line for @path. @obj must hold 512 bytes. */
static inline void ls_argv(const char *path, char *obj, const char *argv[7])
{
    g_snprintf(obj, 512, "memory-backend-file,id=m0,share=on,mem-path=%s,"
               "size=129M", path);
    const char *a[7] = { "nvemu", "-m", "128M,slots=2,maxmem=4G", "-object",
                         obj, "-device",
                         "nvdimm,id=nv0,memdev=m0,label-size=128K" };
    memcpy(argv, a, sizeof(a));
}

/* A v1.2 label for namespace @n (its uuid, name and DPA unit). */
static inline NvLabelSpec ls_spec(uint32_t n, uint32_t unit, uint32_t gen)
{
    NvLabelSpec s = {
        .nlabel = 1, .lbasize = 4096, .isetcookie = 0x1234abcd,
        .dpa = (uint64_t)unit * LS_UNIT, .rawsize = LS_UNIT,
    };
    for (int i = 0; i < 16; i++) {
        s.uuid[i] = (uint8_t)(n * 16 + (uint32_t)i + 1);
    }
    static char names[LS_UNITS][NV_LABEL_NAME_LEN];
    g_snprintf(names[unit], sizeof(names[unit]), "ns%u-gen%u", n, gen);
    s.name = names[unit];
    return s;
}

/*
 * The two areas of the whole-area mode: fresh v1.2 index blocks, then
 * four namespaces in slots spread over the area (A: 20-23 and 300-303,
 * B: 40-43 and 450-453; slots 14 on are past the first 4 KiB page), each
 * committed Linux's way. Mixing pages of A and B gives index blocks that
 * point at slots holding the other area's bytes.
 */
static inline void ls_whole_area(bool b, uint8_t *area)
{
    static const uint32_t slots[2][4] = { { 20, 23, 300, 303 },
                                          { 40, 43, 450, 453 } };
    memset(area, 0, LS_AREA);
    g_assert_true(nv_label_init(area, LS_AREA, NV_LABEL_V1_2, NULL, NULL));
    for (uint32_t i = 0; i < 4; i++) {
        NvLabelSpec s = ls_spec(i + (b ? 4 : 0), i + (b ? 4 : 0), 0);
        g_assert_true(nv_label_write_label(area, LS_AREA, 256, slots[b][i],
                                           &s, NULL));
        g_assert_true(nv_label_commit_index(area, LS_AREA, &slots[b][i], 1,
                                            NULL, 0, NULL));
    }
}

#endif
