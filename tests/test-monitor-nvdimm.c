/*
 * tests/test-monitor-nvdimm.c — the monitor's NVDIMM commands
 * (machine/monitor-nvdimm.c) without KVM, through nv_qmp_client_feed():
 * x-nvdimm-set-health and x-nvdimm-query-health in prelaunch and on a
 * running board (no vCPUs), where the guest's side is read as the guest
 * reads it: Get SMART through the DSM mailbox, the GED's health event and
 * the pending-notify block. Every bad request's exact reply, and that it
 * changed nothing (the query before and after, the guest's view).
 */
#include "dsm-guest.h"
#include "media-errors.h"
#include "monitor-fixture.h"
#include "state-file.h"

#include <string.h>

/* 512M RAM, 4 slots: nvdimm nv0 (slot 0, with @nv0_extra properties and
 * a state file), a pc-dimm dimm1 (slot 1), nvdimm nv1 (slot 2). */
static void fixture_up(Fixture *f, const char *nv0_extra)
{
    f->dir = g_dir_make_tmp("nvemu-monnv-XXXXXX", NULL);
    g_autofree char *obj0 = g_strdup_printf(
        "memory-backend-file,id=mem0,share=on,mem-path=%s/pmem0.img,"
        "size=128M", f->dir);
    g_autofree char *obj2 = g_strdup_printf(
        "memory-backend-file,id=mem2,share=on,mem-path=%s/pmem2.img,"
        "size=128M", f->dir);
    g_autofree char *dev0 = g_strdup_printf(
        "nvdimm,id=nv0,memdev=mem0,label-size=0,state-file=%s/nv0.state%s",
        f->dir, nv0_extra ? nv0_extra : "");
    const char *argv[] = { "nvemu", "-m", "512M,slots=4,maxmem=2G",
        "-object", obj0, "-device", dev0,
        "-object", "memory-backend-ram,id=ram1,size=128M",
        "-device", "pc-dimm,id=dimm1,memdev=ram1",
        "-object", obj2, "-device", "nvdimm,id=nv1,memdev=mem2,label-size=0",
        NULL };
    monitor_fixture_up(f, argv);
}

static void fixture_down(Fixture *f)
{
    monitor_fixture_down(f);
    monitor_fixture_remove_dir(f);
}

/* ---- the guest's side ------------------------------------------------ */

/* An Intel-family call on the DIMM in @slot, as the _DSM AML makes it:
 * the result's length; *out the result in the mailbox. */
static uint32_t dsm(Fixture *f, uint32_t slot, uint32_t rev, uint32_t fn,
                    const uint8_t *in, uint32_t in_len, const uint8_t **out)
{
    uint8_t *mb = nv_board_guest_ptr(f->b, f->b->dsm_mailbox,
                                     NV_DSM_MAILBOX_SIZE);
    return nv_tg_call(f->b, mb, slot + 1, NV_DSM_FAMILY_INTEL, rev, fn, in,
                      in_len, out);
}

/* Get SMART of @slot as hex text of its 132 bytes: the guest's view. */
static char *smart(Fixture *f, uint32_t slot)
{
    const uint8_t *out;
    g_assert_cmpuint(dsm(f, slot, 1, NV_DSM_FN_SMART, NULL, 0, &out), ==,
                     NV_DSM_SMART_OUT_LEN);
    GString *s = g_string_new(NULL);
    for (int i = 0; i < NV_DSM_SMART_OUT_LEN; i++) {
        g_string_append_printf(s, "%02x", out[i]);
    }
    return g_string_free(s, FALSE);
}

/* Set SMART Threshold on @slot: alarm_control, spares, temperatures (°C). */
static void set_threshold(Fixture *f, uint32_t slot, uint16_t ctl,
                          uint8_t spares, uint16_t mt, uint16_t ct)
{
    uint8_t in[7];
    nv_st16(in, ctl);
    in[2] = spares;
    nv_st16(in + 3, (uint16_t)(mt * 16));
    nv_st16(in + 5, (uint16_t)(ct * 16));
    const uint8_t *out;
    g_assert_cmpuint(dsm(f, slot, 2, NV_DSM_FN_SET_SMART_THRESHOLD, in, 7,
                         &out), ==, 4);
    g_assert_cmpuint(nv_ld32(out), ==, NV_DSM_OK);
}

