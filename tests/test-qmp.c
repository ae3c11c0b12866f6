/*
 * tests/test-qmp.c — the QMP protocol through nv_qmp_client_feed(), the
 * path the socket code and the fuzzer use: greeting, negotiation, id echo,
 * every error class and desc, a registered command with an argument
 * schema, events, several clients, the message and nesting limits, a client
 * that goes away mid-command; and the -qmp option parser.
 */
#include "qmp-peer.h"
#include "util.h"

#include <string.h>

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(json_parser_load_from_data(parser, text, -1, &err));
    return json_node_copy(json_parser_get_root(parser));
}

static char *to_text(JsonNode *n)
{
    return json_to_string(n, FALSE);
}

/* Feed @text and return the one reply it causes (parsed). */
static JsonNode *roundtrip(Peer *p, const char *text)
{
    return parse(qmp_peer_send(p, text));
}

static void expect_error(Peer *p, const char *req, const char *cls,
                         const char *desc)
{
    g_autoptr(JsonNode) r = roundtrip(p, req);
    JsonObject *e = json_object_get_object_member(json_node_get_object(r),
                                                  "error");
    g_assert_nonnull(e);
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, cls);
    g_assert_cmpstr(json_object_get_string_member(e, "desc"), ==, desc);
}

static void negotiate(Peer *p)
{
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\": \"qmp_capabilities\"}");
    g_autofree char *t = to_text(r);
    g_assert_cmpstr(t, ==, "{\"return\":{}}");
}

/* ---- a fake machine command with a schema ---- */

static int add_calls;

static JsonNode *cmd_add(void *opaque, JsonObject *args, GError **errp)
{
    g_assert_cmpstr(opaque, ==, "cookie");
    add_calls++;
    gint64 a = json_object_get_int_member(args, "a");
    gint64 b = json_object_get_int_member(args, "b");
    if (a < 0) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device 'dimm%" G_GINT64_FORMAT "' not found", -a);
        return NULL;
    }
    if (b < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE, "b out of range");
        return NULL;
    }
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "sum", a + b);
    json_object_set_string_member(o, "label",
        json_object_get_string_member_with_default(args, "label", "none"));
    g_autoptr(JsonObject) ro = o;
    return json_node_init_object(json_node_alloc(), ro);
}

static JsonNode *cmd_nothing(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque, (void)args, (void)errp;
    return NULL;
}

static const NvQmpArg add_args[] = {
    { "a", NV_QMP_ARG_INT, false },
    { "b", NV_QMP_ARG_INT, false },
    { "label", NV_QMP_ARG_STR, true },
    { "flag", NV_QMP_ARG_BOOL, true },
    { NULL, 0, false },
};

static NvQmpServer *server_with_fakes(void)
{
    NvQmpServer *s = nv_qmp_server_new(NULL);
    const NvQmpCommand cmds[] = {
        { "test-add", add_args, cmd_add, "cookie" },
        { "stop", NULL, cmd_nothing, NULL },
        { NULL, NULL, NULL, NULL },
    };
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_qmp_register_table(s, cmds, &err));
    g_assert_no_error(err);
    return s;
}

static void test_greeting(void)
{
    g_autoptr(NvQmpServer) s = nv_qmp_server_new(NULL);
    Peer *p = qmp_peer_new(s);
    g_assert_cmpuint(p->msgs->len, ==, 1);
    g_autoptr(JsonNode) g = parse(p->msgs->pdata[0]);
    JsonObject *qmp = json_object_get_object_member(json_node_get_object(g),
                                                    "QMP");
    JsonObject *ver = json_object_get_object_member(qmp, "version");
    JsonObject *q = json_object_get_object_member(ver, "qemu");
    g_autofree char *want = g_strdup_printf("%" G_GINT64_FORMAT ".%"
        G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
        json_object_get_int_member(q, "major"),
        json_object_get_int_member(q, "minor"),
        json_object_get_int_member(q, "micro"));
    g_assert_cmpstr(want, ==, NVEMU_VERSION);
    g_assert_cmpstr(json_object_get_string_member(ver, "package"), ==,
                    "nvemu-" NVEMU_VERSION);
    JsonArray *caps = json_object_get_array_member(qmp, "capabilities");
    g_assert_nonnull(caps);
    g_assert_cmpuint(json_array_get_length(caps), ==, 0);   /* no oob */
    /* query-version answers the same numbers */
    negotiate(p);
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\":\"query-version\"}");
    g_autofree char *rt = to_text(json_object_get_member(
        json_node_get_object(r), "return"));
    g_autofree char *gt = to_text(json_object_get_member(qmp, "version"));
    g_assert_cmpstr(rt, ==, gt);
    qmp_peer_free(p);
}

