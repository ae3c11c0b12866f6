/*
 * tests/test-media-errors.c — the NVDIMM media-error model
 * (nvdimm/media-errors.h): the list's merge, split, rounding, limit and
 * known flags; a DIMM's bounds; guest physical addresses; the state
 * file's records (written at every change, loaded at start, checked);
 * a failed write undoing the change; the root notification through the
 * GED's media-error bit.
 */
#include "media-errors.h"
#include "media-fixture.h"

#include <stdio.h>
#include <unistd.h>

#define U NV_MEDIA_ERR_UNIT

static GArray *list_of(const NvMediaError *e, guint n)
{
    GArray *l = nv_media_list_new();
    g_array_append_vals(l, e, n);
    return l;
}

/* "off+len[k] ..." in hex units, for compact assertions. */
static char *show(GArray *l)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < l->len; i++) {
        NvMediaError *m = &g_array_index(l, NvMediaError, i);
        g_string_append_printf(s, "%s%" G_GINT64_MODIFIER "x+%"
                               G_GINT64_MODIFIER "x%s", i ? " " : "",
                               m->offset, m->length, m->known ? "k" : "");
    }
    return g_string_free(s, FALSE);
}

#define ASSERT_LIST(l, want) do { \
        g_autofree char *got_ = show(l); \
        g_assert_cmpstr(got_, ==, want); \
    } while (0)

static void add_ok(GArray *l, uint64_t off, uint64_t len, bool known)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_media_list_add(l, off, len, known, &err));
    g_assert_no_error(err);
}

static uint64_t remove_ok(GArray *l, uint64_t off, uint64_t len)
{
    g_autoptr(GError) err = NULL;
    uint64_t gone = 12345;
    g_assert_true(nv_media_list_remove(l, off, len, &gone, &err));
    g_assert_no_error(err);
    return gone;
}

static void test_list_add(void)
{
    g_autoptr(GArray) l = nv_media_list_new();
    add_ok(l, 0x1000, 1, false);          /* rounded out to one unit */
    ASSERT_LIST(l, "1000+100");
    add_ok(l, 0x1ff, 2, false);           /* crosses a unit boundary */
    ASSERT_LIST(l, "100+200 1000+100");
    add_ok(l, 0x300, 0x100, true);        /* touches: merges, new bytes */
    ASSERT_LIST(l, "100+300k 1000+100");
    add_ok(l, 0x180, 0x10, false);        /* inside a known one: stays */
    ASSERT_LIST(l, "100+300k 1000+100");
    add_ok(l, 0x1000, 0x100, true);       /* the same one, notified */
    ASSERT_LIST(l, "100+300k 1000+100k");
    add_ok(l, 0x380, 0xc81, false);       /* bridges both: one range */
    ASSERT_LIST(l, "100+1000");
    add_ok(l, 0x5000, 0x200, false);
    add_ok(l, 0x3000, 0x200, false);      /* kept sorted */
    ASSERT_LIST(l, "100+1000 3000+200 5000+200");
    /* not a range */
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_media_list_add(l, 0x100, 0, false, &err));
    g_assert_nonnull(strstr(err->message, "not a valid range"));
    g_clear_error(&err);
    g_assert_false(nv_media_list_add(l, UINT64_MAX - 10, 100, false, &err));
    g_clear_error(&err);
    g_assert_false(nv_media_list_add(l, UINT64_MAX - 0x80, 0x10, false,
                                     &err));
    ASSERT_LIST(l, "100+1000 3000+200 5000+200");
}

static void test_list_remove(void)
{
    NvMediaError e[] = { { 0x100, 0x400, true }, { 0x1000, 0x100, false } };
    g_autoptr(GArray) l = list_of(e, 2);
    g_assert_cmphex(remove_ok(l, 0x200, 0x100), ==, 0x100); /* split */
    ASSERT_LIST(l, "100+100k 300+200k 1000+100");
    g_assert_cmphex(remove_ok(l, 0x4ff, 1), ==, 0x100);    /* a tail */
    ASSERT_LIST(l, "100+100k 300+100k 1000+100");
    g_assert_cmphex(remove_ok(l, 0x2000, 0x100), ==, 0);   /* nothing */
    g_assert_cmphex(remove_ok(l, 0, 0x1080), ==, 0x300);   /* all, rounded */
    ASSERT_LIST(l, "");
    /* a head */
    add_ok(l, 0x1000, 0x400, false);
    g_assert_cmphex(remove_ok(l, 0xf00, 0x200), ==, 0x100);
    ASSERT_LIST(l, "1100+300");
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_media_list_remove(l, 0, 0, NULL, &err));
}

