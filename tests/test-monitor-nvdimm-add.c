/*
 * tests/test-monitor-nvdimm-add.c — device_add nvdimm with nvemu's own
 * properties (state-file, health, temperatures, spares, life-used,
 * media-error; docs/health.md), without KVM: a hot-added NVDIMM starts in
 * the state the same properties give a -device nvdimm (the queries and the
 * guest's Get SMART compared with such a DIMM's), its state file is
 * written RUNNING, a state file that is another file of the machine is
 * refused either way round, and a device_add that fails after opening the
 * state file leaves the file as it was (nv_dimm_unrealize()); a SIGBUS
 * in a hot-added NVDIMM's mapping names its backend.
 */
#include "dsm-guest.h"
#include "monitor-fixture.h"
#include "sigbus-trap.h"
#include "signals.h"
#include "state-file.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The properties under test, as -device text and as QMP arguments. */
#define PROPS_TEXT                                                        \
    "health=critical,media-temperature=36.5,controller-temperature=-4,"  \
    "spares=7,life-used=12,media-error.0=0x1000:4K,"                     \
    "media-error.1=0x20000:512"
#define PROPS_JSON                                                        \
    "\"health\": \"critical\", \"media-temperature\": 36.5, "            \
    "\"controller-temperature\": -4, \"spares\": 7, \"life-used\": 12, " \
    "\"media-error\": [\"0x1000:4K\", \"0x20000:512\"]"

/* 512M RAM, 4 slots: nv0 (slot 0) with PROPS_TEXT and a state file; a
 * running board without vCPUs. */
static void fixture_up(Fixture *f)
{
    f->dir = g_dir_make_tmp("nvemu-monnvadd-XXXXXX", NULL);
    g_autofree char *obj0 = g_strdup_printf(
        "memory-backend-file,id=mem0,share=on,mem-path=%s/pmem0.img,"
        "size=128M", f->dir);
    g_autofree char *dev0 = g_strdup_printf(
        "nvdimm,id=nv0,memdev=mem0,label-size=0,state-file=%s/nv0.state,"
        PROPS_TEXT, f->dir);
    const char *argv[] = { "nvemu", "-m", "512M,slots=4,maxmem=2G",
        "-object", obj0, "-device", dev0, NULL };
    monitor_fixture_up(f, argv);
    monitor_fixture_boot(f);
}

static void fixture_down(Fixture *f)
{
    monitor_fixture_down(f);
    monitor_fixture_remove_dir(f);
}

/* Get SMART of @slot, as the guest reads it: hex of its 132 bytes. */
static char *smart(Fixture *f, uint32_t slot)
{
    uint8_t *mb = nv_board_guest_ptr(f->b, f->b->dsm_mailbox,
                                     NV_DSM_MAILBOX_SIZE);
    const uint8_t *out;
    g_assert_cmpuint(nv_tg_call(f->b, mb, slot + 1, NV_DSM_FAMILY_INTEL, 1,
                                NV_DSM_FN_SMART, NULL, 0, &out),
                     ==, NV_DSM_SMART_OUT_LEN);
    GString *s = g_string_new(NULL);
    for (int i = 0; i < NV_DSM_SMART_OUT_LEN; i++) {
        g_string_append_printf(s, "%02x", out[i]);
    }
    return g_string_free(s, FALSE);
}

/* Drop the members that name or place a DIMM (id, slot, addr) from
 * every object under @n. */
static void drop_placement(JsonNode *n)
{
    if (JSON_NODE_HOLDS_ARRAY(n)) {
        JsonArray *a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            drop_placement(json_array_get_element(a, i));
        }
    } else if (JSON_NODE_HOLDS_OBJECT(n)) {
        JsonObject *o = json_node_get_object(n);
        const char *drop[] = { "id", "slot", "addr" };
        for (guint i = 0; i < G_N_ELEMENTS(drop); i++) {
            json_object_remove_member(o, drop[i]);
        }
        g_autoptr(GList) members = json_object_get_members(o);
        for (GList *l = members; l; l = l->next) {
            drop_placement(json_object_get_member(o, l->data));
        }
    }
}

/* @cmd's reply for @id without what places the DIMM: what two DIMMs in
 * the same state have in common. */
static char *query_state(Fixture *f, const char *cmd, const char *id)
{
    const char *reply = send_f(f, "{\"execute\": \"%s\", \"arguments\": "
                               "{\"id\": \"%s\"}}", cmd, id);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, reply, -1, NULL));
    JsonNode *root = json_parser_get_root(parser);
    drop_placement(root);
    return json_to_string(root, FALSE);
}

static char *file_text(const char *dir, const char *name)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_autofree char *b = NULL;
    gsize n = 0;
    if (!g_file_get_contents(p, &b, &n, NULL)) {
        return g_strdup("(none)");
    }
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n; i++) {
        g_string_append_printf(s, "%02x", (guint8)b[i]);
    }
    return g_string_free(s, FALSE);
}

/* What a bad request must not change: the DIMMs, nv1's health and media
 * errors, every state file's bytes, the directory's names. */