static void test_negotiation(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    const char *want = "Expecting capabilities negotiation with "
                       "'qmp_capabilities'";
    expect_error(p, "{\"execute\":\"query-version\"}", "CommandNotFound", want);
    /* even an unknown command, as QEMU */
    expect_error(p, "{\"execute\":\"no-such\"}", "CommandNotFound", want);
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":{\"a\":1,\"b\":2}}",
                 "CommandNotFound", want);
    g_assert_cmpint(add_calls, ==, 0);
    expect_error(p, "{\"execute\":\"qmp_capabilities\",\"arguments\":"
                 "{\"enable\":[\"oob\"]}}", "GenericError",
                 "Capability 'oob' not available");
    expect_error(p, "{\"execute\":\"qmp_capabilities\",\"arguments\":"
                 "{\"enable\":[\"x\"]}}", "GenericError",
                 "Parameter 'enable[0]' does not accept value 'x'");
    expect_error(p, "{\"execute\":\"qmp_capabilities\",\"arguments\":"
                 "{\"enable\":\"oob\"}}", "GenericError",
                 "Invalid parameter type for 'enable', expected: array");
    /* still not negotiated after those errors */
    expect_error(p, "{\"execute\":\"stop\"}", "CommandNotFound", want);
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\":\"qmp_capabilities\","
                                      "\"arguments\":{\"enable\":[]},\"id\":1}");
    g_autofree char *t = to_text(r);
    g_assert_cmpstr(t, ==, "{\"return\":{},\"id\":1}");
    expect_error(p, "{\"execute\":\"qmp_capabilities\"}", "CommandNotFound",
                 "Capabilities negotiation is already complete, command "
                 "ignored");
    g_autoptr(JsonNode) r2 = roundtrip(p, "{\"execute\":\"stop\"}");
    g_autofree char *t2 = to_text(r2);
    g_assert_cmpstr(t2, ==, "{\"return\":{}}");
    qmp_peer_free(p);
}

static void test_id_echo(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    const char *ids[] = { "0", "-7", "\"abc\"", "null", "true", "1.5",
                          "[1,\"two\",{\"three\":3}]", "{\"a\":{\"b\":[]}}",
                          "\"\\u00e9\\n\"" };
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autoptr(JsonNode) idn = parse(ids[i]);
        g_autofree char *idt = to_text(idn);
        /* an error before negotiation, then success, keep the id */
        g_autofree char *req = g_strdup_printf(
            "{\"id\": %s, \"execute\": \"query-version\"}", ids[i]);
        g_autoptr(JsonNode) r = roundtrip(p, req);
        g_autofree char *got = to_text(json_object_get_member(
            json_node_get_object(r), "id"));
        g_assert_cmpstr(got, ==, idt);
    }
    negotiate(p);
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autoptr(JsonNode) idn = parse(ids[i]);
        g_autofree char *idt = to_text(idn);
        g_autofree char *req = g_strdup_printf(
            "{\"execute\": \"stop\", \"id\": %s}", ids[i]);
        g_autoptr(JsonNode) r = roundtrip(p, req);
        JsonObject *o = json_node_get_object(r);
        g_assert_true(json_object_has_member(o, "return"));
        g_autofree char *got = to_text(json_object_get_member(o, "id"));
        g_assert_cmpstr(got, ==, idt);
    }
    /* no id in, no id out */
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\":\"stop\"}");
    g_assert_false(json_object_has_member(json_node_get_object(r), "id"));
    qmp_peer_free(p);
}