/* NV_MEDIA_ERR_MAX ranges: one more fails, a merge or a removal that
 * does not split still works, a split fails; nothing changes on failure. */
static void test_list_limit(void)
{
    g_autoptr(GArray) l = nv_media_list_new();
    for (guint i = 0; i < NV_MEDIA_ERR_MAX; i++) {
        add_ok(l, (uint64_t)i * 4 * U, U, false);
    }
    g_assert_cmpuint(l->len, ==, NV_MEDIA_ERR_MAX);
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_media_list_add(l, (uint64_t)NV_MEDIA_ERR_MAX * 4 * U, U,
                                     false, &err));
    g_assert_nonnull(strstr(err->message, "1024 error ranges"));
    g_clear_error(&err);
    g_assert_cmpuint(l->len, ==, NV_MEDIA_ERR_MAX);
    add_ok(l, U, 2 * U, false);           /* grows range 0: no new one */
    g_assert_cmpuint(l->len, ==, NV_MEDIA_ERR_MAX);
    uint64_t gone = 1;
    g_assert_false(nv_media_list_remove(l, U, 1, &gone, &err)); /* split */
    g_assert_cmpuint(gone, ==, 0);
    g_assert_nonnull(strstr(err->message, "split"));
    g_assert_cmphex(g_array_index(l, NvMediaError, 0).length, ==, 3 * U);
    g_assert_cmphex(remove_ok(l, 2 * U, U), ==, U);   /* a tail: fine */
    g_assert_cmphex(remove_ok(l, 0, 2 * U), ==, 2 * U);
    g_assert_cmpuint(l->len, ==, NV_MEDIA_ERR_MAX - 1);
}

static void test_list_known(void)
{
    NvMediaError e[] = { { 0, U, false }, { 4 * U, U, false },
                         { 8 * U, U, true } };
    g_autoptr(GArray) l = list_of(e, 3);
    nv_media_list_mark_known(l, U - 1, 4 * U - (U - 1) + 1); /* 0 and 1 */
    ASSERT_LIST(l, "0+100k 400+100k 800+100k");
    nv_media_list_forget_known(l);
    ASSERT_LIST(l, "0+100 400+100 800+100");
    nv_media_list_mark_known(l, 5 * U, 3 * U);   /* touches none */
    ASSERT_LIST(l, "0+100 400+100 800+100");
}

/* ---- on a board ------------------------------------------------------- */

static char *show_dimm(NvDimm *d)
{
    g_autoptr(GArray) l = nv_media_list_new();
    guint n;
    const NvMediaError *e = nv_dimm_media_errors(d, &n);
    if (n) {
        g_array_append_vals(l, e, n);
    }
    return show(l);
}

static void stop_board(Fx *fx)
{
    for (guint i = 0; i < fx->g.cfg->dimms->len; i++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(nv_dimm_stop(fx_dimm(fx, i), &err));
    }
    nv_tg_close(&fx->g);
}

static void test_dimm_bounds(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_open_ok(fx);
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_dimm_media_add(nv0, nv0->size - U, U, false, &err));
    g_assert_false(nv_dimm_media_add(nv0, nv0->size - U, U + 1, false,
                                     &err));
    g_assert_cmpstr(err->message, ==,
                    "-device nvdimm,id=nv0: media error range offset "
                    "0x7ffff00 length 0x101 is outside its 0x8000000 bytes");
    g_clear_error(&err);
    g_assert_false(nv_dimm_media_add(nv0, UINT64_MAX, 2, false, &err));
    g_clear_error(&err);
    g_assert_false(nv_dimm_media_add(nv0, 0, 0, false, &err));
    g_assert_nonnull(strstr(err->message, "empty"));
    g_clear_error(&err);
    g_assert_false(nv_dimm_media_add(pc, 0, U, false, &err));
    g_assert_cmpstr(err->message, ==, "-device pc-dimm,id=pc2: media "
                    "errors exist only on an nvdimm");
    g_clear_error(&err);
    uint64_t gone = 7;
    g_assert_false(nv_dimm_media_remove(nv1, nv1->size, 1, &gone, &err));
    g_assert_cmpuint(gone, ==, 0);
    g_clear_error(&err);
    g_autofree char *l0 = show_dimm(nv0);
    g_assert_cmpstr(l0, ==, "7ffff00+100");
    g_autofree char *l1 = show_dimm(nv1);
    g_assert_cmpstr(l1, ==, "");
}

