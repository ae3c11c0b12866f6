/*
 * tests/test-monitor.c — nvemu's QMP monitor (machine/monitor.h) on an idle
 * machine, without KVM: the machine's commands through
 * nv_qmp_client_feed() (the path the sockets use) on a real planned
 * configuration with an nvdimm and a pc-dimm; the events of each way a
 * boot ends; and a unix socket served from the machine's own context.
 * The running-guest behaviour (stop/cont/system_reset/quit) is
 * tests/test-qmp-guest.sh's.
 */
#include "monitor-fixture.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void fixture_up(Fixture *f, bool no_reboot)
{
    f->dir = g_dir_make_tmp("nvemu-monitor-XXXXXX", NULL);
    g_autofree char *obj = g_strdup_printf(
        "memory-backend-file,id=mem0,share=on,mem-path=%s/pmem.img,size=262272K",
        f->dir);
    const char *argv[] = { "nvemu", "-m", "512M,slots=4,maxmem=4G",
        "-smp", "2", "-object", obj,
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K",
        "-object", "memory-backend-ram,id=ram1,size=128M",
        "-device", "pc-dimm,id=dimm1,memdev=ram1",
        "-object", "memory-backend-ram,id=ram2,size=128M",
        "-device", "pc-dimm,memdev=ram2",
        no_reboot ? "-no-reboot" : NULL, NULL };
    monitor_fixture_up(f, argv);
}

static void fixture_down(Fixture *f)
{
    monitor_fixture_down(f);
    /* planning creates no file: the directory is empty */
    g_assert_cmpint(rmdir(f->dir), ==, 0);
    g_free(f->dir);
}

static void test_queries(void)
{
    Fixture f;
    fixture_up(&f, false);
    Peer *p = f.p;
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-status\", \"id\": 1}"),
                "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": "
                "false, \"running\": false}, \"id\": 1}");
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-kvm\"}"),
                "{\"return\": {\"enabled\": true, \"present\": true}}");
    /* no guest runs: no vCPU thread to list */
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-cpus-fast\"}"),
                "{\"return\": []}");
    /* one entry per slot (slots=4); the pc-dimm's slot names it, the
     * nvdimm's and the id-less DIMM's do not (QEMU's) */
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-acpi-ospm-status\"}"),
                "{\"return\": ["
                "{\"slot\": \"0\", \"slot-type\": \"DIMM\", \"source\": 0, "
                "\"status\": 0}, "
                "{\"device\": \"dimm1\", \"slot\": \"1\", \"slot-type\": "
                "\"DIMM\", \"source\": 0, \"status\": 0}, "
                "{\"slot\": \"2\", \"slot-type\": \"DIMM\", \"source\": 0, "
                "\"status\": 0}, "
                "{\"slot\": \"3\", \"slot-type\": \"DIMM\", \"source\": 0, "
                "\"status\": 0}]}");

    /* The plan's placement: read it back from the config, and check the
     * pieces that do not depend on it literally. */
    GPtrArray *dimms = f.cfg->dimms;
    g_assert_cmpuint(dimms->len, ==, 3);
    const NvDimm *nv = dimms->pdata[0], *d1 = dimms->pdata[1],
                 *d2 = dimms->pdata[2];
    /* the backend less its label area (a 256M+128K file) */
    g_assert_cmpuint(nv->size, ==, 256 * MiB);
    g_assert_cmpuint(d1->size, ==, 128 * MiB);
    g_assert_cmpuint(nv->addr, >=, 4 * GiB);
    g_autofree char *want = g_strdup_printf(
        "{\"return\": ["
        "{\"type\": \"nvdimm\", \"data\": {\"id\": \"nv0\", \"addr\": %"
        G_GUINT64_FORMAT ", \"size\": %" G_GUINT64_FORMAT ", \"slot\": %u, "
        "\"node\": 0, \"memdev\": \"/objects/mem0\", \"hotplugged\": false, "
        "\"hotpluggable\": true}}, "
        "{\"type\": \"dimm\", \"data\": {\"id\": \"dimm1\", \"addr\": %"
        G_GUINT64_FORMAT ", \"size\": 134217728, \"slot\": %u, \"node\": 0, "
        "\"memdev\": \"/objects/ram1\", \"hotplugged\": false, "
        "\"hotpluggable\": true}}, "
        "{\"type\": \"dimm\", \"data\": {\"addr\": %" G_GUINT64_FORMAT
        ", \"size\": 134217728, \"slot\": %u, \"node\": 0, "
        "\"memdev\": \"/objects/ram2\", \"hotplugged\": false, "
        "\"hotpluggable\": true}}], \"id\": \"m\"}",
        nv->addr, nv->size, nv->slot, d1->addr, d1->slot, d2->addr,
        d2->slot);
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-memory-devices\", "
                          "\"id\": \"m\"}"), want);
    g_assert_cmpuint(nv->slot, !=, d1->slot);
    g_assert_cmpuint(d1->addr, >=, nv->addr + nv->size);

    g_autofree char *sum = g_strdup_printf(
        "{\"return\": {\"base-memory\": 536870912, \"plugged-memory\": %"
        G_GUINT64_FORMAT "}}", 256 * MiB + 2 * 128 * MiB);
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-memory-size-summary\"}"),
                sum);

    /* every command of the table is listed */
    const char *cmds = qmp_peer_send(p, "{\"execute\": \"query-commands\"}");
    const char *names[] = { "query-status", "stop", "cont", "system_reset",
        "system_powerdown", "quit", "query-cpus-fast", "query-kvm", "query-memory-size-summary",
        "query-memory-devices", "query-acpi-ospm-status", "query-version" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *n = g_strdup_printf("{\"name\": \"%s\"}", names[i]);
        g_autofree char *c = canon(n);
        g_assert_nonnull(strstr(cmds, c));
    }
    /* the schema: these commands take no argument */
    assert_json(qmp_peer_send(p, "{\"execute\": \"stop\", \"arguments\": "
                          "{\"x\": 1}}"),
                "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"Parameter 'x' is unexpected\"}}");
    fixture_down(&f);
}