/* The GED's latched events and pending-notify dword 0, read to clear as
 * _EVT and NHLT read them. */
static uint32_t ged_events(Fixture *f)
{
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(f->b->bus, NV_IO_MMIO, NV_MMIO_GED, v, 4,
                                 false));
    return nv_ld32(v);
}

static uint32_t pending(Fixture *f)
{
    uint8_t v[4];
    g_assert_true(nv_io_dispatch(f->b->bus, NV_IO_MMIO,
                                 NV_MMIO_NVDIMM_NOTIFY, v, 4, false));
    return nv_ld32(v);
}

/* Exactly the DIMMs in @slots were notified (0: none), once. */
static void assert_notified(Fixture *f, uint32_t slots)
{
    g_assert_cmphex(ged_events(f), ==, slots ? NV_GED_EVENT_NVDIMM_HEALTH
                                             : 0);
    g_assert_cmphex(pending(f), ==, slots);
    g_assert_cmphex(ged_events(f), ==, 0);
    g_assert_cmphex(pending(f), ==, 0);
}

/* ---- state and refusals ------------------------------------------------ */

/* nv0's state file, read and decoded: *sd (its records the caller's). */
static void read_state(Fixture *f, NvStateData *sd)
{
    g_autofree char *path = g_build_filename(f->dir, "nv0.state", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_state_decode((const uint8_t *)bytes, len, sd, &err));
}

/* What a bad request must not change: the queries, the guest's Get SMART
 * of both NVDIMMs (when a board runs), the state file's bytes. */
