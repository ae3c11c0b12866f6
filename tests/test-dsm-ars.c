/*
 * tests/test-dsm-ars.c — the root device's bus functions (dsm/dsm-ars.c,
 * dsm/dsm-inject.c) driven as the guest's _DSM drives them: requests in
 * the mailbox of a board built from a real command line, the doorbell
 * written through nv_io_dispatch(). Every call also checks that nvemu
 * wrote nothing in the mailbox past its answer and the request.
 * Each function's sizes and statuses; the scrub's progress, records,
 * clipping, overflow and restart; what a short scrub knows; Clear
 * Uncorrectable Error's alignment and partial clears; Translate SPA;
 * injection with and without the root notification; the limits; a state
 * file that cannot be written; and ndctl's inject-error sequence.
 */
#include "media-errors.h"
#include "media-fixture.h"

#include <stdio.h>
#include <unistd.h>

#define ROOT NV_DSM_FAMILY_ROOT
#define FILL 0xA5

/* Each test's board, open. */
static void ars_setup(Fx *fx, gconstpointer data)
{
    fx_setup(fx, data);
    fx_open_ok(fx);
}

/* One call on @handle with @family; the result length, *out the result.
 * The mailbox is filled with FILL first: after the call every byte past
 * both the request and the answer must still be FILL. */
static uint32_t fcall(Fx *fx, uint32_t handle, uint32_t family, uint32_t rev,
                      uint32_t fn, const void *in, uint32_t in_len,
                      const uint8_t **out)
{
    uint8_t *mb = fx->g.mb;
    memset(mb, FILL, NV_DSM_MAILBOX_SIZE);
    uint32_t n = nv_tg_call(fx->g.board, mb, handle, family, rev, fn, in,
                            in_len, out);
    g_assert_cmpuint(n, <=, NV_DSM_OUT_MAX);
    size_t end = MAX((size_t)NV_DSM_RESP_OUT + n,
                     (size_t)NV_DSM_REQ_IN + in_len);
    for (size_t i = end; i < NV_DSM_MAILBOX_SIZE; i++) {
        if (mb[i] != FILL) {
            g_error("fn %u wrote mailbox byte 0x%zx past its answer (%u)",
                    fn, i, n);
        }
    }
    return n;
}

static uint32_t call(Fx *fx, uint32_t fn, const void *in, uint32_t in_len,
                     const uint8_t **out)
{
    return fcall(fx, 0, ROOT, 1, fn, in, in_len, out);
}

/* A call answering a bare status. */
static uint32_t status(Fx *fx, uint32_t fn, const void *in, uint32_t in_len)
{
    const uint8_t *out;
    g_assert_cmpuint(call(fx, fn, in, in_len, &out), ==, 4);
    return nv_ld32(out);
}

/* Arg3 of two u64 (+ @tail bytes: a u16 type and u8 flags for Start). */
typedef struct {
    uint8_t b[24];
} Arg;

static Arg range(uint64_t a, uint64_t len)
{
    Arg r = { { 0 } };
    nv_st64(r.b, a);
    nv_st64(r.b + 8, len);
    return r;
}

static Arg start_arg(uint64_t a, uint64_t len, uint16_t type, uint8_t flags)
{
    Arg r = range(a, len);
    nv_st16(r.b + 16, type);
    r.b[18] = flags;
    return r;
}

static uint32_t ged_events(Fx *fx)
{
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO, NV_MMIO_GED,
                                 v, 4, false));
    return nv_ld32(v);
}

static uint32_t inject(Fx *fx, uint64_t a, uint64_t len, uint8_t options)
{
    Arg r = range(a, len);
    r.b[16] = options;
    return status(fx, NV_DSM_FN_ARS_INJECT, r.b, 20);
}