static void test_request_errors(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    negotiate(p);
    const char *gen = "GenericError";
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\": }");
    JsonObject *e = json_object_get_object_member(json_node_get_object(r),
                                                  "error");
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, gen);
    g_assert_true(g_str_has_prefix(json_object_get_string_member(e, "desc"),
                                   "JSON parse error, "));
    /* Invalid UTF-8 (found by fuzz-qmp: an id with 0xA6 bytes came back
     * as a reply no JSON parser takes) and a NUL byte are parse errors. */
    expect_error(p, "{\"execute\": \"query-version\", \"id\": \"\xa6\xa6\"}",
                 gen, "JSON parse error, invalid UTF-8 sequence");
    expect_error(p, "{\"execute\": \"query-version\", \"id\": \"\xc8\"}",
                 gen, "JSON parse error, invalid UTF-8 sequence");
    /* valid UTF-8 in, but a broken \u escape that json-glib decodes into
     * something that is not */
    expect_error(p, "{\"execute\": \"query-version\", \"id\": \"\\u00e\xc5\xa3\"}",
                 gen, "JSON parse error, invalid UTF-8 sequence");
    /* a parse error whose json-glib text quotes such a string: the reply
     * is still UTF-8 (roundtrip() parses it) */
    g_autoptr(JsonNode) rbad = roundtrip(
        p, "{\"execute\": \"x\", \"id\": \"\\u00e\xc5\xa3\"\x1b}");
    JsonObject *ebad = json_object_get_object_member(
        json_node_get_object(rbad), "error");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(ebad, "desc"),
                                   "JSON parse error, "));
    expect_error(p, "[1, 2]", gen, "QMP input must be a JSON object");
    expect_error(p, "42\n", gen, "QMP input must be a JSON object");
    expect_error(p, "\"str\"\n", gen, "QMP input must be a JSON object");
    expect_error(p, "{}", gen, "QMP input lacks member 'execute'");
    expect_error(p, "{\"execute\": 1, \"id\": 3}", gen,
                 "QMP input member 'execute' must be a string");
    expect_error(p, "{\"execute\": \"stop\", \"arguments\": []}", gen,
                 "QMP input member 'arguments' must be an object");
    expect_error(p, "{\"execute\": \"stop\", \"extra\": 1}", gen,
                 "QMP input member 'extra' is unexpected");
    expect_error(p, "{\"exec-oob\": \"stop\"}", gen,
                 "QMP input member 'exec-oob' is unexpected");
    expect_error(p, "{\"execute\": \"no-such-command\"}", "CommandNotFound",
                 "The command no-such-command has not been found");
    /* commands without arguments refuse any */
    expect_error(p, "{\"execute\": \"stop\", \"arguments\": {\"x\": 1}}", gen,
                 "Parameter 'x' is unexpected");
    /* the id of a bad request still comes back */
    g_autoptr(JsonNode) r2 = roundtrip(p, "{\"execute\": 1, \"id\": \"k\"}");
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(r2),
                                                  "id"), ==, "k");
    /* after all that, the client is still served */
    g_autoptr(JsonNode) r3 = roundtrip(p, "{\"execute\":\"stop\"}");
    g_assert_true(json_object_has_member(json_node_get_object(r3), "return"));
    qmp_peer_free(p);
}