static char *state(Fixture *f)
{
    static const char *const queries[] = {
        "x-nvdimm-query-health",
        "x-nvdimm-query-media-errors",
        NULL,
    };
    GString *s = monitor_query_lines(f, queries);
    if (f->b) {
        g_autofree char *s0 = smart(f, 0);
        g_autofree char *s2 = smart(f, 2);
        g_string_append_printf(s, "%s\n%s\n", s0, s2);
    }
    g_autofree char *path = g_build_filename(f->dir, "nv0.state", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;
    if (g_file_get_contents(path, &bytes, &len, NULL)) {
        for (gsize i = 0; i < len; i++) {
            g_string_append_printf(s, "%02x", (uint8_t)bytes[i]);
        }
    }
    return g_string_free(s, FALSE);
}

static void refused(Fixture *f, const char *request, const char *reply)
{
    monitor_assert_refused(f, state, request, reply);
    if (f->b) {
        assert_notified(f, 0);
    }
}

#define SET(args) \
    "{\"execute\": \"x-nvdimm-set-health\", \"arguments\": " args "}"

/* A fresh DIMM's query entry, with @id and @slot. */
#define FRESH(id, slot)                                                   \
    "{\"id\": \"" id "\", \"slot\": " slot ", \"health\": \"ok\", "        \
    "\"media-temperature\": 30.0, \"controller-temperature\": 35.0, "      \
    "\"spares\": 100, \"life-used\": 0, \"shutdown-state\": \"clean\", "   \
    "\"shutdown-count\": 0, \"alarm-media-temperature\": false, "          \
    "\"alarm-controller-temperature\": false, \"alarm-spares\": false, "   \
    "\"alarm-enabled-media-temperature\": false, "                         \
    "\"alarm-enabled-controller-temperature\": false, "                    \
    "\"alarm-enabled-spares\": false, "                                    \
    "\"media-temperature-threshold\": 85.0, "                              \
    "\"controller-temperature-threshold\": 95.0, "                         \
    "\"spares-threshold\": 10, \"latch-shutdown\": false}"

/* The end of x-nvdimm-set-health's refusal of a temperature. */
#define TEMP_RANGE \
    "out of range (-2047.9375 to 2047.9375 degrees Celsius, in steps of 1/16)"

static void bad_requests(Fixture *f)
{
    refused(f, SET("{\"id\": \"nope\", \"spares\": 50}"),
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"x-nvdimm-set-health: Device 'nope' not found\"}}");
    refused(f, "{\"execute\": \"x-nvdimm-query-health\", \"arguments\": "
            "{\"id\": \"nope\"}}",
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"x-nvdimm-query-health: Device 'nope' not found\"}}");
    refused(f, SET("{\"id\": \"dimm1\", \"spares\": 50}"),
            GENERIC("x-nvdimm-set-health: device 'dimm1' is a pc-dimm, not "
                    "an nvdimm"));
    refused(f, "{\"execute\": \"x-nvdimm-query-health\", \"arguments\": "
            "{\"id\": \"/machine/peripheral/dimm1\"}}",
            GENERIC("x-nvdimm-query-health: device "
                    "'/machine/peripheral/dimm1' is a pc-dimm, not an "
                    "nvdimm"));
    /* one bad value among good ones: none of them is applied */
    refused(f, SET("{\"id\": \"nv0\", \"spares\": 50, \"health\": \"bad\"}"),
            GENERIC("x-nvdimm-set-health: health 'bad' is not one of ok, "
                    "non-critical, critical, fatal"));
    refused(f, SET("{\"id\": \"nv0\", \"health\": \"fatal\", "
                   "\"spares\": 101}"),
            GENERIC("x-nvdimm-set-health: spares 101 is out of range (0 to "
                    "100)"));
    refused(f, SET("{\"id\": \"nv0\", \"spares\": -1}"),
            GENERIC("x-nvdimm-set-health: spares -1 is out of range (0 to "
                    "100)"));
    refused(f, SET("{\"id\": \"nv0\", \"life-used\": 256}"),
            GENERIC("x-nvdimm-set-health: life-used 256 is out of range (0 "
                    "to 255)"));
    refused(f, SET("{\"id\": \"nv0\", \"shutdown-count\": 4294967296}"),
            GENERIC("x-nvdimm-set-health: shutdown-count 4294967296 is out "
                    "of range (0 to 4294967295)"));
    refused(f, SET("{\"id\": \"nv0\", \"shutdown-state\": \"unsafe\"}"),
            GENERIC("x-nvdimm-set-health: shutdown-state 'unsafe' is not "
                    "one of clean, dirty"));
    refused(f, SET("{\"id\": \"nv0\", \"media-temperature\": 2048}"),
            GENERIC("x-nvdimm-set-health: media-temperature 2048 is "
                    TEMP_RANGE));
    refused(f, SET("{\"id\": \"nv0\", \"controller-temperature\": 40.01}"),
            GENERIC("x-nvdimm-set-health: controller-temperature 40.01 is "
                    TEMP_RANGE));
    refused(f, SET("{\"id\": \"nv0\", \"media-temperature\": -1e300}"),
            GENERIC("x-nvdimm-set-health: media-temperature -1e+300 is "
                    TEMP_RANGE));
    refused(f, SET("{\"id\": \"nv0\", \"spares\": \"50\"}"),
            GENERIC("Invalid parameter type for 'spares', expected: "
                    "integer"));
    refused(f, SET("{\"id\": \"nv0\", \"media-temperature\": \"hot\"}"),
            GENERIC("Invalid parameter type for 'media-temperature', "
                    "expected: number"));
    refused(f, SET("{\"id\": \"nv0\", \"notify\": 1}"),
            GENERIC("Invalid parameter type for 'notify', expected: "
                    "boolean"));
    refused(f, SET("{\"id\": \"nv0\", \"temperature\": 40}"),
            GENERIC("Parameter 'temperature' is unexpected"));
    refused(f, SET("{\"spares\": 40}"), GENERIC("Parameter 'id' is missing"));
}

/* ---- prelaunch ------------------------------------------------------- */

/* x-nvdimm-query-health of @id: its compact text has @part. */
static void assert_health_has(Fixture *f, const char *id, const char *part)
{
    g_autofree char *qc = canon(send_f(
        f, "{\"execute\": \"x-nvdimm-query-health\", \"arguments\": "
        "{\"id\": \"%s\"}}", id));
    g_assert_nonnull(strstr(qc, part));
}

static void test_prelaunch(void)
{
    Fixture f;
    fixture_up(&f, NULL);
    assert_json(send_f(&f, "{\"execute\": \"x-nvdimm-query-health\"}"),
                "{\"return\": [" FRESH("nv0", "0") ", "
                FRESH("nv1", "2") "]}");
    bad_requests(&f);
    /* no guest: nothing to notify, even when asked */
    assert_json(send_f(&f, SET("{\"id\": \"nv1\", \"health\": \"critical\", "
                               "\"media-temperature\": -3.5, "
                               "\"controller-temperature\": 2047.9375, "
                               "\"spares\": 0, \"life-used\": 255, "
                               "\"notify\": true}")),
                "{\"return\": {\"notified\": false}}");
    assert_health_has(&f, "nv1", "\"health\":\"critical\","
                      "\"media-temperature\":-3.5,"
                      "\"controller-temperature\":2047.9375,"
                      "\"spares\":0,\"life-used\":255,");
    /* the first boot keeps it (realize does not start the DIMM over) */
    monitor_fixture_boot(&f);
    g_autofree char *s = smart(&f, 2);
    /* status 0, valid 0x63f, health 2 (critical), spares 0, used 255,
     * alarms 0, media -3.5 = 0x8038, controller 0x7fff */
    g_assert_true(g_str_has_prefix(s, "000000003f06000000000000"
                                      "0200ff00" "3880" "ff7f"));
    fixture_down(&f);
}

/* ---- a running guest --------------------------------------------------- */

static void test_running(void)
{
    Fixture f;
    fixture_up(&f, NULL);
    monitor_fixture_boot(&f);
    g_autofree char *fresh = smart(&f, 0);
    bad_requests(&f);

    /* no alarm enabled: a hot DIMM tells nobody (as Inject SMART) */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", "
                               "\"media-temperature\": 90}")),
                "{\"return\": {\"notified\": false}}");
    assert_notified(&f, 0);
    g_autofree char *s = smart(&f, 0);
    /* only bytes 16-17 changed: 90 * 16 = 0x5a0 */
    g_assert_cmpint(strncmp(s, fresh, 32), ==, 0);
    g_assert_cmpint(strncmp(s + 32, "a005", 4), ==, 0);
    g_assert_cmpstr(s + 36, ==, fresh + 36);
    /* the guest enables the alarms (ndctl monitor); the host crosses the
     * controller threshold: notified as Inject SMART would */
    set_threshold(&f, 0, NV_ALARM_ALL, 10, 100, 95);
    assert_notified(&f, 0); /* 90 < 100: not tripped */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", "
                               "\"controller-temperature\": 96}")),
                "{\"return\": {\"notified\": true}}");
    assert_notified(&f, 1u << 0);
    /* already tripped: no second notification */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", "
                               "\"controller-temperature\": 97}")),
                "{\"return\": {\"notified\": false}}");
    assert_notified(&f, 0);
    /* ... unless asked */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", \"notify\": true}")),
                "{\"return\": {\"notified\": true}}");
    assert_notified(&f, 1u << 0);
    /* spares at the threshold trip it; notify false keeps quiet */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", \"spares\": 10, "
                               "\"notify\": false}")),
                "{\"return\": {\"notified\": false}}");
    assert_notified(&f, 0);
    /* a health state that is not ok tells the guest; back to ok not */
    assert_json(send_f(&f, SET("{\"id\": \"nv1\", \"health\": "
                               "\"non-critical\"}")),
                "{\"return\": {\"notified\": true}}");
    assert_notified(&f, 1u << 2);
    assert_json(send_f(&f, SET("{\"id\": \"nv1\", \"health\": \"ok\"}")),
                "{\"return\": {\"notified\": false}}");
    assert_notified(&f, 0);
    /* what the guest reads: alarm flags 0x5 (spares, controller) */
    g_free(s);
    s = smart(&f, 0);
    /* status, valid, reserved; health 0, spares 10, used 0, alarms 0x5,
     * 90 and 97 degrees; the rest (count, state, vendor size) zero */
    g_assert_true(g_str_has_prefix(s, "000000003f06000000000000"
                                      "000a0005" "a005" "1006"));
    g_assert_cmpuint(strspn(s + 40, "0"), ==, 2 * (132 - 20));
    const char *q = send_f(&f, "{\"execute\": \"x-nvdimm-query-health\", "
                           "\"arguments\": {\"id\": \"nv0\"}}");
    assert_json(q, "{\"return\": [{\"id\": \"nv0\", \"slot\": 0, "
                "\"health\": \"ok\", \"media-temperature\": 90.0, "
                "\"controller-temperature\": 97.0, \"spares\": 10, "
                "\"life-used\": 0, \"shutdown-state\": \"clean\", "
                "\"shutdown-count\": 0, \"alarm-media-temperature\": false, "
                "\"alarm-controller-temperature\": true, "
                "\"alarm-spares\": true, "
                "\"alarm-enabled-media-temperature\": true, "
                "\"alarm-enabled-controller-temperature\": true, "
                "\"alarm-enabled-spares\": true, "
                "\"media-temperature-threshold\": 100.0, "
                "\"controller-temperature-threshold\": 95.0, "
                "\"spares-threshold\": 10, \"latch-shutdown\": false}]}");

    /* an unsafe shutdown from the host: notified, and the state file has
     * the count at once (still RUNNING) */
    assert_json(send_f(&f, SET("{\"id\": \"nv0\", \"shutdown-state\": "
                               "\"dirty\", \"shutdown-count\": 7}")),
                "{\"return\": {\"notified\": true}}");
    assert_notified(&f, 1u << 0);
    NvStateData sd;
    read_state(&f, &sd);
    g_assert_cmpuint(sd.shutdown_count, ==, 7);
    g_assert_cmpuint(sd.shutdown_state, ==, 1);
    g_assert_cmphex(sd.flags, ==, NV_STATE_FLAG_RUNNING);
    g_array_unref(sd.records);
    fixture_down(&f);
}