/* stop, cont, system_reset, system_powerdown need a guest; quit does not (it is
 * remembered: the first boot would end at once). */
static void test_no_guest(void)
{
    Fixture f;
    fixture_up(&f, false);
    Peer *p = f.p;
    assert_json(qmp_peer_send(p, "{\"execute\": \"stop\", \"id\": 2}"),
                "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"stop: no guest is running (status 'prelaunch')\"}, "
                "\"id\": 2}");
    assert_json(qmp_peer_send(p, "{\"execute\": \"cont\"}"),
                "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"cont: no guest is running (status 'prelaunch')\"}}");
    assert_json(qmp_peer_send(p, "{\"execute\": \"system_reset\"}"),
                "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"system_reset: no guest is running (status "
                "'prelaunch')\"}}");
    guint before = p->msgs->len;
    assert_json(qmp_peer_send(p, "{\"execute\": \"system_powerdown\"}"),
                "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"system_powerdown: no guest is running (status "
                "'prelaunch')\"}}");
    g_assert_cmpuint(p->msgs->len, ==, before + 1); /* no POWERDOWN */
    /* nothing paused, no event sent */
    assert_json(qmp_peer_send(p, "{\"execute\": \"query-status\"}"),
                "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": "
                "false, \"running\": false}}");
    assert_json(qmp_peer_send(p, "{\"execute\": \"quit\", \"id\": 3}"),
                "{\"return\": {}, \"id\": 3}");
    fixture_down(&f);
}

/* The last message of @p, checked as an event: name, data, timestamp. */
static void assert_event(Peer *p, guint idx, const char *name,
                         const char *data)
{
    g_assert_cmpuint(p->msgs->len, >, idx);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, p->msgs->pdata[idx], -1,
                                             NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(o, "event"), ==, name);
    JsonObject *ts = json_object_get_object_member(o, "timestamp");
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), <=, now);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >=, now - 60);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    1000000);
    g_autofree char *got = json_to_string(
        json_object_get_member(o, "data"), FALSE);
    g_autofree char *want = canon(data);
    g_assert_cmpstr(got, ==, want);
}