static void test_schema(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    negotiate(p);
    add_calls = 0;
    const char *gen = "GenericError";
    expect_error(p, "{\"execute\":\"test-add\"}", gen,
                 "Parameter 'a' is missing");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":{\"a\":1}}", gen,
                 "Parameter 'b' is missing");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":\"1\",\"b\":2}}", gen,
                 "Invalid parameter type for 'a', expected: integer");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":1.5,\"b\":2}}", gen,
                 "Invalid parameter type for 'a', expected: integer");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":1,\"b\":2,\"label\":7}}", gen,
                 "Invalid parameter type for 'label', expected: string");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":1,\"b\":2,\"flag\":\"on\"}}", gen,
                 "Invalid parameter type for 'flag', expected: boolean");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":1,\"b\":null}}", gen,
                 "Invalid parameter type for 'b', expected: integer");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":"
                 "{\"a\":1,\"b\":2,\"c\":3}}", gen,
                 "Parameter 'c' is unexpected");
    /* none of the bad calls reached the handler */
    g_assert_cmpint(add_calls, ==, 0);
    g_autoptr(JsonNode) r = roundtrip(p, "{\"execute\":\"test-add\","
        "\"arguments\":{\"b\":40,\"a\":2,\"label\":\"x\"},\"id\":9}");
    g_autofree char *t = to_text(r);
    g_assert_cmpstr(t, ==, "{\"return\":{\"sum\":42,\"label\":\"x\"},\"id\":9}");
    g_assert_cmpint(add_calls, ==, 1);
    /* handler errors: an NV_QMP_ERROR class, and any other domain */
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":{\"a\":-3,"
                 "\"b\":0}}", "DeviceNotFound", "Device 'dimm3' not found");
    expect_error(p, "{\"execute\":\"test-add\",\"arguments\":{\"a\":1,"
                 "\"b\":-1}}", gen, "b out of range");
    /* query-commands lists built-ins and registered commands */
    g_autoptr(JsonNode) qc = roundtrip(p, "{\"execute\":\"query-commands\"}");
    JsonArray *list = json_object_get_array_member(json_node_get_object(qc),
                                                   "return");
    g_autoptr(GString) names = g_string_new(NULL);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        g_string_append_printf(names, "%s ", json_object_get_string_member(
            json_array_get_object_element(list, i), "name"));
    }
    g_assert_cmpstr(names->str, ==, "qmp_capabilities query-version "
                    "query-commands test-add stop ");
    /* registration refuses duplicates */
    g_autoptr(GError) err = NULL;
    const NvQmpCommand dup = { "stop", NULL, cmd_nothing, NULL };
    g_assert_false(nv_qmp_register(s, &dup, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_CONFLICT);
    g_clear_error(&err);
    const NvQmpArg twice[] = { { "a", NV_QMP_ARG_INT, false },
                               { "a", NV_QMP_ARG_STR, true },
                               { NULL, 0, false } };
    const NvQmpCommand bad = { "bad", twice, cmd_nothing, NULL };
    g_assert_false(nv_qmp_register(s, &bad, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    qmp_peer_free(p);
}

static void test_events(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *a = qmp_peer_new(s), *b = qmp_peer_new(s);
    g_assert_cmpuint(nv_qmp_client_count(s), ==, 2);
    negotiate(a);
    guint na = a->msgs->len, nb = b->msgs->len;
    gint64 t0 = g_get_real_time();
    g_autoptr(JsonObject) data = json_object_new();
    json_object_set_boolean_member(data, "guest", FALSE);
    json_object_set_string_member(data, "reason", "host-qmp-quit");
    nv_qmp_emit_event(s, "SHUTDOWN", data);
    nv_qmp_emit_event(s, "STOP", NULL);
    gint64 t1 = g_get_real_time();
    /* b has not negotiated: nothing */
    g_assert_cmpuint(b->msgs->len, ==, nb);
    g_assert_cmpuint(a->msgs->len, ==, na + 2);
    g_autoptr(JsonNode) e1 = parse(a->msgs->pdata[na]);
    JsonObject *o = json_node_get_object(e1);
    g_assert_cmpstr(json_object_get_string_member(o, "event"), ==, "SHUTDOWN");
    g_autofree char *dt = to_text(json_object_get_member(o, "data"));
    g_assert_cmpstr(dt, ==, "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
    JsonObject *ts = json_object_get_object_member(o, "timestamp");
    gint64 us = json_object_get_int_member(ts, "seconds") * G_USEC_PER_SEC +
                json_object_get_int_member(ts, "microseconds");
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    G_USEC_PER_SEC);
    g_assert_cmpint(us, >=, t0);
    g_assert_cmpint(us, <=, t1);
    g_autoptr(JsonNode) e2 = parse(a->msgs->pdata[na + 1]);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(e2),
                                                  "event"), ==, "STOP");
    g_assert_false(json_object_has_member(json_node_get_object(e2), "data"));
    /* once b negotiates it gets the next event too */
    negotiate(b);
    nv_qmp_emit_event(s, "RESUME", NULL);
    g_assert_cmpuint(a->msgs->len, ==, na + 3);
    g_assert_cmpuint(b->msgs->len, ==, nb + 2);
    qmp_peer_free(a);
    qmp_peer_free(b);
    g_assert_cmpuint(nv_qmp_client_count(s), ==, 0);
}

static void test_framing(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    /* a byte at a time, no newline anywhere, strings with braces in them */
    const char *two = "{\"execute\":\"qmp_capabilities\",\"id\":\"}{[\\\"\"}"
                      "  {\"execute\":\"test-add\",\"arguments\":{\"a\":1,"
                      "\"b\":2,\"label\":\"]}\"}}";
    for (const char *c = two; *c; c++) {
        g_assert_true(nv_qmp_client_feed(p->c, c, 1));
    }
    g_assert_cmpuint(p->msgs->len, ==, 3);
    g_assert_cmpstr(p->msgs->pdata[1], ==,
                    "{\"return\":{},\"id\":\"}{[\\\"\"}");
    g_assert_cmpstr(p->msgs->pdata[2], ==,
                    "{\"return\":{\"sum\":3,\"label\":\"]}\"}}");
    /* several in one feed, CRLF between */
    const char *three = "{\"execute\":\"stop\",\"id\":1}\r\n"
                        "{\"execute\":\"stop\",\"id\":2}\r\n"
                        "{\"execute\":\"stop\",\"id\":3}";
    g_assert_true(nv_qmp_client_feed(p->c, three, strlen(three)));
    g_assert_cmpuint(p->msgs->len, ==, 6);
    g_assert_cmpstr(p->msgs->pdata[5], ==, "{\"return\":{},\"id\":3}");
    /* a stray closer is a parse error, and the next message still works */
    g_autoptr(JsonNode) r = roundtrip(p, "}");
    g_assert_true(json_object_has_member(json_node_get_object(r), "error"));
    g_autoptr(JsonNode) r2 = roundtrip(p, "{\"execute\":\"stop\"}");
    g_assert_true(json_object_has_member(json_node_get_object(r2), "return"));
    qmp_peer_free(p);
}