/* ---- -device properties ------------------------------------------------ */

static void test_properties(void)
{
    Fixture f;
    fixture_up(&f, ",health=fatal,media-temperature=-0.5,"
                   "controller-temperature=36.0625,spares=42,life-used=200");
    assert_health_has(&f, "nv0", "\"health\":\"fatal\","
                      "\"media-temperature\":-0.5,"
                      "\"controller-temperature\":36.0625,"
                      "\"spares\":42,\"life-used\":200,");
    monitor_fixture_boot(&f);
    g_autofree char *s = smart(&f, 0);
    g_assert_true(g_str_has_prefix(s, "000000003f06000000000000"
                                      "042ac800" "0880" "4102"));
    g_autofree char *s2 = smart(&f, 2); /* nv1 has none: the defaults */
    g_assert_true(g_str_has_prefix(s2, "000000003f06000000000000"
                                       "00640000" "e001" "3002"));
    fixture_down(&f);
}

/* ---- media errors ------------------------------------------------------- */

#define ADD(args) \
    "{\"execute\": \"x-nvdimm-add-media-error\", \"arguments\": " args "}"
#define CLEAR(args) \
    "{\"execute\": \"x-nvdimm-clear-media-error\", \"arguments\": " args \
    "}"
#define QUERY_ME "{\"execute\": \"x-nvdimm-query-media-errors\"}"

