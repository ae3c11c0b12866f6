/*
 * tests/test-dsm-health.c — the Intel family's health functions and the
 * NVDIMM state file, driven as the guest drives them: requests written
 * into the mailbox of a board built from a real command line, the
 * doorbell written through nv_io_dispatch(). Also the notification path
 * (pending-notify block + GED event) and the state file's start/stop
 * rules, its corrupt forms, and a SIGKILLed process holding it.
 */
#include "dsm-guest.h"
#include "state-file.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define INTEL NV_DSM_FAMILY_INTEL
#define DEG(c) ((uint16_t)((c) * 16))

typedef struct {
    char *dir;
    NvTestGuest g;
} Fx;

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx->dir = g_dir_make_tmp("nvemu-health-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    nv_tg_close(&fx->g);
    g_autoptr(GDir) d = g_dir_open(fx->dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(fx->dir, n, NULL);
        chmod(p, 0600);
        g_assert_cmpint(unlink(p), ==, 0);
    }
    g_assert_cmpint(rmdir(fx->dir), ==, 0);
    g_free(fx->dir);
}

static char *path_in(Fx *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

/* Two NVDIMMs (slot 0 with a state file when @state, slot 1 label-less)
 * and a pc-dimm in slot 2. */
static bool open_board(Fx *fx, const char *state, GError **errp)
{
    g_autofree char *sf = state ? g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-size=128K,state-file=%s", state)
                                : g_strdup("nvdimm,id=nv0,memdev=m0,"
                                           "label-size=128K");
    const char *argv[] = {
        "nvemu", "-m", "64M,slots=4,maxmem=2G",
        "-object", "memory-backend-ram,id=m0,size=256M",
        "-device", sf,
        "-object", "memory-backend-ram,id=m1,size=128M",
        "-device", "nvdimm,id=nv1,memdev=m1,label-size=0",
        "-object", "memory-backend-ram,id=m2,size=128M",
        "-device", "pc-dimm,id=pc2,memdev=m2",
    };
    return nv_tg_open(&fx->g, G_N_ELEMENTS(argv), argv, errp);
}

static void open_ok(Fx *fx, const char *state)
{
    g_autoptr(GError) err = NULL;
    if (!open_board(fx, state, &err)) {
        g_error("board: %s", err->message);
    }
}

/* One call: handle, family, revision, function, Arg3. Returns out_len. */
static uint32_t call(Fx *fx, uint32_t handle, uint32_t family, uint32_t rev,
                     uint32_t fn, const void *in, uint32_t in_len,
                     const uint8_t **out)
{
    return nv_tg_call(fx->g.board, fx->g.mb, handle, family, rev, fn, in,
                      in_len, out);
}

/* A call answering a bare status. */
static uint32_t status(Fx *fx, uint32_t handle, uint32_t rev, uint32_t fn,
                       const void *in, uint32_t in_len)
{
    const uint8_t *out;
    g_assert_cmpuint(call(fx, handle, INTEL, rev, fn, in, in_len, &out), ==,
                     4);
    return nv_ld32(out);
}

static uint64_t bitmap(Fx *fx, uint32_t handle, uint32_t family, uint32_t rev)
{
    const uint8_t *out;
    g_assert_cmpuint(call(fx, handle, family, rev, 0, NULL, 0, &out), ==, 8);
    return nv_ld64(out);
}

typedef struct {
    uint32_t flags;
    uint8_t health, spares, life_used, alarms;
    uint16_t mtemp, ctemp;
    uint32_t count;
    uint8_t state;
} Smart;

static Smart smart(Fx *fx, uint32_t handle)
{
    const uint8_t *o;
    g_assert_cmpuint(call(fx, handle, INTEL, 1, 1, NULL, 0, &o), ==, 132);
    g_assert_cmpuint(nv_ld32(o), ==, NV_DSM_OK);
    const uint8_t *p = o + 4;
    for (int i = 36; i < 128; i++) {
        g_assert_cmpuint(p[i], ==, 0); /* no vendor data */
    }
    g_assert_cmpuint(nv_ld32(p + 4), ==, 0);
    g_assert_cmpuint(nv_ld32(p + 32), ==, 0); /* vendor_size */
    return (Smart) {
        .flags = nv_ld32(p), .health = p[8], .spares = p[9],
        .life_used = p[10], .alarms = p[11], .mtemp = nv_ld16(p + 12),
        .ctemp = nv_ld16(p + 14), .count = nv_ld32(p + 16),
        .state = p[31],
    };
}

static uint32_t set_threshold(Fx *fx, uint32_t handle, uint16_t ctl,
                              uint8_t spares, uint16_t mt, uint16_t ct)
{
    uint8_t in[7];
    nv_st16(in, ctl);
    in[2] = spares;
    nv_st16(in + 3, mt);
    nv_st16(in + 5, ct);
    return status(fx, handle, 2, 17, in, sizeof(in));
}

typedef struct {
    uint64_t flags;
    uint8_t mt_en;
    uint16_t mt;
    uint8_t sp_en, sp, fatal, unsafe;
} Inject;

static void inject_bytes(const Inject *j, uint8_t in[15])
{
    nv_st64(in, j->flags);
    in[8] = j->mt_en;
    nv_st16(in + 9, j->mt);
    in[11] = j->sp_en;
    in[12] = j->sp;
    in[13] = j->fatal;
    in[14] = j->unsafe;
}

static uint32_t inject(Fx *fx, uint32_t handle, Inject j)
{
    uint8_t in[15];
    inject_bytes(&j, in);
    return status(fx, handle, 2, 18, in, sizeof(in));
}

/* The GED's latched events and the pending-notify dwords (both read to
 * clear, as the guest's _EVT and NHLT read them). */
static uint32_t ged_events(Fx *fx)
{
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO, NV_MMIO_GED,
                                 v, 4, false));
    return nv_ld32(v);
}