/* Feed @chunk until the server gives up; returns the bytes it took. */
static size_t feed_until_closed(Peer *p, const char *head, size_t total)
{
    size_t fed = strlen(head);
    g_assert_true(nv_qmp_client_feed(p->c, head, fed));
    size_t csz = 1024 * 1024;
    g_autofree char *chunk = g_malloc(csz);
    memset(chunk, 'a', csz);
    while (fed < total) {
        if (!nv_qmp_client_feed(p->c, chunk, csz)) {
            return fed + csz;
        }
        fed += csz;
    }
    return 0;
}

static void test_long_line(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s), *other = qmp_peer_new(s);
    negotiate(p);
    negotiate(other);
    guint n = p->msgs->len;
    /* a 100 MiB string inside a command: cut off at 1 MiB, not buffered */
    size_t took = feed_until_closed(p, "{\"execute\":\"stop\",\"id\":\"",
                                    100 * 1024 * 1024);
    g_assert_cmpuint(took, >, 0);
    g_assert_cmpuint(took, <=, NV_QMP_MAX_MESSAGE + 1024 * 1024);
    g_assert_cmpuint(p->msgs->len, ==, n + 1);
    g_assert_cmpstr(p->msgs->pdata[n], ==, "{\"error\":{\"class\":"
        "\"GenericError\",\"desc\":\"JSON message exceeds the limit of "
        "1048576 bytes\"}}");
    /* the closed client takes nothing more, events skip it */
    g_assert_false(nv_qmp_client_feed(p->c, "{}", 2));
    nv_qmp_emit_event(s, "STOP", NULL);
    g_assert_cmpuint(p->msgs->len, ==, n + 1);
    /* a 100 MiB bare token at top level, too */
    Peer *q = qmp_peer_new(s);
    g_assert_cmpuint(feed_until_closed(q, "", 100 * 1024 * 1024), >, 0);
    /* 100 MiB of whitespace between messages is no message at all */
    Peer *w = qmp_peer_new(s);
    g_autofree char *blank = g_malloc(1024 * 1024);
    memset(blank, '\n', 1024 * 1024);
    for (int i = 0; i < 100; i++) {
        g_assert_true(nv_qmp_client_feed(w->c, blank, 1024 * 1024));
    }
    negotiate(w);
    /* the other client is still served */
    guint m = other->msgs->len;
    g_autoptr(JsonNode) r = roundtrip(other, "{\"execute\":\"stop\"}");
    g_assert_true(json_object_has_member(json_node_get_object(r), "return"));
    g_assert_cmpuint(other->msgs->len, ==, m + 1 + 0);
    qmp_peer_free(p);
    qmp_peer_free(q);
    qmp_peer_free(w);
    qmp_peer_free(other);
}

static void test_deep_nesting(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *p = qmp_peer_new(s);
    /* 1024 levels parse (an error: not an object) ... */
    g_autoptr(GString) ok = g_string_new(NULL);
    for (int i = 0; i < NV_QMP_MAX_DEPTH; i++) {
        g_string_append_c(ok, '[');
    }
    for (int i = 0; i < NV_QMP_MAX_DEPTH; i++) {
        g_string_append_c(ok, ']');
    }
    expect_error(p, ok->str, "GenericError", "QMP input must be a JSON object");
    /* ... 1025 close the client */
    g_autoptr(GString) deep = g_string_new("{\"a\":");
    for (int i = 0; i < NV_QMP_MAX_DEPTH; i++) {
        g_string_append_c(deep, '[');
    }
    guint n = p->msgs->len;
    g_assert_false(nv_qmp_client_feed(p->c, deep->str, deep->len));
    g_assert_cmpuint(p->msgs->len, ==, n + 1);
    g_assert_nonnull(strstr(p->msgs->pdata[n], "JSON nesting exceeds"));
    qmp_peer_free(p);
}

