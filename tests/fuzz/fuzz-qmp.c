/*
 * tests/fuzz/fuzz-qmp.c — libFuzzer target for the QMP input path
 * (nv_qmp_client_feed, the one the sockets use).
 *
 * Input: byte 0 picks how the rest is cut into feeds (1..32 bytes, or all
 * at once) and whether the client negotiates first; the rest is what a
 * client sends. A command with one argument of every schema type is
 * registered so argument checking and handlers run. Every message the
 * server sends must be one CRLF-terminated line holding a JSON object, and
 * the client's buffer never exceeds the message limit.
 */
#include "qmp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static NvQmpServer *server;

static void check_output(void *opaque, const char *data, size_t len)
{
    (void)opaque;
    if (len < 2 || data[len - 2] != '\r' || data[len - 1] != '\n' ||
        memchr(data, '\n', len - 1)) {
        abort();
    }
    JsonParser *p = json_parser_new_immutable();
    if (!json_parser_load_from_data(p, data, (gssize)(len - 2), NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        abort();
    }
    g_object_unref(p);
}

static JsonNode *cmd_all(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque;
    if (json_object_has_member(args, "fail")) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found",
                    json_object_get_string_member(args, "s"));
        return NULL;
    }
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "i", json_object_get_int_member(args, "i"));
    JsonNode *any = json_object_get_member(args, "any");
    if (any) {
        json_object_set_member(o, "any", json_node_copy(any));
    }
    JsonNode *n = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    return n;
}

static const NvQmpArg all_args[] = {
    { "s", NV_QMP_ARG_STR, false },
    { "i", NV_QMP_ARG_INT, false },
    { "b", NV_QMP_ARG_BOOL, true },
    { "n", NV_QMP_ARG_NUMBER, true },
    { "o", NV_QMP_ARG_OBJECT, true },
    { "a", NV_QMP_ARG_ARRAY, true },
    { "any", NV_QMP_ARG_ANY, true },
    { "fail", NV_QMP_ARG_BOOL, true },
    { NULL, 0, false },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) {
        server = nv_qmp_server_new(NULL);
        const NvQmpCommand cmd = { "all", all_args, cmd_all, NULL };
        if (!nv_qmp_register(server, &cmd, NULL)) {
            abort();
        }
    }
    if (size < 1) {
        return 0;
    }
    unsigned step = data[0] & 31;          /* 0: everything at once */
    bool negotiate = data[0] & 32;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    NvQmpClient *c = nv_qmp_client_new(server, check_output, NULL);
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}";
    if (negotiate && !nv_qmp_client_feed(c, caps, sizeof(caps) - 1)) {
        abort();
    }
    size_t off = 0;
    while (off < len) {
        size_t n = step ? MIN(step, len - off) : len - off;
        if (!nv_qmp_client_feed(c, in + off, n)) {
            break;
        }
        off += n;
    }
    nv_qmp_emit_event(server, "STOP", NULL);
    nv_qmp_client_free(c);
    return 0;
}