static uint32_t pending(Fx *fx, unsigned word)
{
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(fx->g.board->bus, NV_IO_MMIO,
                                 NV_MMIO_NVDIMM_NOTIFY + 4 * word, v, 4,
                                 false));
    return nv_ld32(v);
}

/* Nothing pending: no GED health event, no DIMM bit. */
static void assert_quiet(Fx *fx)
{
    g_assert_cmphex(ged_events(fx), ==, 0);
    g_assert_cmphex(pending(fx, 0), ==, 0);
}

/* Exactly the DIMM in @slot notified, once. */
static void assert_notified(Fx *fx, uint32_t slot)
{
    g_assert_cmphex(ged_events(fx), ==, NV_GED_EVENT_NVDIMM_HEALTH);
    g_assert_cmphex(pending(fx, 0), ==, 1u << slot);
    assert_quiet(fx); /* read-clear */
}

/* ---- the table ------------------------------------------------------- */

static void test_bitmaps(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    const uint64_t r1 = 1 | 1 << 1 | 1 << 2 | 1 << 10;
    g_assert_cmphex(bitmap(fx, 1, INTEL, 1), ==, r1 | 1 << 4 | 1 << 5 |
                                                     1 << 6);
    g_assert_cmphex(bitmap(fx, 2, INTEL, 1), ==, r1);
    for (uint32_t h = 1; h <= 2; h++) {
        g_assert_cmphex(bitmap(fx, h, INTEL, 2), ==, 1 | 1 << 17 | 1 << 18);
        static const uint32_t revs[] = { 0, 3, 31, 32, 0xffffffff };
        for (size_t i = 0; i < G_N_ELEMENTS(revs); i++) {
            g_assert_cmphex(bitmap(fx, h, INTEL, revs[i]), ==, 0);
        }
        /* a family this device does not have: bit 0 clear */
        g_assert_cmphex(bitmap(fx, h, NV_DSM_FAMILY_ROOT, 1), ==, 0);
        g_assert_cmphex(bitmap(fx, h, 0, 1), ==, 0);
        g_assert_cmphex(bitmap(fx, h, 99, 1), ==, 0);
    }
    g_assert_cmphex(bitmap(fx, 0, NV_DSM_FAMILY_ROOT, 1), ==, 0x3bf);
    /* slot 2 is a pc-dimm, slot 3 is empty */
    const uint8_t *out;
    for (uint32_t h = 3; h <= 4; h++) {
        g_assert_cmpuint(call(fx, h, INTEL, 1, 0, NULL, 0, &out), ==, 4);
        g_assert_cmpuint(nv_ld32(out), ==, NV_DSM_NO_DEVICE);
        g_assert_cmpuint(call(fx, h, INTEL, 1, 1, NULL, 0, &out), ==, 4);
        g_assert_cmpuint(nv_ld32(out), ==, NV_DSM_NO_DEVICE);
    }
}