static NvDimm *dimm(Fixture *f, const char *id)
{
    NvDimm *d = nv_machine_find_dimm(f->m, id);
    g_assert_nonnull(d);
    return d;
}

/* The media errors in the state file of nv0, as "off:len ..." */
static char *file_records(Fixture *f)
{
    NvStateData sd;
    read_state(f, &sd);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < sd.records->len; i++) {
        const NvStateRecord *r = &g_array_index(sd.records, NvStateRecord, i);
        g_string_append_printf(s, "%s0x%" G_GINT64_MODIFIER "x:0x%"
                               G_GINT64_MODIFIER "x", i ? " " : "",
                               r->offset, r->length);
    }
    g_array_unref(sd.records);
    return g_string_free(s, FALSE);
}

/* The refusal of a media error range given neither or both ways. */
#define EITHER \
    "give either addr (a guest physical address) or id and offset (in the " \
    "DIMM)"

static void media_bad_requests(Fixture *f)
{
    NvDimm *nv0 = dimm(f, "nv0"), *d1 = dimm(f, "dimm1");
    refused(f, ADD("{\"addr\": 0, \"id\": \"nv0\", \"offset\": 0, "
                   "\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: " EITHER));
    refused(f, ADD("{\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: " EITHER));
    refused(f, CLEAR("{\"id\": \"nv0\", \"length\": 256}"),
            GENERIC("x-nvdimm-clear-media-error: " EITHER));
    refused(f, ADD("{\"id\": \"nv0\", \"offset\": -256, "
                   "\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: offset -256 is negative"));
    refused(f, ADD("{\"id\": \"nv0\", \"offset\": 4097, "
                   "\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: offset 0x1001 is not a "
                    "multiple of the clear unit 256"));
    refused(f, CLEAR("{\"id\": \"nv0\", \"offset\": 4096, "
                     "\"length\": 100}"),
            GENERIC("x-nvdimm-clear-media-error: length 0x64 is not a "
                    "multiple of the clear unit 256"));
    refused(f, ADD("{\"id\": \"nv0\", \"offset\": 4096, "
                   "\"length\": 0}"),
            GENERIC("x-nvdimm-add-media-error: length 0: the range is "
                    "empty"));
    refused(f, ADD("{\"id\": \"nope\", \"offset\": 0, "
                   "\"length\": 256}"),
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"x-nvdimm-add-media-error: Device 'nope' not found\"}}");
    refused(f, ADD("{\"id\": \"dimm1\", \"offset\": 0, "
                   "\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: device 'dimm1' is a pc-dimm, "
                    "not an nvdimm"));
    refused(f, "{\"execute\": \"x-nvdimm-query-media-errors\", "
            "\"arguments\": {\"id\": \"nope\"}}",
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"x-nvdimm-query-media-errors: Device 'nope' not found\"}}");
    refused(f, CLEAR("{\"id\": \"nv0\", \"offset\": 0, "
                     "\"length\": 256, \"notify\": true}"),
            GENERIC("Parameter 'notify' is unexpected"));
    refused(f, ADD("{\"id\": \"nv0\", \"offset\": \"0\", "
                   "\"length\": 256}"),
            GENERIC("Invalid parameter type for 'offset', expected: "
                    "integer"));
    /* past the DIMM's end (128M of pmem) */
    refused(f, ADD("{\"id\": \"nv0\", \"offset\": 134217472, "
                   "\"length\": 512}"),
            GENERIC("x-nvdimm-add-media-error: -device nvdimm,id=nv0: media "
                    "error range offset 0x7ffff00 length 0x200 is outside "
                    "its 0x8000000 bytes"));
    /* guest RAM, a pc-dimm, across nv0's end into dimm1 */
    refused(f, ADD("{\"addr\": 1048576, \"length\": 4096}"),
            GENERIC("x-nvdimm-add-media-error: guest physical range 0x100000 "
                    "length 0x1000 is not inside one NVDIMM"));
    g_autofree char *in_pc = g_strdup_printf(
        ADD("{\"addr\": %" G_GUINT64_FORMAT ", \"length\": 4096}"),
        d1->addr);
    g_autofree char *in_pc_err = g_strdup_printf(
        GENERIC("x-nvdimm-add-media-error: guest physical range 0x%"
                G_GINT64_MODIFIER "x length 0x1000 is not inside one "
                "NVDIMM"), d1->addr);
    refused(f, in_pc, in_pc_err);
    g_assert_cmpuint(d1->addr, ==, nv0->addr + nv0->size); /* adjacent */
    g_autofree char *across = g_strdup_printf(
        CLEAR("{\"addr\": %" G_GUINT64_FORMAT ", \"length\": 512}"),
        nv0->addr + nv0->size - 256);
    g_autofree char *across_err = g_strdup_printf(
        GENERIC("x-nvdimm-clear-media-error: guest physical range 0x%"
                G_GINT64_MODIFIER "x length 0x200 is not inside one "
                "NVDIMM"), nv0->addr + nv0->size - 256);
    refused(f, across, across_err);
    refused(f, ADD("{\"addr\": 9223372036854775552, \"length\": "
                   "9223372036854775552}"),
            GENERIC("x-nvdimm-add-media-error: guest physical range "
                    "0x7fffffffffffff00 length 0x7fffffffffffff00 is not "
                    "inside one NVDIMM"));
}

