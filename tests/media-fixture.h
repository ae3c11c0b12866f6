/*
 * tests/media-fixture.h — the board that tests/test-dsm-ars.c and
 * tests/test-media-errors.c drive (tests/dsm-guest.h's guest): NVDIMMs
 * nv0 (256M, a label area, a state file) and nv1 (128M) and a pc-dimm
 * pc2, with the state file in a temporary directory; the state file's
 * media-error records as text; a state file that cannot be written.
 */
#ifndef NVEMU_TESTS_MEDIA_FIXTURE_H
#define NVEMU_TESTS_MEDIA_FIXTURE_H

#include "dsm-guest.h"
#include "state-file.h"

#include <stdio.h>
#include <unistd.h>

typedef struct {
    char *dir;
    char *state;    /* nv0's state file, in @dir */
    NvTestGuest g;
} Fx;

/* g_test_add()'s setup: the directory, made from the template @data;
 * no board yet (fx_open). */
static inline void fx_setup(Fx *fx, gconstpointer data)
{
    fx->dir = g_dir_make_tmp(data, NULL);
    g_assert_nonnull(fx->dir);
    fx->state = g_build_filename(fx->dir, "nv0.state", NULL);
}

static inline void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    nv_tg_close(&fx->g);
    unlink(fx->state);
    g_assert_cmpint(rmdir(fx->dir), ==, 0);
    g_free(fx->state);
    g_free(fx->dir);
}

/* nv0 (256M, state file) and nv1 (128M) NVDIMMs, a pc-dimm pc2. */
static inline bool fx_open(Fx *fx, GError **errp)
{
    g_autofree char *nv0 = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-size=128K,state-file=%s", fx->state);
    const char *argv[] = {
        "nvemu", "-m", "64M,slots=4,maxmem=2G",
        "-object", "memory-backend-ram,id=m0,size=256M",
        "-device", nv0,
        "-object", "memory-backend-ram,id=m1,size=128M",
        "-device", "nvdimm,id=nv1,memdev=m1,label-size=0",
        "-object", "memory-backend-ram,id=m2,size=128M",
        "-device", "pc-dimm,id=pc2,memdev=m2",
    };
    return nv_tg_open(&fx->g, G_N_ELEMENTS(argv), argv, errp);
}

static inline void fx_open_ok(Fx *fx)
{
    g_autoptr(GError) err = NULL;
    if (!fx_open(fx, &err)) {
        g_error("board: %s", err->message);
    }
}

static inline NvDimm *fx_dimm(Fx *fx, guint i)
{
    return g_ptr_array_index(fx->g.cfg->dimms, i);
}

/* The state file's records, "off+len ..." in hex. */
static inline char *fx_state_records(Fx *fx)
{
    g_autofree char *buf = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(fx->state, &buf, &len, NULL));
    NvStateData d = { 0 };
    g_autoptr(GError) err = NULL;
    if (!nv_state_decode((const uint8_t *)buf, len, &d, &err)) {
        g_error("%s", err->message);
    }
    GString *s = g_string_new("");
    for (guint i = 0; i < d.records->len; i++) {
        NvStateRecord *r = &g_array_index(d.records, NvStateRecord, i);
        g_string_append_printf(s, "%s%" G_GINT64_MODIFIER "x+%"
                               G_GINT64_MODIFIER "x", i ? " " : "",
                               r->offset, r->length);
    }
    g_array_unref(d.records);
    return g_string_free(s, FALSE);
}

/* The directory moved away: the state file cannot be written until
 * fx_state_writable() with what this returns. */
static inline char *fx_state_unwritable(Fx *fx)
{
    char *moved = g_strconcat(fx->dir, ".moved", NULL);
    g_assert_cmpint(rename(fx->dir, moved), ==, 0);
    return moved;
}

static inline void fx_state_writable(Fx *fx, const char *moved)
{
    g_assert_cmpint(rename(moved, fx->dir), ==, 0);
}

#endif