/* Every function at a revision it does not take, and every input size it
 * does not take. */
static void test_revisions_and_sizes(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    uint8_t in[64] = { 0 };
    static const struct { uint32_t fn, rev, in_len; } fns[] = {
        { 1, 1, 0 }, { 2, 1, 0 }, { 10, 1, 1 }, { 17, 2, 7 }, { 18, 2, 15 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fns); i++) {
        for (uint32_t rev = 0; rev < 4; rev++) {
            if (rev != fns[i].rev) {
                g_assert_cmpuint(status(fx, 1, rev, fns[i].fn, in,
                                        fns[i].in_len), ==,
                                 NV_DSM_UNSUPPORTED);
            }
        }
        for (uint32_t len = 0; len <= 20; len++) {
            if (len == fns[i].in_len) {
                continue;
            }
            g_assert_cmpuint(status(fx, 1, fns[i].rev, fns[i].fn, in, len),
                             ==, NV_DSM_INVALID_INPUT);
        }
    }
    /* nothing changed by any of it */
    Smart s = smart(fx, 1);
    g_assert_cmpuint(s.spares, ==, 100);
    g_assert_cmpuint(s.mtemp, ==, DEG(30));
    g_assert_cmpuint(s.count, ==, 0);
    assert_quiet(fx);
}

/* ---- the functions --------------------------------------------------- */

static void test_get_smart(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    for (uint32_t h = 1; h <= 2; h++) {
        Smart s = smart(fx, h);
        /* health, spares, used, media temp, ctrl temp, shutdown count,
         * alarm flags, shutdown state (not AIT, PMIC, vendor data) */
        g_assert_cmphex(s.flags, ==, 0x63F);
        g_assert_cmpuint(s.health, ==, 0);
        g_assert_cmpuint(s.spares, ==, 100);
        g_assert_cmpuint(s.life_used, ==, 0);
        g_assert_cmpuint(s.alarms, ==, 0);
        g_assert_cmpuint(s.mtemp, ==, DEG(30));
        g_assert_cmpuint(s.ctemp, ==, DEG(35));
        g_assert_cmpuint(s.count, ==, 0);
        g_assert_cmpuint(s.state, ==, 0);
    }
}