static char *state(Fixture *f)
{
    static const char *const queries[] = {
        "query-memory-devices",
        "x-nvdimm-query-health",
        "x-nvdimm-query-media-errors",
        NULL,
    };
    GString *s = monitor_query_lines(f, queries);
    g_autoptr(GPtrArray) names = monitor_fixture_dir_names(f);
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        g_autofree char *t = g_str_has_suffix(n, ".state")
                                 ? file_text(f->dir, n) : g_strdup("");
        g_string_append_printf(s, "%s %s\n", n, t);
    }
    return g_string_free(s, FALSE);
}

static void refused(Fixture *f, const char *request, const char *reply)
{
    monitor_assert_refused(f, state, request, reply);
}

static void add_file_backend(Fixture *f, const char *id, const char *file)
{
    assert_json(send_f(f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-file\", \"id\": "
                       "\"%s\", \"mem-path\": \"%s/%s\", \"size\": "
                       "134217728, \"share\": true}}", id, f->dir, file),
                "{\"return\": {}}");
}

static void test_properties(void)
{
    Fixture f;
    fixture_up(&f);
    add_file_backend(&f, "f1", "pmem1.img");
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"nvdimm\", \"id\": \"nv1\", "
                       "\"memdev\": \"f1\", \"label-size\": 0, "
                       "\"state-file\": \"%s/nv1.state\", " PROPS_JSON "}}",
                       f.dir), "{\"return\": {}}");
    NvDimm *nv1 = nv_machine_find_dimm(f.m, "nv1");
    g_assert_nonnull(nv1);

    /* the same state as nv0 from -device: the host's queries and the
     * guest's Get SMART */
    const char *cmds[] = { "x-nvdimm-query-health",
                           "x-nvdimm-query-media-errors" };
    for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_autofree char *q0 = query_state(&f, cmds[i], "nv0");
        g_autofree char *q1 = query_state(&f, cmds[i], "nv1");
        g_assert_cmpstr(q1, ==, q0);
    }
    g_autofree char *q1 = canon(send_f(&f, "{\"execute\": "
                                       "\"x-nvdimm-query-health\", "
                                       "\"arguments\": {\"id\": \"nv1\"}}"));
    g_assert_nonnull(strstr(q1, "\"health\":\"critical\""));
    g_autofree char *s0 = smart(&f, 0);
    g_autofree char *s1 = smart(&f, nv1->slot);
    g_assert_cmpstr(s1, ==, s0);

    /* its state file: written RUNNING, with both media errors */
    g_autofree char *p1 = g_build_filename(f.dir, "nv1.state", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(p1, &bytes, &len, NULL));
    NvStateData sd;
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_state_decode((const uint8_t *)bytes, len, &sd, &err));
    g_assert_cmphex(sd.flags, ==, NV_STATE_FLAG_RUNNING);
    g_assert_cmpuint(sd.shutdown_count, ==, 0);
    g_assert_cmpuint(sd.records->len, ==, 2);
    g_array_unref(sd.records);

    /* a clean end writes it clean, as for a -device nvdimm */
    g_assert_true(nv_dimm_stop(nv1, &err));
    g_clear_pointer(&bytes, g_free);
    g_assert_true(g_file_get_contents(p1, &bytes, &len, NULL));
    g_assert_true(nv_state_decode((const uint8_t *)bytes, len, &sd, &err));
    g_assert_cmphex(sd.flags, ==, 0);
    g_array_unref(sd.records);
    fixture_down(&f);
}