static uint32_t start(Fx *fx, uint64_t a, uint64_t len, uint16_t type,
                      uint8_t flags)
{
    Arg r = start_arg(a, len, type, flags);
    const uint8_t *out;
    uint32_t n = call(fx, NV_DSM_FN_ARS_START, r.b, NV_ARS_START_IN_LEN,
                      &out);
    if (nv_ld32(out) == NV_DSM_OK) {
        g_assert_cmpuint(n, ==, NV_ARS_START_OUT_LEN);
        g_assert_cmpuint(nv_ld32(out + 4), ==,
                         (flags & NV_ARS_FLAG_PREV_DATA) ? 0 : 1);
    } else {
        g_assert_cmpuint(n, ==, 4);
    }
    return nv_ld32(out);
}

/* Query ARS Status, checked for consistency; *out the result. */
static uint32_t ars_status(Fx *fx, const uint8_t **out)
{
    uint32_t n = call(fx, NV_DSM_FN_ARS_STATUS, NULL, 0, out);
    g_assert_cmpuint(n, >=, NV_ARS_STATUS_HDR_LEN);
    g_assert_cmpuint(n, <=, NV_ARS_MAX_OUT);
    g_assert_cmpuint(nv_ld32(*out + 4), ==, n);
    g_assert_cmpuint(n, ==, NV_ARS_STATUS_HDR_LEN +
                                NV_ARS_RECORD_LEN * nv_ld32(*out + 44));
    return nv_ld32(*out);
}

/* The records of the last status as "handle:offset+len" (the offset in
 * the DIMM of that handle: slot + 1), space separated. */
static char *records(Fx *fx, const uint8_t *out)
{
    GString *s = g_string_new("");
    uint32_t n = nv_ld32(out + 44);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *r = out + 48 + 24 * i;
        g_assert_cmpuint(nv_ld32(r + 4), ==, 0);
        uint32_t h = nv_ld32(r);
        g_assert_cmpuint(h, >=, 1);
        g_assert_cmpuint(h, <=, 2);
        g_string_append_printf(s, "%s%u:%" G_GINT64_MODIFIER "x+%"
                               G_GINT64_MODIFIER "x", i ? " " : "", h,
                               nv_ld64(r + 8) - fx_dimm(fx, h - 1)->addr,
                               nv_ld64(r + 16));
    }
    return g_string_free(s, FALSE);
}

#define ASSERT_RECORDS(out, want) do { \
        g_autofree char *got_ = records(fx, out); \
        g_assert_cmpstr(got_, ==, want); \
    } while (0)

/* ---- sizes and revisions --------------------------------------------- */

static void test_sizes(Fx *fx, gconstpointer data)
{
    (void)data;
    static const struct { uint32_t fn, lo, hi; } fns[] = {
        { NV_DSM_FN_ARS_CAP, 16, 16 },
        { NV_DSM_FN_ARS_START, 24, 24 },
        { NV_DSM_FN_ARS_STATUS, 0, 0 },
        { NV_DSM_FN_CLEAR_ERROR, 16, 16 },
        { NV_DSM_FN_TRANSLATE_SPA, 8, 8 },
        { NV_DSM_FN_ARS_INJECT, 17, 20 },
        { NV_DSM_FN_ARS_INJECT_CLEAR, 16, 16 },
        { NV_DSM_FN_ARS_INJECT_STATUS, 0, 8 },
    };
    uint8_t zero[32] = { 0 };
    const uint8_t *out;
    for (size_t i = 0; i < G_N_ELEMENTS(fns); i++) {
        if (fns[i].lo) {
            g_assert_cmpuint(status(fx, fns[i].fn, zero, fns[i].lo - 1), ==,
                             NV_DSM_INVALID_INPUT);
        }
        g_assert_cmpuint(status(fx, fns[i].fn, zero, fns[i].hi + 1), ==,
                         NV_DSM_INVALID_INPUT);
        /* revision 2 and the root family on an NVDIMM: not offered */
        g_assert_cmpuint(fcall(fx, 0, ROOT, 2, fns[i].fn, zero, fns[i].lo,
                               &out), ==, 4);
        g_assert_cmpuint(nv_ld32(out), ==, NV_DSM_UNSUPPORTED);
        g_assert_cmpuint(fcall(fx, 1, ROOT, 1, fns[i].fn, zero, fns[i].lo,
                               &out), ==, 4);
        g_assert_cmpuint(nv_ld32(out), ==, NV_DSM_UNSUPPORTED);
    }
    static const uint32_t none[] = { 6, 10, 11, 63 };
    for (size_t i = 0; i < G_N_ELEMENTS(none); i++) {
        g_assert_cmpuint(status(fx, none[i], NULL, 0), ==, NV_DSM_UNSUPPORTED);
    }
    /* the bitmap: 1-5, 7-9, revision 1 only */
    g_assert_cmpuint(call(fx, 0, NULL, 0, &out), ==, 8);
    g_assert_cmphex(nv_ld64(out), ==, 0x3bf);
    g_assert_cmpuint(fcall(fx, 0, ROOT, 2, 0, NULL, 0, &out), ==, 8);
    g_assert_cmphex(nv_ld64(out), ==, 0);
}