static void test_thresholds(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    const uint8_t *o;
    g_assert_cmpuint(call(fx, 1, INTEL, 1, 2, NULL, 0, &o), ==, 12);
    g_assert_cmpuint(nv_ld32(o), ==, NV_DSM_OK);
    g_assert_cmpuint(nv_ld16(o + 4), ==, 0);          /* no alarm enabled */
    g_assert_cmpuint(o[6], ==, 10);
    g_assert_cmpuint(nv_ld16(o + 7), ==, DEG(85));
    g_assert_cmpuint(nv_ld16(o + 9), ==, DEG(95));
    g_assert_cmpuint(o[11], ==, 0);

    /* enabling alarms below the current values trips nothing */
    g_assert_cmpuint(set_threshold(fx, 1, 7, 20, DEG(70), DEG(80)), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(call(fx, 1, INTEL, 1, 2, NULL, 0, &o), ==, 12);
    g_assert_cmpuint(nv_ld16(o + 4), ==, 7);
    g_assert_cmpuint(o[6], ==, 20);
    g_assert_cmpuint(nv_ld16(o + 7), ==, DEG(70));
    g_assert_cmpuint(nv_ld16(o + 9), ==, DEG(80));
    assert_quiet(fx);
    /* the other DIMM kept its own */
    g_assert_cmpuint(call(fx, 2, INTEL, 1, 2, NULL, 0, &o), ==, 12);
    g_assert_cmpuint(nv_ld16(o + 4), ==, 0);

    /* a controller threshold at the current 35 degrees: the alarm trips
     * (at or above) and the DIMM is notified */
    g_assert_cmpuint(set_threshold(fx, 1, 7, 20, DEG(70), DEG(35)), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(smart(fx, 1).alarms, ==, NV_ALARM_CTRL_TEMP);
    assert_notified(fx, 0);
    /* setting it again changes nothing new: no second notification */
    g_assert_cmpuint(set_threshold(fx, 1, 7, 20, DEG(70), DEG(35)), ==,
                     NV_DSM_OK);
    assert_quiet(fx);
    /* disabled alarm: not tripped */
    g_assert_cmpuint(set_threshold(fx, 1, 3, 20, DEG(70), DEG(35)), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(smart(fx, 1).alarms, ==, 0);

    /* bad values change nothing */
    g_assert_cmpuint(set_threshold(fx, 1, 8, 20, DEG(70), DEG(80)), ==,
                     NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(set_threshold(fx, 1, 0xffff, 20, 0, 0), ==,
                     NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(set_threshold(fx, 1, 7, 101, DEG(70), DEG(80)), ==,
                     NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(call(fx, 1, INTEL, 1, 2, NULL, 0, &o), ==, 12);
    g_assert_cmpuint(nv_ld16(o + 4), ==, 3);
    g_assert_cmpuint(nv_ld16(o + 9), ==, DEG(35));
}

static void test_inject(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    /* media temperature with no alarm enabled: value changes, no notify */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 1, .mt_en = 1,
                                             .mt = DEG(60) }), ==, NV_DSM_OK);
    g_assert_cmpuint(smart(fx, 1).mtemp, ==, DEG(60));
    assert_quiet(fx);
    /* enable the media and spares alarms at 80 degrees and 50 % */
    g_assert_cmpuint(set_threshold(fx, 1, NV_ALARM_MEDIA_TEMP |
                                              NV_ALARM_SPARES, 50, DEG(80),
                                   DEG(95)), ==, NV_DSM_OK);
    assert_quiet(fx);
    /* over the threshold: the alarm trips, the DIMM is notified */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 1, .mt_en = 1,
                                             .mt = DEG(81) }), ==, NV_DSM_OK);
    Smart s = smart(fx, 1);
    g_assert_cmpuint(s.mtemp, ==, DEG(81));
    g_assert_cmpuint(s.alarms, ==, NV_ALARM_MEDIA_TEMP);
    assert_notified(fx, 0);
    /* spares below: a new alarm, a new notification */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 2, .sp_en = 1,
                                             .sp = 5 }), ==, NV_DSM_OK);
    s = smart(fx, 1);
    g_assert_cmpuint(s.spares, ==, 5);
    g_assert_cmpuint(s.alarms, ==, NV_ALARM_MEDIA_TEMP | NV_ALARM_SPARES);
    assert_notified(fx, 0);
    /* fatal: health fatal, notified even with no alarm change */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 4, .fatal = 1 }), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(smart(fx, 1).health, ==, NV_HEALTH_FATAL);
    assert_notified(fx, 0);
    /* unsafe shutdown: state dirty, count + 1, notified */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 8, .unsafe = 1 }), ==,
                     NV_DSM_OK);
    s = smart(fx, 1);
    g_assert_cmpuint(s.state, ==, 1);
    g_assert_cmpuint(s.count, ==, 1);
    assert_notified(fx, 0);
    /* the other DIMM saw none of it */
    s = smart(fx, 2);
    g_assert_cmpuint(s.mtemp, ==, DEG(30));
    g_assert_cmpuint(s.count, ==, 0);
    /* uninject everything (flags set, enables 0), as inject-smart's
     * --uninject-all: defaults back, count stays, no notification */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 15 }), ==, NV_DSM_OK);
    s = smart(fx, 1);
    g_assert_cmpuint(s.mtemp, ==, DEG(30));
    g_assert_cmpuint(s.spares, ==, 100);
    g_assert_cmpuint(s.health, ==, 0);
    g_assert_cmpuint(s.state, ==, 0);
    g_assert_cmpuint(s.count, ==, 1);
    g_assert_cmpuint(s.alarms, ==, 0);
    assert_quiet(fx);
    /* a flag not set leaves its field alone whatever its bytes say */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 1, .mt_en = 1,
                                             .mt = DEG(40), .sp_en = 1,
                                             .sp = 1, .fatal = 1,
                                             .unsafe = 1 }), ==, NV_DSM_OK);
    s = smart(fx, 1);
    g_assert_cmpuint(s.mtemp, ==, DEG(40));
    g_assert_cmpuint(s.spares, ==, 100);
    g_assert_cmpuint(s.health, ==, 0);
    g_assert_cmpuint(s.count, ==, 1);
    /* a negative temperature (bit 15) is below any threshold */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 1, .mt_en = 1,
                                             .mt = 0x8000 | DEG(5) }), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(smart(fx, 1).alarms, ==, 0);
    assert_quiet(fx);
    /* bad input: unknown flag bits, enables other than 0/1, spares > 100 */
    static const Inject bad[] = {
        { .flags = 16 }, { .flags = UINT64_C(1) << 63 },
        { .flags = 1, .mt_en = 2 }, { .flags = 2, .sp_en = 1, .sp = 101 },
        { .flags = 4, .fatal = 7 }, { .flags = 8, .unsafe = 2 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpuint(inject(fx, 1, bad[i]), ==, NV_DSM_INVALID_INPUT);
    }
    s = smart(fx, 1);
    g_assert_cmpuint(s.mtemp, ==, (0x8000 | DEG(5)));
    g_assert_cmpuint(s.count, ==, 1);
    assert_quiet(fx);
}