static void test_refused(void)
{
    Fixture f;
    fixture_up(&f);
    add_file_backend(&f, "f1", "pmem1.img");
    add_file_backend(&f, "f2", "pmem2.img");
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"nvdimm\", \"id\": \"nv1\", "
                       "\"memdev\": \"f1\", \"label-size\": 0, "
                       "\"state-file\": \"%s/nv1.state\"}}", f.dir),
                "{\"return\": {}}");
    /* the request's and the reply's text, %1$s the directory */
    static const struct {
        const char *req, *reply;
    } clashes[] = {
        { "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
          "\"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", \"label-size\": 0, "
          "\"state-file\": \"%1$s/nv0.state\"}}",
          GENERIC("device_add nvdimm,id=nv2: state-file=%1$s/nv0.state is "
                  "the same file as state-file of -device nvdimm,id=nv0 "
                  "(%1$s/nv0.state)") },
        { "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
          "\"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", \"label-size\": 0, "
          "\"state-file\": \"%1$s/pmem2.img\"}}",
          GENERIC("device_add nvdimm,id=nv2: state-file=%1$s/pmem2.img is "
                  "the same file as mem-path of -object memory-backend-file,"
                  "id=f2 (%1$s/pmem2.img)") },
        /* the other way round: a new backend (of the file's size) on a
         * DIMM's state file */
        { "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
          "\"memory-backend-file\", \"id\": \"f3\", \"mem-path\": "
          "\"%1$s/nv1.state\", \"share\": true}}",
          GENERIC("object-add memory-backend-file,id=f3: mem-path="
                  "%1$s/nv1.state is the same file as state-file of "
                  "device_add nvdimm,id=nv1 (%1$s/nv1.state)") },
    };
    for (guint i = 0; i < G_N_ELEMENTS(clashes); i++) {
        g_autofree char *req = g_strdup_printf(clashes[i].req, f.dir);
        g_autofree char *want = g_strdup_printf(clashes[i].reply, f.dir);
        refused(&f, req, want);
    }
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", "
            "\"media-error\": 4096}}",
            GENERIC("device_add: Invalid parameter type for 'media-error', "
                    "expected: string or array of strings"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", "
            "\"media-temperature\": \"hot\"}}",
            GENERIC("Invalid parameter type for 'media-temperature', "
                    "expected: number"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", "
            "\"health\": \"poor\"}}",
            GENERIC("device_add: health=poor is not a health state (ok, "
                    "non-critical, critical, fatal)"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"nvdimm\", \"id\": \"nv2\", \"memdev\": \"f2\", "
            "\"spares\": 101}}",
            GENERIC("device_add: property 'spares': '101' is out of range "
                    "(at most 100)"));
    fixture_down(&f);
}

/* nv_dimm_unrealize(): what a device_add that fails after
 * nv_dimm_realize() does to the DIMM's state file. */
static void undo_one(const char *dir, const char *name, bool existed)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *before = file_text(dir, name);
    g_autofree char *opts = g_strdup_printf(
        "driver=nvdimm,id=nvu,label-size=0,state-file=%s", path);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse(opts, NULL, &err);
    g_assert_no_error(err);
    NvDimm *d = nv_dimm_new_from_opts(o, &err);
    g_assert_no_error(err);
    d->size = 128 * 1024 * 1024;
    g_assert_true(nv_dimm_realize(d, &err));
    g_autofree char *during = file_text(dir, name);
    g_assert_cmpstr(during, !=, before);       /* written RUNNING */
    nv_dimm_unrealize(d);
    g_autofree char *after = file_text(dir, name);
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpint(g_file_test(path, G_FILE_TEST_EXISTS), ==, existed);
    nv_dimm_free(d);
}

static void test_undo(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-undo-XXXXXX", NULL);
    /* a state file from a run that died: count 3, RUNNING, one record */
    g_autoptr(GArray) recs = g_array_new(FALSE, FALSE,
                                         sizeof(NvStateRecord));
    NvStateRecord r = { 0x1000, 0x100 };
    g_array_append_val(recs, r);
    NvStateData sd = { .flags = NV_STATE_FLAG_RUNNING, .shutdown_count = 3,
                       .shutdown_state = 1, .records = recs };
    g_autoptr(GByteArray) b = nv_state_encode(&sd);
    g_autofree char *old = g_build_filename(dir, "old.state", NULL);
    g_assert_true(g_file_set_contents(old, (char *)b->data, b->len, NULL));
    undo_one(dir, "old.state", true);
    undo_one(dir, "new.state", false);
    g_assert_cmpint(g_unlink(old), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* nvemu's own access through the mapping of a hot-added NVDIMM whose
 * file shrank names the backend, as for a boot DIMM (test-signals.c). */
static void test_sigbus_names_hot_added(void)
{
    g_autofree char *dir = g_strdup_printf(
        "%s/nvemu-hotbus-%d", g_get_tmp_dir(),
        g_test_subprocess() ? (int)getppid() : (int)getpid());
    if (g_test_subprocess()) {
        g_autoptr(GError) err = NULL;
        g_assert_true(nv_signals_init(&err));
        Fixture f;
        fixture_up(&f);
        g_free(f.dir);
        f.dir = g_strdup(dir);
        assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                           "{\"qom-type\": \"memory-backend-file\", \"id\": "
                           "\"f1\", \"mem-path\": \"%s/pmem1.img\", \"size\": "
                           "134348800, \"share\": true}}", dir),
                    "{\"return\": {}}");
        assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                           "{\"driver\": \"nvdimm\", \"id\": \"nv1\", "
                           "\"memdev\": \"f1\", \"label-size\": 131072}}"),
                    "{\"return\": {}}");
        NvDimm *nv1 = nv_machine_find_dimm(f.m, "nv1");
        g_assert_cmpint(ftruncate(nv1->memdev->fd, 0), ==, 0);
        nv1->memdev->addr[4096] = 1; /* SIGBUS: the handler exits */
        g_assert_not_reached();
    }
    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
    g_autofree char *img = g_build_filename(dir, "pmem1.img", NULL);
    sigbus_trap_assert("f1", img);
    g_assert_cmpint(g_unlink(img), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor-nvdimm-add/properties", test_properties);
    g_test_add_func("/monitor-nvdimm-add/refused", test_refused);
    g_test_add_func("/monitor-nvdimm-add/undo", test_undo);
    g_test_add_func("/monitor-nvdimm-add/sigbus-names-hot-added",
                    test_sigbus_names_hot_added);
    return g_test_run();
}
