/*
 * tests/dsm-guest.h — acting as the guest's _DSM AML for test programs: a
 * board built from a real nvemu command line, label calls written into the
 * mailbox in guest RAM and the doorbell written through nv_io_dispatch(),
 * the vCPU loop's path. (tests/test-dsm.c has its own, finer-grained
 * helpers for the ABI's corner cases.)
 */
#ifndef NVEMU_TESTS_DSM_GUEST_H
#define NVEMU_TESTS_DSM_GUEST_H

#include "machine.h"

#include <string.h>

typedef struct {
    NvConfig *cfg;
    NvBoard *board;
    uint8_t *mb; /* the mailbox, as the guest sees it */
} NvTestGuest;

/* Parse, plan and build the board (creating files as nvemu would). */
static inline bool nv_tg_open(NvTestGuest *g, int argc, const char **argv,
                              GError **errp)
{
    *g = (NvTestGuest) { 0 };
    g->cfg = nv_config_parse(argc, (char **)argv, errp);
    if (!g->cfg || !nv_config_plan(g->cfg, errp) ||
        !(g->board = nv_board_new(g->cfg, errp))) {
        return false;
    }
    g->mb = nv_board_guest_ptr(g->board, g->board->dsm_mailbox,
                               NV_DSM_MAILBOX_SIZE);
    return g->mb != NULL;
}

/* A reset: the board freed and built again from the same configuration
 * (the same DIMMs), the mailbox found again. */
static inline void nv_tg_reset(NvTestGuest *g)
{
    nv_board_free(g->board);
    g_autoptr(GError) err = NULL;
    g->board = nv_board_new(g->cfg, &err);
    g_assert_no_error(err);
    g->mb = nv_board_guest_ptr(g->board, g->board->dsm_mailbox,
                               NV_DSM_MAILBOX_SIZE);
}

static inline void nv_tg_close(NvTestGuest *g)
{
    nv_board_free(g->board);
    nv_config_free(g->cfg);
    *g = (NvTestGuest) { 0 };
}

static inline uint32_t nv_tg_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline void nv_tg_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* One call on @b, as the _DSM AML makes it: the request's header and
 * Arg3 (@in_len bytes of @in; @in NULL: already in place at
 * NV_DSM_REQ_IN) written into the mailbox @mb, the doorbell written
 * through nv_io_dispatch(). Returns out_len, *out = the result buffer. */
static inline uint32_t nv_tg_call(NvBoard *b, uint8_t *mb, uint32_t handle,
                                  uint32_t family, uint32_t rev, uint32_t fn,
                                  const void *in, uint32_t in_len,
                                  const uint8_t **out)
{
    nv_tg_st32(mb + NV_DSM_REQ_HANDLE, handle);
    nv_tg_st32(mb + NV_DSM_REQ_FAMILY, family);
    nv_tg_st32(mb + NV_DSM_REQ_REVISION, rev);
    nv_tg_st32(mb + NV_DSM_REQ_FUNCTION, fn);
    nv_tg_st32(mb + NV_DSM_REQ_IN_LEN, in_len);
    if (in && in_len) {
        memcpy(mb + NV_DSM_REQ_IN, in, in_len);
    }
    uint8_t db[4] = { 0 };
    g_assert_true(nv_io_dispatch(b->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL,
                                 db, 4, true));
    *out = mb + NV_DSM_RESP_OUT;
    return nv_tg_ld32(mb + NV_DSM_RESP_OUT_LEN);
}

/* Header written, Arg3 already in place at NV_DSM_REQ_IN; rings the
 * doorbell and returns out_len, *out = the result buffer. */
static inline uint32_t nv_tg_ring(NvTestGuest *g, uint32_t handle,
                                  uint32_t fn, uint32_t in_len,
                                  const uint8_t **out)
{
    return nv_tg_call(g->board, g->mb, handle,
                      handle ? NV_DSM_FAMILY_INTEL : NV_DSM_FAMILY_ROOT,
                      NV_DSM_REVISION, fn, NULL, in_len, out);
}

/* Get Label Data; the status. On success @len bytes land in @dst. */
static inline uint32_t nv_tg_get_label(NvTestGuest *g, uint32_t handle,
                                       uint32_t off, uint32_t len,
                                       uint8_t *dst)
{
    const uint8_t *out;
    nv_tg_st32(g->mb + NV_DSM_REQ_IN, off);
    nv_tg_st32(g->mb + NV_DSM_REQ_IN + 4, len);
    uint32_t n = nv_tg_ring(g, handle, NV_DSM_FN_GET_LABEL_DATA, 8, &out);
    uint32_t status = nv_tg_ld32(out);
    if (status == NV_DSM_OK) {
        g_assert_cmpuint(n, ==, 4 + len);
        memcpy(dst, out + 4, len);
    } else {
        g_assert_cmpuint(n, ==, 4);
    }
    return status;
}

/* Set Label Data; the status. */
static inline uint32_t nv_tg_set_label(NvTestGuest *g, uint32_t handle,
                                       uint32_t off, uint32_t len,
                                       const uint8_t *src)
{
    const uint8_t *out;
    g_assert_cmpuint(len, <=, NV_DSM_IN_MAX - 8);
    nv_tg_st32(g->mb + NV_DSM_REQ_IN, off);
    nv_tg_st32(g->mb + NV_DSM_REQ_IN + 4, len);
    memcpy(g->mb + NV_DSM_REQ_IN + 8, src, len);
    uint32_t n = nv_tg_ring(g, handle, NV_DSM_FN_SET_LABEL_DATA, 8 + len,
                            &out);
    g_assert_cmpuint(n, ==, 4);
    return nv_tg_ld32(out);
}

#endif