static void test_latch(Fx *fx, gconstpointer data)
{
    (void)data;
    open_ok(fx, NULL);
    for (uint8_t v = 0; v <= 1; v++) {
        g_assert_cmpuint(status(fx, 1, 1, 10, &v, 1), ==, NV_DSM_OK);
        NvDimm *d = g_ptr_array_index(fx->g.cfg->dimms, 0);
        g_assert_cmpuint(d->state.health.latch_shutdown, ==, v);
    }
    uint8_t bad = 2;
    g_assert_cmpuint(status(fx, 1, 1, 10, &bad, 1), ==, NV_DSM_INVALID_INPUT);
}

/* ---- the state file -------------------------------------------------- */

static NvStateData read_state(const char *path)
{
    g_autofree char *buf = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    NvStateData d = { 0 };
    if (!nv_state_decode((const uint8_t *)buf, len, &d, &err)) {
        g_error("%s: %s", path, err->message);
    }
    return d;
}

static void write_state(const char *path, uint32_t flags, uint32_t count,
                        uint8_t state, guint records)
{
    NvStateData d = {
        .flags = flags, .shutdown_count = count, .shutdown_state = state,
        .records = g_array_new(FALSE, FALSE, sizeof(NvStateRecord)),
    };
    for (guint i = 0; i < records; i++) {
        NvStateRecord r = { 4096 * (i + 1), 512 };
        g_array_append_val(d.records, r);
    }
    g_autoptr(GByteArray) b = nv_state_encode(&d);
    g_assert_true(g_file_set_contents(path, (char *)b->data, b->len, NULL));
    g_array_unref(d.records);
}

static void stop_board(Fx *fx)
{
    for (guint i = 0; i < fx->g.cfg->dimms->len; i++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(nv_dimm_stop(g_ptr_array_index(fx->g.cfg->dimms, i),
                                   &err));
    }
    nv_tg_close(&fx->g);
}

/* A fresh file; a clean stop; a start after a run that never stopped
 * (RUNNING still set) counts one unsafe shutdown; a reset (new board from
 * the same cfg) does not count again. */