/* ---- Query ARS Capabilities ------------------------------------------- */

static uint32_t cap(Fx *fx, uint64_t a, uint64_t len, const uint8_t **out)
{
    Arg r = range(a, len);
    return call(fx, NV_DSM_FN_ARS_CAP, r.b, 16, out);
}

static void test_cap(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    const uint8_t *out;
    g_assert_cmpuint(cap(fx, nv0->addr, nv0->size, &out), ==, 16);
    g_assert_cmphex(nv_ld32(out), ==, 0x20000);        /* persistent */
    g_assert_cmpuint(nv_ld32(out + 4), ==, 48 + 24 * 1024);
    g_assert_cmpuint(nv_ld32(out + 8), ==, 256);
    g_assert_cmpuint(nv_ld32(out + 12), ==, 0);
    /* Linux's clear path asks about the error's range; a range meeting
     * an NVDIMM's end is fine */
    g_assert_cmpuint(cap(fx, nv1->addr + 42 * 512, 512, &out), ==, 16);
    g_assert_cmpuint(cap(fx, nv1->addr + nv1->size - 1, 4096, &out), ==, 16);
    g_assert_cmpuint(cap(fx, pc->addr, 4096, &out), ==, 4);
    g_assert_cmpuint(nv_ld32(out), ==, NV_ARS_INVALID);
    g_assert_cmpuint(cap(fx, 0, 1 * MiB, &out), ==, 4);   /* RAM */
    g_assert_cmpuint(cap(fx, nv0->addr, 0, &out), ==, 4);
    g_assert_cmpuint(cap(fx, UINT64_MAX - 10, 100, &out), ==, 4);
    g_assert_cmpuint(nv_ld32(out), ==, NV_ARS_INVALID);
}

/* ---- Start ARS / Query ARS Status ------------------------------------- */