static void test_disconnect_mid_command(void)
{
    g_autoptr(NvQmpServer) s = server_with_fakes();
    Peer *a = qmp_peer_new(s), *b = qmp_peer_new(s);
    negotiate(a);
    negotiate(b);
    add_calls = 0;
    const char *half = "{\"execute\":\"test-add\",\"arguments\":{\"a\":1,";
    g_assert_true(nv_qmp_client_feed(a->c, half, strlen(half)));
    qmp_peer_free(a);             /* gone before the command is complete */
    g_assert_cmpint(add_calls, ==, 0);
    g_assert_cmpuint(nv_qmp_client_count(s), ==, 1);
    nv_qmp_emit_event(s, "RESET", NULL);       /* reaches b only */
    g_autoptr(JsonNode) r = roundtrip(b, "{\"execute\":\"test-add\","
                                      "\"arguments\":{\"a\":1,\"b\":1}}");
    g_assert_true(json_object_has_member(json_node_get_object(r), "return"));
    g_assert_cmpint(add_calls, ==, 1);
    qmp_peer_free(b);
}

static void test_parse_option(void)
{
    struct { const char *arg, *path, *err; } cases[] = {
        { "unix:/tmp/q.sock,server=on,wait=off", "/tmp/q.sock", NULL },
        { "unix:/tmp/q.sock,server,nowait", "/tmp/q.sock", NULL },
        { "unix:/tmp/q.sock,nowait,server", "/tmp/q.sock", NULL },
        { "unix:/tmp/a,,b,server=yes,wait=no", "/tmp/a,b", NULL },
        { "unix:/tmp/q.sock,server=on", NULL,
          "-qmp 'unix:/tmp/q.sock,server=on': nvemu does not wait for a QMP "
          "client before starting: add wait=off" },
        { "unix:/tmp/q.sock,server,wait", NULL,
          "-qmp 'unix:/tmp/q.sock,server,wait': nvemu does not wait for a "
          "QMP client before starting: add wait=off" },
        { "unix:/tmp/q.sock,wait=off", NULL,
          "-qmp 'unix:/tmp/q.sock,wait=off': nvemu listens for QMP clients: "
          "add server=on" },
        { "unix:/tmp/q.sock,noserver,nowait", NULL,
          "-qmp 'unix:/tmp/q.sock,noserver,nowait': nvemu listens for QMP "
          "clients: add server=on" },
        { "tcp:localhost:4444,server,nowait", NULL,
          "-qmp 'tcp:localhost:4444,server,nowait': nvemu listens on unix "
          "sockets only: use unix:PATH,server=on,wait=off" },
        { "unix:,server,nowait", NULL,
          "-qmp 'unix:,server,nowait': the socket path is empty" },
        { "unix:/q,server,nowait,speed=9", NULL,
          "-qmp 'unix:/q,server,nowait,speed=9': unknown property 'speed=9' "
          "(nvemu takes server and wait)" },
        { "unix:/q,server=maybe,nowait", NULL, NULL /* any error */ },
        { "unix:/q,server,server=on,nowait", NULL,
          "-qmp 'unix:/q,server,server=on,nowait': 'server' given twice" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(NvQmpListenConfig) cfg =
            nv_qmp_parse_option(cases[i].arg, &err);
        if (cases[i].path) {
            g_assert_no_error(err);
            g_assert_cmpstr(cfg->path, ==, cases[i].path);
        } else {
            g_assert_null(cfg);
            g_assert_nonnull(err);
            g_assert_true(g_str_has_prefix(err->message, "-qmp '"));
            g_assert_null(strchr(err->message, '\n'));
            if (cases[i].err) {
                g_assert_cmpstr(err->message, ==, cases[i].err);
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/request-errors", test_request_errors);
    g_test_add_func("/qmp/schema", test_schema);
    g_test_add_func("/qmp/events", test_events);
    g_test_add_func("/qmp/framing", test_framing);
    g_test_add_func("/qmp/long-line", test_long_line);
    g_test_add_func("/qmp/deep-nesting", test_deep_nesting);
    g_test_add_func("/qmp/disconnect-mid-command", test_disconnect_mid_command);
    g_test_add_func("/qmp/parse-option", test_parse_option);
    return g_test_run();
}