static void test_state_cycle(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *sf = path_in(fx, "nv0.state");
    open_ok(fx, sf);
    NvStateData d = read_state(sf);
    g_assert_cmpuint(d.flags, ==, NV_STATE_FLAG_RUNNING);
    g_assert_cmpuint(d.shutdown_count, ==, 0);
    g_array_unref(d.records);
    Smart s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 0);
    g_assert_cmpuint(s.state, ==, 0);
    /* a reset: a new board, the same DIMMs */
    nv_tg_reset(&fx->g);
    g_assert_cmpuint(smart(fx, 1).count, ==, 0);
    stop_board(fx);
    d = read_state(sf);
    g_assert_cmpuint(d.flags, ==, 0);
    g_assert_cmpuint(d.shutdown_count, ==, 0);
    g_array_unref(d.records);

    /* clean: the next start sees clean, count 0 */
    open_ok(fx, sf);
    s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 0);
    g_assert_cmpuint(s.state, ==, 0);
    /* this run "dies": closed without a stop */
    nv_tg_close(&fx->g);
    open_ok(fx, sf);
    s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 1);
    g_assert_cmpuint(s.state, ==, 1);
    /* the label-less DIMM has no state file: one run only */
    g_assert_cmpuint(smart(fx, 2).count, ==, 0);
    /* an injected unsafe shutdown is counted in the file at once */
    g_assert_cmpuint(inject(fx, 1, (Inject) { .flags = 8, .unsafe = 1 }), ==,
                     NV_DSM_OK);
    d = read_state(sf);
    g_assert_cmpuint(d.shutdown_count, ==, 2);
    g_assert_cmpuint(d.flags, ==, NV_STATE_FLAG_RUNNING);
    g_array_unref(d.records);
    stop_board(fx);
    open_ok(fx, sf);
    s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 2);
    g_assert_cmpuint(s.state, ==, 0);
    stop_board(fx);
    /* media-error records (issue 13 point 4) survive a rewrite */
    write_state(sf, NV_STATE_FLAG_RUNNING, 7, 0, 3);
    open_ok(fx, sf);
    g_assert_cmpuint(smart(fx, 1).count, ==, 8);
    stop_board(fx);
    d = read_state(sf);
    g_assert_cmpuint(d.shutdown_count, ==, 8);
    g_assert_cmpuint(d.records->len, ==, 3);
    g_assert_cmpuint(g_array_index(d.records, NvStateRecord, 2).offset, ==,
                     3 * 4096);
    g_array_unref(d.records);
    /* no temporary file left behind */
    g_autoptr(GDir) dir = g_dir_open(fx->dir, 0, NULL);
    const char *n;
    while ((n = g_dir_read_name(dir))) {
        g_assert_cmpstr(n, ==, "nv0.state");
    }
}

/* Corrupt files: one line naming the -device and the file, no board, the
 * file left as it was. */