static void test_scrub(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    const uint8_t *out;
    /* nothing this boot */
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_NONE);
    g_assert_cmpuint(nv_ld32(out + 44), ==, 0);
    /* bad starts */
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 1, 0), ==, 2);
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 0, 0), ==, 2);
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 6, 0), ==, 2);
    g_assert_cmpuint(start(fx, pc->addr, pc->size, 2, 0), ==, 2);
    g_assert_cmpuint(start(fx, nv0->addr, 0, 2, 0), ==, 2);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_NONE);

    g_assert_cmpuint(inject(fx, nv0->addr + 0x5400, 0x100, 0), ==, 0);
    g_assert_cmpuint(inject(fx, nv0->addr + 0x10000, 0x1000, 0), ==, 0);
    g_assert_cmpuint(inject(fx, nv0->addr + nv0->size - 0x200, 0x200, 0), ==,
                     0);
    g_assert_cmpuint(inject(fx, nv1->addr, 1, 0), ==, 0);
    g_assert_cmphex(ged_events(fx), ==, 0);     /* no notification */

    /* a full scrub of nv0: in progress once, busy to starts, then done */
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 2, 0), ==, 0);
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 2, 0), ==, 6);
    /* added while it runs: for the next scrub */
    g_assert_cmpuint(inject(fx, nv0->addr + 0x20000, 0x100, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmpuint(nv_ld32(out + 44), ==, 0);
    g_assert_cmphex(nv_ld64(out + 8), ==, nv0->addr);
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 2, 0), ==, 6);
    for (int i = 0; i < 2; i++) {               /* the same answer twice */
        g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
        g_assert_cmphex(nv_ld64(out + 8), ==, nv0->addr);
        g_assert_cmphex(nv_ld64(out + 16), ==, nv0->size);
        g_assert_cmphex(nv_ld64(out + 24), ==, 0);
        g_assert_cmphex(nv_ld64(out + 32), ==, 0);
        g_assert_cmpuint(nv_ld16(out + 40), ==, 2);
        g_assert_cmpuint(nv_ld16(out + 42), ==, 0);
        ASSERT_RECORDS(out, "1:5400+100 1:10000+1000 1:7fffe00+200");
    }
    /* clipped to the scrubbed range; type 3 scrubs the persistent part */
    g_assert_cmpuint(start(fx, nv0->addr + 0x10800,
                           nv1->addr + 0x100 - (nv0->addr + 0x10800), 3, 0),
                     ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "1:10800+800 1:20000+100 1:7fffe00+200 2:0+100");

    /* a short scrub: at once, only what the guest knows. nv1's range was
     * reported by the clipped scrub above: known; a new one is not */
    g_assert_cmpuint(inject(fx, nv1->addr + 0x8000, 0x100, 0), ==, 0);
    g_assert_cmpuint(start(fx, nv0->addr, nv1->addr + nv1->size - nv0->addr,
                           2, NV_ARS_FLAG_PREV_DATA), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "1:5400+100 1:10000+1000 1:20000+100 1:7fffe00+200 "
                        "2:0+100");
    /* notified: known at once, and the root is notified */
    g_assert_cmpuint(inject(fx, nv1->addr + 0x9000, 0x100,
                            NV_ARS_INJECT_NOTIFY), ==, 0);
    g_assert_cmphex(ged_events(fx), ==, NV_GED_EVENT_NVDIMM_UC);
    g_assert_cmphex(ged_events(fx), ==, 0);
    g_assert_cmpuint(start(fx, nv1->addr, nv1->size, 2,
                           NV_ARS_FLAG_PREV_DATA), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "2:0+100 2:9000+100");

    /* a reset: a new board, the same DIMMs: nothing known, no scrub */
    nv_tg_reset(&fx->g);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_NONE);
    g_assert_cmpuint(start(fx, nv1->addr, nv1->size, 2,
                           NV_ARS_FLAG_PREV_DATA), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "");
    g_assert_cmpuint(start(fx, nv1->addr, nv1->size, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "2:0+100 2:8000+100 2:9000+100");
}

/* More records than one status holds: the first NV_ARS_MAX_RECORDS,
 * "interrupted" with the overflow flag and where to go on; a scrub from
 * there gets the rest. A scrub of one full DIMM never overflows. */