/* x-nvdimm-add-media-error of @len bytes at guest address @addr, with
 * notify: answered notified, and the GED's UC bit raised. */
static void add_at_notified(Fixture *f, uint64_t addr, uint64_t len)
{
    assert_json(send_f(f, ADD("{\"addr\": %" G_GUINT64_FORMAT ", \"length\": %"
                              G_GUINT64_FORMAT ", \"notify\": true}"),
                       addr, len),
                "{\"return\": {\"notified\": true}}");
    g_assert_cmphex(ged_events(f), ==, NV_GED_EVENT_NVDIMM_UC);
}

static void test_media_prelaunch(void)
{
    Fixture f;
    fixture_up(&f, NULL);
    refused(&f, ADD("{\"id\": \"nv0\", \"offset\": 0, "
                    "\"length\": 256}"),
            GENERIC("x-nvdimm-add-media-error: -device nvdimm,id=nv0 is not "
                    "set up before the first boot (give -device "
                    "nvdimm,media-error=OFFSET:LENGTH)"));
    fixture_down(&f);
}

static void test_media_running(void)
{
    Fixture f;
    fixture_up(&f, NULL);
    monitor_fixture_boot(&f);
    NvDimm *nv0 = dimm(&f, "nv0"), *nv1 = dimm(&f, "nv1");
    assert_json(send_f(&f, QUERY_ME), "{\"return\": []}");
    media_bad_requests(&f);

    /* by DIMM offset, no notify: listed, not known, nothing raised */
    assert_json(send_f(&f, ADD("{\"id\": \"nv0\", \"offset\": 21504, "
                               "\"length\": 4096}")),
                "{\"return\": {\"notified\": false}}");
    assert_notified(&f, 0);
    g_assert_cmphex(ged_events(&f), ==, 0);
    /* by guest address, with notify: Notify (NVDR, 0x81) through the GED's
     * UC bit, no DIMM bit */
    add_at_notified(&f, nv1->addr + 1048576, 512);
    g_assert_cmphex(pending(&f), ==, 0);
    g_assert_cmphex(ged_events(&f), ==, 0);
    g_autofree char *want = g_strdup_printf(
        "{\"return\": [{\"id\": \"nv0\", \"slot\": 0, \"offset\": 21504, "
        "\"length\": 4096, \"addr\": %" G_GUINT64_FORMAT ", \"known\": "
        "false}, {\"id\": \"nv1\", \"slot\": 2, \"offset\": 1048576, "
        "\"length\": 512, \"addr\": %" G_GUINT64_FORMAT ", \"known\": "
        "true}]}", nv0->addr + 21504, nv1->addr + 1048576);
    assert_json(send_f(&f, QUERY_ME), want);
    g_autofree char *only1 = g_strdup_printf(
        "{\"return\": [{\"id\": \"nv1\", \"slot\": 2, \"offset\": "
        "1048576, \"length\": 512, \"addr\": %" G_GUINT64_FORMAT ", "
        "\"known\": true}]}", nv1->addr + 1048576);
    assert_json(send_f(&f, "{\"execute\": \"x-nvdimm-query-media-errors\", "
                       "\"arguments\": {\"id\": \"nv1\"}}"), only1);
    /* persisted at once */
    g_autofree char *rec = file_records(&f);
    g_assert_cmpstr(rec, ==, "0x5400:0x1000");
    /* the same range again (by address): one range, now known */
    add_at_notified(&f, nv0->addr + 21504, 4096);
    /* clear the middle: the range splits */
    assert_json(send_f(&f, CLEAR("{\"id\": \"nv0\", \"offset\": 22528, "
                                 "\"length\": 1024}")),
                "{\"return\": {\"cleared\": 1024}}");
    g_free(rec);
    rec = file_records(&f);
    g_assert_cmpstr(rec, ==, "0x5400:0x400 0x5c00:0x800");
    /* clearing where there is none: 0 bytes, nothing written */
    assert_json(send_f(&f, CLEAR("{\"id\": \"nv0\", \"offset\": 0, "
                                 "\"length\": 256}")),
                "{\"return\": {\"cleared\": 0}}");
    g_autofree char *by_addr_clear = g_strdup_printf(
        CLEAR("{\"addr\": %" G_GUINT64_FORMAT ", \"length\": 8192}"),
        nv1->addr + 1048576 - 4096);
    assert_json(send_f(&f, "%s", by_addr_clear),
                "{\"return\": {\"cleared\": 512}}");
    media_bad_requests(&f);

    /* at most NV_MEDIA_ERR_MAX ranges: the next one is refused */
    for (unsigned i = 0; i < NV_MEDIA_ERR_MAX; i++) {
        const char *r = send_f(&f, ADD("{\"id\": \"nv1\", \"offset\": %u, "
                                       "\"length\": 256}"), 1024 * i);
        g_assert_nonnull(strstr(r, "\"return\""));
    }
    g_autofree char *one_more = g_strdup_printf(
        ADD("{\"id\": \"nv1\", \"offset\": %u, \"length\": 256}"),
        1024 * NV_MEDIA_ERR_MAX);
    g_autofree char *full_err = g_strdup_printf(
        GENERIC("x-nvdimm-add-media-error: -device nvdimm,id=nv1: media "
                "error at 0x%x length 0x100: the DIMM already has %u error "
                "ranges, the most it keeps"), 1024 * NV_MEDIA_ERR_MAX,
        NV_MEDIA_ERR_MAX);
    refused(&f, one_more, full_err);
    fixture_down(&f);
}

