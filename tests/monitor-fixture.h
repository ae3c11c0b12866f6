/*
 * tests/monitor-fixture.h — what the monitor's unit tests (test-monitor.c,
 * test-monitor-memory.c, test-monitor-nvdimm.c) share: a planned machine
 * from a real command line with its monitor and a negotiated peer
 * (tests/qmp-peer.h), a board adopted as the guest's boot would, the
 * replies compared as JSON, and a request refused without changing
 * anything.
 */
#ifndef NVEMU_TESTS_MONITOR_FIXTURE_H
#define NVEMU_TESTS_MONITOR_FIXTURE_H

#include "hotplug.h"
#include "monitor.h"
#include "qmp-peer.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

/* json-glib's compact text of @json, to compare replies member by member
 * in QEMU's order. */
static inline char *canon(const char *json)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    return json_to_string(json_parser_get_root(parser), FALSE);
}

#define assert_json(got, want)                     \
    do {                                           \
        g_autofree char *g_ = canon(got);          \
        g_autofree char *w_ = canon(want);         \
        g_assert_cmpstr(g_, ==, w_);               \
    } while (0)

#define GENERIC(desc) \
    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}}"

typedef struct {
    char *dir;      /* the files of the command line, made by the test */
    NvConfig *cfg;
    NvMachine *m;
    NvMonitor *mon;
    Peer *p;
    NvBoard *b;     /* a running board (monitor_fixture_boot), or NULL */
} Fixture;

/* A peer of @mon's server, not negotiated. */
static inline Peer *monitor_peer_new(NvMonitor *mon)
{
    return qmp_peer_new(nv_monitor_server(mon));
}

/* Parse and plan @argv (NULL-terminated; f->dir already made), then the
 * machine, its monitor and a peer past qmp_capabilities; no board. */
static inline void monitor_fixture_up(Fixture *f, const char *const *argv)
{
    int argc = 0;
    while (argv[argc]) {
        argc++;
    }
    g_autoptr(GError) err = NULL;
    f->cfg = nv_config_parse(argc, (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(f->cfg, &err));
    f->m = nv_machine_new(f->cfg);
    f->mon = nv_monitor_new(f->m, f->cfg);
    f->p = monitor_peer_new(f->mon);
    f->b = NULL;
    qmp_peer_send(f->p, "{\"execute\": \"qmp_capabilities\"}");
}

/* A board without vCPUs, adopted by the machine as a boot's: f->b. */
static inline void monitor_fixture_boot(Fixture *f)
{
    g_autoptr(GError) err = NULL;
    f->b = nv_board_new(f->cfg, &err);
    g_assert_no_error(err);
    nv_machine_adopt_board(f->m, f->b);
}

/* The board dropped and freed, as a boot's end: f->b NULL. */
static inline void monitor_fixture_drop_board(Fixture *f)
{
    nv_machine_drop_board(f->m);
    nv_board_free(f->b);
    f->b = NULL;
}

/* The board (if any), the peer, the monitor, the machine, the config;
 * not f->dir. */
static inline void monitor_fixture_down(Fixture *f)
{
    if (f->b) {
        monitor_fixture_drop_board(f);
    }
    qmp_peer_free(f->p);
    nv_monitor_free(f->mon);
    nv_machine_free(f->m);
    nv_config_free(f->cfg);
}

/* A new string with the reply to each command of @cmds (names, run
 * without arguments; NULL-terminated), a line each: what a test compares
 * before and after a request that must change nothing. */
static inline GString *monitor_query_lines(Fixture *f,
                                           const char *const *cmds)
{
    GString *s = g_string_new(NULL);
    for (; *cmds; cmds++) {
        g_autofree char *req = g_strdup_printf("{\"execute\": \"%s\"}",
                                               *cmds);
        g_string_append_printf(s, "%s\n", qmp_peer_send(f->p, req));
    }
    return s;
}

static inline gint monitor_by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in f->dir, sorted. */
static inline GPtrArray *monitor_fixture_dir_names(Fixture *f)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, monitor_by_name);
    return names;
}

/* f->dir with the files in it, each removal checked; f->dir freed. */
static inline void monitor_fixture_remove_dir(Fixture *f)
{
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(f->dir, name, NULL);
        g_assert_cmpint(g_unlink(p), ==, 0);
    }
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    g_free(f->dir);
}

/* Send the printf-formatted request; its one reply (owned by the peer),
 * both logged. */
static inline const char *send_f(Fixture *f, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static inline const char *send_f(Fixture *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *reply = qmp_peer_send(f->p, text);
    g_test_message("-> %s\n<- %s", text, reply);
    return reply;
}

/* @request must answer exactly @reply, with no event, and leave @state
 * (what the test says a bad request must not change) as it was. */
static inline void monitor_assert_refused(Fixture *f,
                                          char *(*state)(Fixture *f),
                                          const char *request,
                                          const char *reply)
{
    g_autofree char *before = state(f);
    guint n = f->p->msgs->len;
    assert_json(send_f(f, "%s", request), reply);
    g_assert_cmpuint(f->p->msgs->len, ==, n + 1); /* no event either */
    g_autofree char *after = state(f);
    g_assert_cmpstr(after, ==, before);
}

#endif