static void test_overflow(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1);
    g_autoptr(GError) err = NULL;
    for (guint i = 0; i < NV_MEDIA_ERR_MAX; i++) {
        g_assert_true(nv_dimm_media_add(nv0, (uint64_t)i * 4096, 256, false,
                                        &err));
    }
    for (guint i = 0; i < 10; i++) {
        g_assert_true(nv_dimm_media_add(nv1, 0x100000 + i * 4096, 512, false,
                                        &err));
    }
    const uint8_t *out;
    g_assert_cmpuint(start(fx, nv0->addr, nv0->size, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    g_assert_cmpuint(nv_ld32(out + 44), ==, 1024);

    uint64_t end = nv1->addr + nv1->size;
    g_assert_cmpuint(start(fx, nv0->addr, end - nv0->addr, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_INTR);
    g_assert_cmpuint(nv_ld32(out + 4), ==, NV_ARS_MAX_OUT);
    g_assert_cmpuint(nv_ld32(out + 44), ==, 1024);
    g_assert_cmpuint(nv_ld16(out + 42), ==, NV_ARS_STATUS_OVERFLOW);
    uint64_t restart = nv_ld64(out + 24), restart_len = nv_ld64(out + 32);
    g_assert_cmphex(restart, ==, nv1->addr + 0x100000);
    g_assert_cmphex(restart_len, ==, end - restart);
    const uint8_t *last = out + 48 + 24 * 1023;
    g_assert_cmphex(nv_ld64(last + 8), ==, nv0->addr + 1023 * 4096);
    /* Linux's ars_continue: a start at the restart range */
    g_assert_cmpuint(start(fx, restart, restart_len, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    g_assert_cmpuint(nv_ld32(out + 44), ==, 10);
    g_assert_cmpuint(nv_ld16(out + 42), ==, 0);
    /* the limit: one range more is refused, nothing changes */
    g_assert_cmpuint(inject(fx, nv0->addr + 0x7000000, 256, 0), ==,
                     NV_ARS_INVALID);
    guint n;
    nv_dimm_media_errors(nv0, &n);
    g_assert_cmpuint(n, ==, NV_MEDIA_ERR_MAX);
    /* Inject Status holds at most what ndctl's buffer does */
    for (guint i = 10; i < NV_MEDIA_ERR_MAX; i++) {
        g_assert_true(nv_dimm_media_add(nv1, 0x100000 + i * 4096, 512, false,
                                        &err));
    }
    g_assert_cmpuint(call(fx, NV_DSM_FN_ARS_INJECT_STATUS, NULL, 0, &out), ==,
                     8 + 16 * NV_INJECT_STATUS_MAX_RECORDS);
    g_assert_cmpuint(nv_ld32(out + 4), ==, NV_INJECT_STATUS_MAX_RECORDS);
    g_assert_cmpuint(8 + 16 * NV_INJECT_STATUS_MAX_RECORDS, <=,
                     8 + NV_ARS_MAX_OUT);
}

/* ---- Clear Uncorrectable Error ---------------------------------------- */

/* Clear; the status, *cleared the bytes cleared (0 on failure). */
static uint32_t clear(Fx *fx, uint64_t a, uint64_t len, uint64_t *cleared)
{
    Arg r = range(a, len);
    const uint8_t *out;
    uint32_t n = call(fx, NV_DSM_FN_CLEAR_ERROR, r.b, 16, &out);
    *cleared = 0;
    if (nv_ld32(out) == NV_DSM_OK) {
        g_assert_cmpuint(n, ==, NV_CLEAR_ERROR_OUT_LEN);
        g_assert_cmpuint(nv_ld32(out + 4), ==, 0);
        *cleared = nv_ld64(out + 8);
    } else {
        g_assert_cmpuint(n, ==, 4);
    }
    return nv_ld32(out);
}

static char *list_of(NvDimm *d)
{
    GString *s = g_string_new("");
    guint n;
    const NvMediaError *m = nv_dimm_media_errors(d, &n);
    for (guint i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%" G_GINT64_MODIFIER "x+%"
                               G_GINT64_MODIFIER "x", i ? " " : "",
                               m[i].offset, m[i].length);
    }
    return g_string_free(s, FALSE);
}

#define ASSERT_LIST(d, want) do { \
        g_autofree char *got_ = list_of(d); \
        g_assert_cmpstr(got_, ==, want); \
    } while (0)

static void test_clear(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *pc = fx_dimm(fx, 2);
    uint64_t a = nv0->addr, cleared;
    g_assert_cmpuint(inject(fx, a + 0x1000, 0x400, 0), ==, 0);
    g_assert_cmpuint(inject(fx, a + nv0->size - 0x200, 0x200, 0), ==, 0);
    /* bad: unaligned address or length, empty, wrapping, not an NVDIMM */
    g_assert_cmpuint(clear(fx, a + 0x1080, 0x100, &cleared), ==, 2);
    g_assert_cmpuint(clear(fx, a + 0x1000, 0x80, &cleared), ==, 2);
    g_assert_cmpuint(clear(fx, a + 0x1000, 0, &cleared), ==, 2);
    g_assert_cmpuint(clear(fx, UINT64_MAX & ~0xffull, 0x200, &cleared), ==, 2);
    g_assert_cmpuint(clear(fx, pc->addr, 0x100, &cleared), ==, 2);
    g_assert_cmpuint(clear(fx, 0x100000, 0x100, &cleared), ==, 2);
    ASSERT_LIST(nv0, "1000+400 7fffe00+200");
    /* one unit in the middle: a split */
    g_assert_cmpuint(clear(fx, a + 0x1100, 0x100, &cleared), ==, 0);
    g_assert_cmphex(cleared, ==, 0x100);
    ASSERT_LIST(nv0, "1000+100 1200+200 7fffe00+200");
    /* nothing there: cleared all the same */
    g_assert_cmpuint(clear(fx, a + 0x8000, 0x1000, &cleared), ==, 0);
    g_assert_cmphex(cleared, ==, 0x1000);
    /* past the DIMM's end: a partial clear up to it */
    g_assert_cmpuint(clear(fx, a + nv0->size - 0x100, 0x1000, &cleared), ==,
                     0);
    g_assert_cmphex(cleared, ==, 0x100);
    ASSERT_LIST(nv0, "1000+100 1200+200 7fffe00+100");
    g_autofree char *f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "1000+100 1200+200 7fffe00+100");
    /* the state file cannot be written: status 4, nothing changes */
    g_autofree char *moved = fx_state_unwritable(fx);
    g_assert_cmpuint(clear(fx, a + 0x1000, 0x100, &cleared), ==,
                     NV_DSM_HW_ERROR);
    g_assert_cmpuint(inject(fx, a + 0x3000, 0x100, 0), ==, NV_DSM_HW_ERROR);
    Arg r = range(a + 0x1000, 0x100);
    g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT_CLEAR, r.b, 16), ==,
                     NV_DSM_HW_ERROR);
    fx_state_writable(fx, moved);
    ASSERT_LIST(nv0, "1000+100 1200+200 7fffe00+100");
    g_free(f);
    f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "1000+100 1200+200 7fffe00+100");
    /* a split past the limit: status 4, nothing changes */
    g_assert_cmpuint(inject(fx, a + 0x10000, 0x300, 0), ==, 0);
    g_autoptr(GError) err = NULL;
    for (guint i = 4; i < NV_MEDIA_ERR_MAX; i++) {
        g_assert_true(nv_dimm_media_add(nv0, 0x100000 + (uint64_t)i * 4096,
                                        256, false, &err));
    }
    g_assert_cmpuint(clear(fx, a + 0x10100, 0x100, &cleared), ==,
                     NV_DSM_HW_ERROR);
    guint n;
    const NvMediaError *m = nv_dimm_media_errors(nv0, &n);
    g_assert_cmpuint(n, ==, NV_MEDIA_ERR_MAX);
    g_assert_cmphex(m[2].offset, ==, 0x10000);
    g_assert_cmphex(m[2].length, ==, 0x300);
    /* a tail is no split */
    g_assert_cmpuint(clear(fx, a + 0x10200, 0x100, &cleared), ==, 0);
    g_assert_cmphex(cleared, ==, 0x100);
}