static void test_media_properties(void)
{
    Fixture f;
    fixture_up(&f, ",media-error=0x2000:4K,media-error.0=1M:512,"
                   "media-error.1=2048:256");
    monitor_fixture_boot(&f);
    NvDimm *nv0 = dimm(&f, "nv0");
    g_autofree char *want = g_strdup_printf(
        "{\"return\": [{\"id\": \"nv0\", \"slot\": 0, \"offset\": 2048, "
        "\"length\": 256, \"addr\": %" G_GUINT64_FORMAT ", \"known\": "
        "false}, {\"id\": \"nv0\", \"slot\": 0, \"offset\": 8192, "
        "\"length\": 4096, \"addr\": %" G_GUINT64_FORMAT ", \"known\": "
        "false}, {\"id\": \"nv0\", \"slot\": 0, \"offset\": 1048576, "
        "\"length\": 512, \"addr\": %" G_GUINT64_FORMAT ", \"known\": "
        "false}]}", nv0->addr + 2048, nv0->addr + 8192,
        nv0->addr + 1048576);
    assert_json(send_f(&f, QUERY_ME), want);
    g_autofree char *rec = file_records(&f);
    g_assert_cmpstr(rec, ==, "0x800:0x100 0x2000:0x1000 0x100000:0x200");
    fixture_down(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor-nvdimm/prelaunch", test_prelaunch);
    g_test_add_func("/monitor-nvdimm/running", test_running);
    g_test_add_func("/monitor-nvdimm/properties", test_properties);
    g_test_add_func("/monitor-nvdimm/media/prelaunch", test_media_prelaunch);
    g_test_add_func("/monitor-nvdimm/media/running", test_media_running);
    g_test_add_func("/monitor-nvdimm/media/properties",
                    test_media_properties);
    return g_test_run();
}