/* Guest physical addresses: inside one NVDIMM only. */
static void test_spa(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_open_ok(fx);
    NvDimm *nv0 = fx_dimm(fx, 0), *nv1 = fx_dimm(fx, 1), *pc = fx_dimm(fx, 2);
    uint64_t off = 0;
    g_assert_true(nv_media_find_spa(fx->g.cfg->dimms, nv1->addr + 0x2a00,
                                    0x1000, &off) == nv1);
    g_assert_cmphex(off, ==, 0x2a00);
    g_assert_null(nv_media_find_spa(fx->g.cfg->dimms, pc->addr, 1, &off));
    g_assert_null(nv_media_find_spa(fx->g.cfg->dimms, nv0->addr - 1, 2,
                                    &off));
    g_assert_null(nv_media_find_spa(fx->g.cfg->dimms, nv0->addr, 0, &off));
    g_assert_null(nv_media_find_spa(fx->g.cfg->dimms, UINT64_MAX, 2, &off));
    /* the last byte of nv0 to the first of whatever follows */
    g_assert_null(nv_media_find_spa(fx->g.cfg->dimms,
                                    nv0->addr + nv0->size - 1, 2, &off));
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_media_add_spa(fx->g.cfg->dimms, nv1->addr + 42 * 512,
                                   8 * 512, true, &err));
    g_autofree char *l1 = show_dimm(nv1);
    g_assert_cmpstr(l1, ==, "5400+1000k");
    g_assert_false(nv_media_add_spa(fx->g.cfg->dimms, pc->addr, 512, false,
                                    &err));
    g_autofree char *want = g_strdup_printf(
        "guest physical range 0x%" G_GINT64_MODIFIER "x length 0x200 is not "
        "inside one NVDIMM", pc->addr);
    g_assert_cmpstr(err->message, ==, want);
    g_clear_error(&err);
    uint64_t gone = 0;
    g_assert_true(nv_media_remove_spa(fx->g.cfg->dimms, nv1->addr + 42 * 512,
                                      512, &gone, &err));
    g_assert_cmphex(gone, ==, 512);
    g_free(l1);
    l1 = show_dimm(nv1);
    g_assert_cmpstr(l1, ==, "5600+e00k");
}

/* Every change is in the state file at once; a clean stop keeps the
 * list; the next run loads it (nothing known); a reset forgets what the
 * guest knew. */
static void test_persist(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_open_ok(fx);
    NvDimm *nv0 = fx_dimm(fx, 0);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_dimm_media_add(nv0, 0x5400, 0x100, true, &err));
    g_assert_true(nv_dimm_media_add(nv0, 0x10000, 0x1000, false, &err));
    g_autofree char *f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "5400+100 10000+1000");
    uint64_t gone;
    g_assert_true(nv_dimm_media_remove(nv0, 0x10400, 0x200, &gone, &err));
    g_free(f);
    f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "5400+100 10000+400 10600+a00");
    g_autofree char *before = show_dimm(nv0);
    g_assert_cmpstr(before, ==, "5400+100k 10000+400 10600+a00");
    /* a reset: a new board, the same DIMMs; the guest knows nothing */
    nv_tg_reset(&fx->g);
    g_autofree char *l = show_dimm(nv0);
    g_assert_cmpstr(l, ==, "5400+100 10000+400 10600+a00");
    stop_board(fx);
    g_free(f);
    f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "5400+100 10000+400 10600+a00");
    fx_open_ok(fx);
    g_free(l);
    l = show_dimm(fx_dimm(fx, 0));
    g_assert_cmpstr(l, ==, "5400+100 10000+400 10600+a00");
    g_autofree char *l1 = show_dimm(fx_dimm(fx, 1));
    g_assert_cmpstr(l1, ==, "");
}

