/*
 * tests/qmp-echo-server.c — NvQmpServer on a GMainLoop with a few fake
 * commands, for tests/test-qmp-client.py (the Python client against a real
 * socket). Not installed.
 *   qmp-echo-server -qmp unix:PATH,server=on,wait=off [-qmp ...] [-pidfile F]
 * Prints "ready" on stdout once listening. Commands besides the built-ins:
 *   echo {value: any}             -> value
 *   emit {event: str, *data: obj} -> {} and the event to every client
 *   fail {*class: str}            -> an error of that class
 *   quit                          -> {} then SHUTDOWN {guest: false,
 *                                    reason: "host-qmp-quit"}, exit 0
 */
#include "qmp.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static NvQmpServer *server;
static GMainLoop *loop;

static JsonNode *cmd_echo(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque, (void)errp;
    return json_node_copy(json_object_get_member(args, "value"));
}

static JsonNode *cmd_emit(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque, (void)errp;
    JsonObject *data = json_object_has_member(args, "data") ?
        json_object_get_object_member(args, "data") : NULL;
    nv_qmp_emit_event(server, json_object_get_string_member(args, "event"),
                      data);
    return NULL;
}

static JsonNode *cmd_fail(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque;
    const char *cls = json_object_get_string_member_with_default(
        args, "class", "GenericError");
    int code = strcmp(cls, "DeviceNotFound") == 0 ?
        NV_QMP_ERROR_DEVICE_NOT_FOUND : NV_QMP_ERROR_GENERIC;
    g_set_error(errp, NV_QMP_ERROR, code, "failing as asked (%s)", cls);
    return NULL;
}

static gboolean stop_loop(void *data)
{
    (void)data;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static JsonNode *cmd_quit(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque, (void)args, (void)errp;
    g_autoptr(JsonObject) data = json_object_new();
    json_object_set_boolean_member(data, "guest", FALSE);
    json_object_set_string_member(data, "reason", "host-qmp-quit");
    nv_qmp_emit_event(server, "SHUTDOWN", data);
    /* after the reply has been queued; let the loop send it first */
    g_timeout_add(100, stop_loop, NULL);
    return NULL;
}

static const NvQmpArg echo_args[] = { { "value", NV_QMP_ARG_ANY, false },
                                      { NULL, 0, false } };
static const NvQmpArg emit_args[] = { { "event", NV_QMP_ARG_STR, false },
                                      { "data", NV_QMP_ARG_OBJECT, true },
                                      { NULL, 0, false } };
static const NvQmpArg fail_args[] = { { "class", NV_QMP_ARG_STR, true },
                                      { NULL, 0, false } };
static const NvQmpCommand commands[] = {
    { "echo", echo_args, cmd_echo, NULL },
    { "emit", emit_args, cmd_emit, NULL },
    { "fail", fail_args, cmd_fail, NULL },
    { "quit", NULL, cmd_quit, NULL },
    { NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    server = nv_qmp_server_new(NULL);
    const char *pidfile = NULL;
    if (!nv_qmp_register_table(server, commands, &err)) {
        goto fail;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-qmp") == 0 && i + 1 < argc) {
            g_autoptr(NvQmpListenConfig) cfg =
                nv_qmp_parse_option(argv[++i], &err);
            if (!cfg || !nv_qmp_server_listen(server, cfg, &err)) {
                goto fail;
            }
        } else if (strcmp(argv[i], "-pidfile") == 0 && i + 1 < argc) {
            pidfile = argv[++i];
            if (!nv_pidfile_write(pidfile, &err)) {
                goto fail;
            }
        } else {
            fprintf(stderr, "qmp-echo-server: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    printf("ready\n");
    fflush(stdout);
    loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(loop);
    g_main_loop_unref(loop);
    nv_qmp_server_free(server);
    nv_pidfile_remove(pidfile);
    return 0;
fail:
    fprintf(stderr, "qmp-echo-server: %s\n", err->message);
    nv_qmp_server_free(server);
    return 1;
}