static void test_boot_end_events(void)
{
    Fixture f;
    fixture_up(&f, false);
    /* late: not negotiated, no events */
    Peer *p = f.p, *late = monitor_peer_new(f.mon);
    guint n = p->msgs->len;
    nv_monitor_boot_ended(f.mon, NV_POWER_RESET);
    nv_monitor_boot_ended(f.mon, NV_POWER_OFF);
    nv_monitor_boot_ended(f.mon, NV_POWER_QUIT);
    nv_monitor_boot_ended(f.mon, NV_POWER_SIGNAL);
    nv_monitor_boot_ended(f.mon, NV_POWER_NONE); /* a failure: nothing */
    nv_monitor_boot_ended(NULL, NV_POWER_OFF);   /* no -qmp: nothing */
    g_assert_cmpuint(p->msgs->len, ==, n + 4);
    assert_event(p, n, "RESET", "{\"guest\": true, \"reason\": "
                 "\"guest-reset\"}");
    assert_event(p, n + 1, "SHUTDOWN", "{\"guest\": true, \"reason\": "
                 "\"guest-shutdown\"}");
    assert_event(p, n + 2, "SHUTDOWN", "{\"guest\": false, \"reason\": "
                 "\"host-qmp-quit\"}");
    assert_event(p, n + 3, "SHUTDOWN", "{\"guest\": false, \"reason\": "
                 "\"host-signal\"}");
    g_assert_cmpuint(late->msgs->len, ==, 1); /* the greeting only */
    qmp_peer_free(late);
    fixture_down(&f);

    /* -no-reboot: the guest's reset is a shutdown, with the same cause */
    fixture_up(&f, true);
    n = f.p->msgs->len;
    nv_monitor_boot_ended(f.mon, NV_POWER_RESET);
    assert_event(f.p, n, "SHUTDOWN", "{\"guest\": true, \"reason\": "
                 "\"guest-reset\"}");
    fixture_down(&f);
}

/* A real socket, served by iterating the machine's own context, as the
 * boot's main loop does; the socket is gone after nv_monitor_free(). */
static void test_socket_on_machine_context(void)
{
    Fixture f;
    fixture_up(&f, false);
    g_autofree char *path = g_build_filename(f.dir, "qmp.sock", NULL);
    g_autofree char *opt = g_strdup_printf("unix:%s,server=on,wait=off",
                                           path);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) listen = g_ptr_array_new_with_free_func(
        (GDestroyNotify)nv_qmp_listen_config_free);
    g_ptr_array_add(listen, nv_qmp_parse_option(opt, &err));
    g_assert_no_error(err);
    g_assert_true(nv_monitor_listen(f.mon, listen, &err));
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 0777, ==, 0600);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    const char *req = "{\"execute\": \"qmp_capabilities\"}"
                      "{\"execute\": \"query-status\", \"id\": 7}";
    g_assert_cmpint(write(fd, req, strlen(req)), ==, (ssize_t)strlen(req));
    GString *in = g_string_new(NULL);
    GMainContext *ctx = nv_machine_context(f.m);
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (!strstr(in->str, "\"id\": 7") && !strstr(in->str, "\"id\":7") &&
           g_get_monotonic_time() < end) {
        g_main_context_iteration(ctx, FALSE);
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_string_append_len(in, buf, n);
        } else {
            g_usleep(1000);
        }
    }
    g_auto(GStrv) lines = g_strsplit(in->str, "\r\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 4); /* 3 messages + "" */
    g_assert_true(g_str_has_prefix(lines[0], "{\"QMP\""));
    assert_json(lines[1], "{\"return\": {}}");
    assert_json(lines[2], "{\"return\": {\"status\": \"prelaunch\", "
                "\"singlestep\": false, \"running\": false}, \"id\": 7}");
    g_string_free(in, TRUE);

    /* a second -qmp on the same live socket fails and leaves it alone */
    g_assert_false(nv_monitor_listen(f.mon, listen, &err));
    g_assert_nonnull(err);
    g_assert_cmpint(stat(path, &st), ==, 0);
    close(fd);
    qmp_peer_free(f.p);
    f.p = NULL;
    nv_monitor_free(f.mon);
    f.mon = NULL;
    g_assert_cmpint(stat(path, &st), ==, -1); /* removed */
    nv_machine_free(f.m);
    nv_config_free(f.cfg);
    g_assert_cmpint(rmdir(f.dir), ==, 0);
    g_free(f.dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor/queries", test_queries);
    g_test_add_func("/monitor/no-guest", test_no_guest);
    g_test_add_func("/monitor/boot-end-events", test_boot_end_events);
    g_test_add_func("/monitor/socket", test_socket_on_machine_context);
    return g_test_run();
}