/* A write that fails undoes the change and says why. */
static void test_write_fails(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_open_ok(fx);
    NvDimm *nv0 = fx_dimm(fx, 0);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_dimm_media_add(nv0, 0x1000, 0x100, false, &err));
    g_autofree char *moved = fx_state_unwritable(fx);
    g_assert_false(nv_dimm_media_add(nv0, 0x2000, 0x100, false, &err));
    g_assert_nonnull(strstr(err->message, "state-file"));
    g_clear_error(&err);
    uint64_t gone = 9;
    g_assert_false(nv_dimm_media_remove(nv0, 0x1000, 0x100, &gone, &err));
    g_assert_cmpuint(gone, ==, 0);
    fx_state_writable(fx, moved);
    g_autofree char *l = show_dimm(nv0);
    g_assert_cmpstr(l, ==, "1000+100");
    g_autofree char *f = fx_state_records(fx);
    g_assert_cmpstr(f, ==, "1000+100");
}

/* Records loaded from a file are checked against the DIMM and merged. */
static void test_load_checks(Fx *fx, gconstpointer data)
{
    (void)data;
    NvStateData d = {
        .records = g_array_new(FALSE, FALSE, sizeof(NvStateRecord)),
    };
    NvStateRecord r[] = { { 0x100, 0x80 }, { 0x180, 0x80 }, { 0x300, 1 } };
    g_array_append_vals(d.records, r, 3);
    g_autoptr(GByteArray) b = nv_state_encode(&d);
    g_assert_true(g_file_set_contents(fx->state, (char *)b->data, b->len,
                                      NULL));
    fx_open_ok(fx);
    g_autofree char *l = show_dimm(fx_dimm(fx, 0));
    g_assert_cmpstr(l, ==, "100+100 300+100");
    nv_tg_close(&fx->g);
    NvStateRecord out = { 0x8000000 - 0x100, 0x200 };
    g_array_append_val(d.records, out);
    g_byte_array_unref(b);
    b = nv_state_encode(&d);
    g_assert_true(g_file_set_contents(fx->state, (char *)b->data, b->len,
                                      NULL));
    g_autoptr(GError) err = NULL;
    g_assert_false(fx_open(fx, &err));
    g_autofree char *want = g_strdup_printf(
        "-device nvdimm,id=nv0: state-file '%s': media-error record 3 "
        "(offset 0x7ffff00 length 0x200) is not inside the DIMM's "
        "0x8000000 bytes", fx->state);
    g_assert_cmpstr(err->message, ==, want);
    g_array_unref(d.records);
}

/* nv_dsm_notify_uc_error(): the GED's media-error bit, nothing else. */
static void test_root_notify(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_open_ok(fx);
    nv_dsm_lock(fx->g.board->dsm);
    nv_dsm_notify_uc_error(fx->g.board->dsm);
    nv_dsm_unlock(fx->g.board->dsm);
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO, NV_MMIO_GED,
                                 v, 4, false));
    g_assert_cmphex(nv_ld32(v), ==, NV_GED_EVENT_NVDIMM_UC);
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO,
                                 NV_MMIO_NVDIMM_NOTIFY, v, 4, false));
    g_assert_cmphex(nv_ld32(v), ==, 0);
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO, NV_MMIO_GED,
                                 v, 4, false));
    g_assert_cmphex(nv_ld32(v), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/list/add", test_list_add);
    g_test_add_func("/media/list/remove", test_list_remove);
    g_test_add_func("/media/list/limit", test_list_limit);
    g_test_add_func("/media/list/known", test_list_known);
#define ADD(path, fn) \
    g_test_add(path, Fx, "nvemu-media-XXXXXX", fx_setup, fn, fx_teardown)
    ADD("/media/dimm/bounds", test_dimm_bounds);
    ADD("/media/dimm/spa", test_spa);
    ADD("/media/dimm/persist", test_persist);
    ADD("/media/dimm/write-fails", test_write_fails);
    ADD("/media/dimm/load-checks", test_load_checks);
    ADD("/media/root-notify", test_root_notify);
    return g_test_run();
}