/* ---- Translate SPA ---------------------------------------------------- */

static void test_translate(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    const uint8_t *out;
    uint8_t in[8];
    nv_st64(in, nv1->addr + 0x1234);
    g_assert_cmpuint(call(fx, NV_DSM_FN_TRANSLATE_SPA, in, 8, &out), ==, 36);
    g_assert_cmpuint(nv_ld32(out), ==, 0);
    g_assert_cmpuint(out[4], ==, 0);
    g_assert_cmphex(nv_ld64(out + 8), ==, nv1->size - 0x1234);
    g_assert_cmpuint(nv_ld32(out + 16), ==, 1);
    g_assert_cmpuint(nv_ld32(out + 20), ==, 2);   /* NV01's handle */
    g_assert_cmpuint(nv_ld32(out + 24), ==, 0);
    g_assert_cmphex(nv_ld64(out + 28), ==, 0x1234);
    nv_st64(in, nv0->addr + nv0->size - 1);
    g_assert_cmpuint(call(fx, NV_DSM_FN_TRANSLATE_SPA, in, 8, &out), ==, 36);
    g_assert_cmpuint(nv_ld32(out + 20), ==, 1);
    g_assert_cmphex(nv_ld64(out + 8), ==, 1);
    static const uint64_t bad[] = { 0, 0x100000, UINT64_MAX };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        nv_st64(in, bad[i]);
        g_assert_cmpuint(status(fx, NV_DSM_FN_TRANSLATE_SPA, in, 8), ==, 2);
    }
    nv_st64(in, pc->addr);
    g_assert_cmpuint(status(fx, NV_DSM_FN_TRANSLATE_SPA, in, 8), ==, 2);
    nv_st64(in, nv0->addr + nv0->size);          /* just past nv0 */
    if (nv0->addr + nv0->size != nv1->addr) {
        g_assert_cmpuint(status(fx, NV_DSM_FN_TRANSLATE_SPA, in, 8), ==, 2);
    }
}