static void test_state_corrupt(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *sf = path_in(fx, "nv0.state");
    write_state(sf, 0, 3, 0, 2);
    g_autofree char *good = NULL;
    gsize good_len;
    g_assert_true(g_file_get_contents(sf, &good, &good_len, NULL));
    g_assert_cmpuint(good_len, ==, 48 + 2 * 16);

    static const struct {
        const char *what, *expect;
    } cases[] = {
        { "truncated", "truncated: 60 bytes, its header says 80" },
        { "tiny", "truncated: 20 bytes, a state file has at least 48" },
        { "empty", "not an nvemu state file (0 bytes" },
        { "checksum", "checksum mismatch: the file is corrupt" },
        { "version", "version 2 is not supported (this nvemu reads version 1)" },
        { "magic", "not an nvemu state file (80 bytes" },
        { "size", "its size field says 81 bytes, 2 records need 80" },
        { "records", "4294967295 media-error records, at most 65536" },
        { "trailing", "trailing bytes: 81 bytes, its header says 80" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *b = g_memdup2(good, good_len + 1);
        gsize len = good_len;
        const char *w = cases[i].what;
        if (!strcmp(w, "truncated")) {
            len = 60;
        } else if (!strcmp(w, "tiny")) {
            len = 20;
        } else if (!strcmp(w, "empty")) {
            len = 0;
        } else if (!strcmp(w, "checksum")) {
            b[20] ^= 1; /* the count */
        } else if (!strcmp(w, "version")) {
            nv_st32((uint8_t *)b + 8, 2);
        } else if (!strcmp(w, "magic")) {
            b[0] = 'X';
        } else if (!strcmp(w, "size")) {
            nv_st32((uint8_t *)b + 12, 81);
        } else if (!strcmp(w, "records")) {
            nv_st32((uint8_t *)b + 28, 0xffffffff);
        } else if (!strcmp(w, "trailing")) {
            b[good_len] = 0;
            len = good_len + 1;
        }
        g_assert_true(g_file_set_contents(sf, b, (gssize)len, NULL));
        g_autoptr(GError) err = NULL;
        g_assert_false(open_board(fx, sf, &err));
        nv_tg_close(&fx->g);
        g_assert_nonnull(err);
        g_autofree char *want = g_strdup_printf(
            "-device nvdimm,id=nv0: state-file '%s': %s", sf,
            cases[i].expect);
        if (!g_str_has_prefix(err->message, want)) {
            g_error("%s: got \"%s\", want \"%s...\"", w, err->message, want);
        }
        g_assert_null(strchr(err->message, '\n'));
        /* untouched */
        g_autofree char *after = NULL;
        gsize alen;
        g_assert_true(g_file_get_contents(sf, &after, &alen, NULL));
        g_assert_cmpmem(after, alen, b, len);
    }

    /* not a regular file: a directory, a character device */
    g_autofree char *dpath = path_in(fx, "adir");
    g_assert_cmpint(mkdir(dpath, 0700), ==, 0);
    const char *not_regular[] = { dpath, "/dev/null" };
    g_autoptr(GError) err = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(not_regular); i++) {
        g_clear_error(&err);
        g_assert_false(open_board(fx, not_regular[i], &err));
        nv_tg_close(&fx->g);
        g_autofree char *want = g_strdup_printf(
            "-device nvdimm,id=nv0: state-file=%s is not a regular file",
            not_regular[i]);
        g_assert_cmpstr(err->message, ==, want);
    }
    g_assert_cmpint(rmdir(dpath), ==, 0);
    /* unreadable (not as root): a file without read permission */
    if (geteuid() != 0) {
        write_state(sf, 0, 1, 0, 0);
        g_assert_cmpint(chmod(sf, 0), ==, 0);
        g_clear_error(&err);
        g_assert_false(open_board(fx, sf, &err));
        nv_tg_close(&fx->g);
        g_assert_nonnull(strstr(err->message, "is unreadable: "));
        g_assert_nonnull(strstr(err->message, "Permission denied"));
    }
    /* a directory that does not exist: the write fails, one line */
    g_autofree char *missing = path_in(fx, "no-such-dir/nv0.state");
    g_clear_error(&err);
    g_assert_false(open_board(fx, missing, &err));
    nv_tg_close(&fx->g);
    g_assert_nonnull(strstr(err->message, "-device nvdimm,id=nv0: "
                                          "state-file '"));
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
}

/* A state file that is another file of the machine would be replaced by
 * its atomic rewrite: refused at plan time, whatever the path's spelling,
 * and nothing is created or changed. */
static void test_state_clash(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *img = path_in(fx, "pmem.img");
    g_autofree char *lbl = path_in(fx, "labels.img");
    g_autofree char *link = path_in(fx, "link");
    g_autofree char *sf = path_in(fx, "nv.state");
    g_autofree char *sf_dotted = g_strdup_printf("%s/./nv.state", fx->dir);
    g_assert_cmpint(symlink(img, link), ==, 0);
    g_autofree char *mem = g_strdup_printf(
        "memory-backend-file,id=f0,share=on,mem-path=%s,size=128M", img);
    static const struct { int which; const char *expect; } cases[] = {
        { 0, "state-file=%s is the same file as mem-path of -object "
             "memory-backend-file,id=f0 (%s)" },
        { 1, "state-file=%s is the same file as mem-path of -object "
             "memory-backend-file,id=f0 (%s)" },
        { 2, "state-file=%s is the same file as label-file of "
             "-device nvdimm,id=nv0 (%s)" },
        { 3, "state-file=%s is the same file as state-file of "
             "-device nvdimm,id=nv0 (%s)" },
    };
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: nothing exists yet; pass 1: the image exists */
        if (pass == 1) {
            g_assert_true(g_file_set_contents(img, "", 0, NULL));
            g_assert_cmpint(truncate(img, 128 * MiB), ==, 0);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
            const char *s0 = cases[i].which == 0 ? img
                             : cases[i].which == 1 ? link
                             : cases[i].which == 2 ? lbl : sf;
            const char *other = cases[i].which <= 1 ? img
                                : cases[i].which == 2 ? lbl : sf_dotted;
            if (pass == 0 && cases[i].which == 1) {
                continue; /* a dangling link is not the missing file */
            }
            g_autofree char *nv0 = g_strdup_printf(
                "nvdimm,id=nv0,memdev=f0,label-size=128K,label-file=%s%s%s",
                lbl, cases[i].which == 3 ? ",state-file=" : "",
                cases[i].which == 3 ? sf_dotted : "");
            g_autofree char *nv1 = g_strdup_printf(
                "nvdimm,id=nv1,memdev=m1,state-file=%s", s0);
            const char *argv[] = {
                "nvemu", "-m", "64M,slots=4,maxmem=2G",
                "-object", mem, "-device", nv0,
                "-object", "memory-backend-ram,id=m1,size=128M",
                "-device", nv1,
            };
            g_autoptr(GError) err = NULL;
            g_assert_false(nv_tg_open(&fx->g, G_N_ELEMENTS(argv), argv, &err));
            nv_tg_close(&fx->g);
            g_autofree char *tail = g_strdup_printf(cases[i].expect, s0,
                                                    other);
            g_autofree char *want = g_strdup_printf("-device nvdimm,id=nv1: %s",
                                                    tail);
            g_assert_cmpstr(err->message, ==, want);
            g_assert_false(g_file_test(sf, G_FILE_TEST_EXISTS));
            g_assert_false(g_file_test(lbl, G_FILE_TEST_EXISTS));
        }
    }
    struct stat st;
    g_assert_cmpint(stat(img, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 128 * MiB);
    g_assert_cmpint(unlink(link), ==, 0);
}

/* A real process holding the state file is SIGKILLed: the next start
 * counts an unsafe shutdown. A process that stops cleanly leaves none. */
static void run_child(Fx *fx, const char *sf, bool clean, int ready_fd)
{
    g_autoptr(GError) err = NULL;
    if (!open_board(fx, sf, &err)) {
        _exit(2);
    }
    if (clean) {
        stop_board(fx);
    }
    char c = 'r';
    if (write(ready_fd, &c, 1) != 1) {
        _exit(3);
    }
    for (;;) {
        pause();
    }
}

static void kill_cycle(Fx *fx, const char *sf, bool clean)
{
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(p[0]);
        run_child(fx, sf, clean, p[1]);
    }
    close(p[1]);
    char c;
    g_assert_cmpint(read(p[0], &c, 1), ==, 1);
    close(p[0]);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    int st;
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    g_assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void test_state_sigkill(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *sf = path_in(fx, "nv0.state");
    kill_cycle(fx, sf, false);
    kill_cycle(fx, sf, false);
    open_ok(fx, sf);
    Smart s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 2); /* the second start counted the 1st */
    g_assert_cmpuint(s.state, ==, 1);
    stop_board(fx);
    kill_cycle(fx, sf, true); /* stopped cleanly before the kill */
    open_ok(fx, sf);
    s = smart(fx, 1);
    g_assert_cmpuint(s.count, ==, 2);
    g_assert_cmpuint(s.state, ==, 0);
}

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/dsm-health/bitmaps", test_bitmaps);
    ADD("/dsm-health/revisions-and-sizes", test_revisions_and_sizes);
    ADD("/dsm-health/get-smart", test_get_smart);
    ADD("/dsm-health/thresholds", test_thresholds);
    ADD("/dsm-health/inject", test_inject);
    ADD("/dsm-health/latch", test_latch);
    ADD("/dsm-health/state-cycle", test_state_cycle);
    ADD("/dsm-health/state-corrupt", test_state_corrupt);
    ADD("/dsm-health/state-clash", test_state_clash);
    ADD("/dsm-health/state-sigkill", test_state_sigkill);
    return g_test_run();
}