/* ---- error injection -------------------------------------------------- */

static char *inject_status(Fx *fx, uint32_t in_len)
{
    uint8_t in[8] = { 0 };
    const uint8_t *out;
    uint32_t n = call(fx, NV_DSM_FN_ARS_INJECT_STATUS, in, in_len, &out);
    g_assert_cmpuint(nv_ld32(out), ==, 0);
    uint32_t count = nv_ld32(out + 4);
    g_assert_cmpuint(n, ==, 8 + 16 * count);
    GString *s = g_string_new("");
    for (uint32_t i = 0; i < count; i++) {
        g_string_append_printf(s, "%s%" G_GINT64_MODIFIER "x+%"
                               G_GINT64_MODIFIER "x", i ? " " : "",
                               nv_ld64(out + 8 + 16 * i),
                               nv_ld64(out + 16 + 16 * i));
    }
    return g_string_free(s, FALSE);
}

static void test_inject(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    g_autofree char *st = inject_status(fx, 0);
    g_assert_cmpstr(st, ==, "");
    /* 17 bytes (the spec's u8 options) and 20 (ndctl's) */
    Arg r = range(nv1->addr + 0x300, 0x10);
    g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT, r.b, 17), ==, 0);
    g_assert_cmpuint(inject(fx, nv0->addr + 0x2000, 0x200, 0), ==, 0);
    g_assert_cmphex(ged_events(fx), ==, 0);
    g_free(st);
    st = inject_status(fx, 8);
    g_autofree char *want = g_strdup_printf(
        "%" G_GINT64_MODIFIER "x+200 %" G_GINT64_MODIFIER "x+100",
        nv0->addr + 0x2000, nv1->addr + 0x300);
    g_assert_cmpstr(st, ==, want);
    /* bad: an unknown option, empty, past the DIMM, not an NVDIMM */
    g_assert_cmpuint(inject(fx, nv0->addr, 0x100, 2), ==, 2);
    g_assert_cmpuint(inject(fx, nv0->addr, 0x100, 0x81), ==, 2);
    g_assert_cmpuint(inject(fx, nv0->addr, 0, 0), ==, 2);
    g_assert_cmpuint(inject(fx, nv0->addr + nv0->size - 0x100, 0x200, 0), ==,
                     2);
    g_assert_cmpuint(inject(fx, pc->addr, 0x100, 1), ==, 2);
    g_assert_cmpuint(inject(fx, UINT64_MAX - 0x10, 0x100, 0), ==, 2);
    g_assert_cmphex(ged_events(fx), ==, 0);
    g_free(st);
    st = inject_status(fx, 0);
    g_assert_cmpstr(st, ==, want);
    /* notify: the root's GED bit, once per injection */
    g_assert_cmpuint(inject(fx, nv0->addr + 0x4000, 0x100, 1), ==, 0);
    g_assert_cmphex(ged_events(fx), ==, NV_GED_EVENT_NVDIMM_UC);
    g_assert_cmphex(ged_events(fx), ==, 0);
    /* Inject Clear: any part; bad ranges refused */
    r = range(nv0->addr + 0x2100, 0x3000);
    g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT_CLEAR, r.b, 16), ==, 0);
    ASSERT_LIST(nv0, "2000+100");
    r = range(pc->addr, 0x100);
    g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT_CLEAR, r.b, 16), ==, 2);
    r = range(nv1->addr, 0);
    g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT_CLEAR, r.b, 16), ==, 2);
    g_autofree char *f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "2000+100");
}

/* ndctl's inject-error test (test/inject-error.sh) as the DSM sees it:
 * 8 blocks at 42, one clear unit each, without notification: listed,
 * but not in a (short) scrub; uninjected; injected again, a full scrub
 * reports them; a write over them clears them (Linux: ARS Capabilities on
 * the range, then Clear Uncorrectable Error). */
static void test_ndctl_sequence(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv1 = fx_dimm(fx, 1);
    uint64_t ns = nv1->addr;              /* a raw namespace at the start */
    const uint8_t *out;
    for (int b = 42; b < 50; b++) {
        g_assert_cmpuint(cap(fx, ns, nv1->size, &out), ==, 16);
        g_assert_cmpuint(inject(fx, ns + b * 512, nv_ld32(out + 8), 0), ==, 0);
    }
    g_autofree char *st = inject_status(fx, 8);
    g_autofree char *want = NULL;
    GString *w = g_string_new("");
    for (int b = 42; b < 50; b++) {
        g_string_append_printf(w, "%s%" G_GINT64_MODIFIER "x+100",
                               b > 42 ? " " : "", ns + b * 512);
    }
    want = g_string_free(w, FALSE);
    g_assert_cmpstr(st, ==, want);
    g_assert_cmpuint(start(fx, ns, nv1->size, 2, NV_ARS_FLAG_PREV_DATA), ==,
                     0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "");
    for (int b = 42; b < 50; b++) {
        Arg r = range(ns + b * 512, 256);
        g_assert_cmpuint(status(fx, NV_DSM_FN_ARS_INJECT_CLEAR, r.b, 16), ==,
                         0);
    }
    g_free(st);
    st = inject_status(fx, 8);
    g_assert_cmpstr(st, ==, "");
    for (int b = 42; b < 50; b++) {
        g_assert_cmpuint(inject(fx, ns + b * 512, 256, 0), ==, 0);
    }
    g_assert_cmpuint(start(fx, ns, nv1->size, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "2:5400+100 2:5600+100 2:5800+100 2:5a00+100 "
                        "2:5c00+100 2:5e00+100 2:6000+100 2:6200+100");
    uint64_t cleared;
    g_assert_cmpuint(cap(fx, ns + 42 * 512, 8 * 512, &out), ==, 16);
    g_assert_cmpuint(clear(fx, ns + 42 * 512, 8 * 512, &cleared), ==, 0);
    g_assert_cmphex(cleared, ==, 8 * 512);
    g_free(st);
    st = inject_status(fx, 0);
    g_assert_cmpstr(st, ==, "");
    g_assert_cmpuint(start(fx, ns, nv1->size, 2, 0), ==, 0);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_ARS_STATUS_BUSY);
    g_assert_cmphex(ars_status(fx, &out), ==, NV_DSM_OK);
    ASSERT_RECORDS(out, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fx, "nvemu-ars-XXXXXX", ars_setup, fn, fx_teardown)
    ADD("/ars/sizes", test_sizes);
    ADD("/ars/cap", test_cap);
    ADD("/ars/scrub", test_scrub);
    ADD("/ars/overflow", test_overflow);
    ADD("/ars/clear", test_clear);
    ADD("/ars/translate", test_translate);
    ADD("/ars/inject", test_inject);
    ADD("/ars/ndctl-sequence", test_ndctl_sequence);
    return g_test_run();
}
