/*
 * qmp/qmp.c — QMP framing, dispatch, the command table, events and the
 * built-in commands. Wire format: QEMU's docs/interop/qmp-spec.rst; error
 * texts: QEMU's qapi/qmp-dispatch.c and qobject-input-visitor.c.
 */
#include "qmp-int.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(nvemu-qmp-error-quark, nv_qmp_error)

struct NvQmpClient {
    NvQmpServer *server;
    NvQmpOutput out;
    void *opaque;
    bool negotiated;
    bool dead;          /* a limit was exceeded: feed nothing more */
    GString *buf;       /* the message being received */
    unsigned depth;     /* open { and [ outside strings */
    bool scalar;        /* a top-level non-container token */
    bool in_str, esc;
};

static const char *const class_names[] = {
    [NV_QMP_ERROR_GENERIC] = "GenericError",
    [NV_QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [NV_QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [NV_QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [NV_QMP_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
};

/* ---- output ------------------------------------------------------------- */

static char *to_text(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    gsize len = 0;
    char *s = json_generator_to_data(gen, &len);
    char *line = g_strconcat(s, "\r\n", NULL);
    g_free(s);
    return line;
}

static void send_object(NvQmpClient *c, JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
    g_autofree char *line = to_text(node);
    c->out(c->opaque, line, strlen(line));
}

static void send_error(NvQmpClient *c, NvQmpErrorClass cls, const char *desc,
                       JsonNode *id)
{
    g_autoptr(JsonObject) err = json_object_new();
    json_object_set_string_member(err, "class", class_names[cls]);
    json_object_set_string_member(err, "desc", desc);
    g_autoptr(JsonObject) resp = json_object_new();
    json_object_set_object_member(resp, "error", json_object_ref(err));
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    send_object(c, resp);
}

static void send_gerror(NvQmpClient *c, const GError *e, JsonNode *id)
{
    NvQmpErrorClass cls = NV_QMP_ERROR_GENERIC;
    if (e->domain == NV_QMP_ERROR && e->code >= 0 &&
        e->code <= NV_QMP_ERROR_KVM_MISSING_CAP) {
        cls = (NvQmpErrorClass)e->code;
    }
    send_error(c, cls, e->message, id);
}

/* ---- argument schema ------------------------------------------------------ */

static const char *type_name(NvQmpArgType t)
{
    switch (t) {
    case NV_QMP_ARG_STR: return "string";
    case NV_QMP_ARG_INT: return "integer";
    case NV_QMP_ARG_BOOL: return "boolean";
    case NV_QMP_ARG_NUMBER: return "number";
    case NV_QMP_ARG_OBJECT: return "object";
    case NV_QMP_ARG_ARRAY: return "array";
    case NV_QMP_ARG_ANY: return "any";
    }
    return NULL;
}

static bool type_ok(NvQmpArgType t, JsonNode *n)
{
    GType vt = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n)
                                        : G_TYPE_INVALID;
    switch (t) {
    case NV_QMP_ARG_STR: return vt == G_TYPE_STRING;
    case NV_QMP_ARG_INT: return vt == G_TYPE_INT64;
    case NV_QMP_ARG_BOOL: return vt == G_TYPE_BOOLEAN;
    case NV_QMP_ARG_NUMBER: return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    case NV_QMP_ARG_OBJECT: return JSON_NODE_HOLDS_OBJECT(n);
    case NV_QMP_ARG_ARRAY: return JSON_NODE_HOLDS_ARRAY(n);
    case NV_QMP_ARG_ANY: return true;
    }
    return false;
}

/* QEMU's order: declared members first (missing, wrong type), then any
 * member nobody declared. */
static bool check_args(const NvQmpCommand *cmd, JsonObject *args,
                       GError **errp)
{
    for (const NvQmpArg *a = cmd->args; a && a->name; a++) {
        JsonNode *n = json_object_get_member(args, a->name);
        if (!n) {
            if (!a->optional) {
                g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                            "Parameter '%s' is missing", a->name);
                return false;
            }
            continue;
        }
        if (!type_ok(a->type, n)) {
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        "Invalid parameter type for '%s', expected: %s",
                        a->name, type_name(a->type));
            return false;
        }
    }
    JsonObjectIter it;
    const char *name;
    JsonNode *n;
    json_object_iter_init(&it, args);
    while (json_object_iter_next(&it, &name, &n)) {
        bool known = false;
        for (const NvQmpArg *a = cmd->args; a && a->name && !known; a++) {
            known = strcmp(a->name, name) == 0;
        }
        if (!known) {
            g_autofree char *q = nv_quote(name);
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        "Parameter '%s' is unexpected", q);
            return false;
        }
    }
    return true;
}

/* ---- dispatch ------------------------------------------------------------- */

/* Every string and member name in @n is UTF-8. json-glib lets a broken
 * \u escape through (found by fuzz-qmp: "\u00e" then a multi-byte
 * character), and what it makes of it must never be echoed to a client.
 * Depth is bounded by the framing's nesting limit. */
static bool utf8_tree(JsonNode *n)
{
    if (JSON_NODE_HOLDS_VALUE(n)) {
        const char *str = json_node_get_value_type(n) == G_TYPE_STRING
                          ? json_node_get_string(n) : NULL;
        return !str || g_utf8_validate(str, -1, NULL);
    }
    if (JSON_NODE_HOLDS_ARRAY(n)) {
        JsonArray *a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            if (!utf8_tree(json_array_get_element(a, i))) {
                return false;
            }
        }
    } else if (JSON_NODE_HOLDS_OBJECT(n)) {
        JsonObjectIter it;
        const char *name;
        JsonNode *m;
        json_object_iter_init(&it, json_node_get_object(n));
        while (json_object_iter_next(&it, &name, &m)) {
            if (!g_utf8_validate(name, -1, NULL) || !utf8_tree(m)) {
                return false;
            }
        }
    }
    return true;
}

static void dispatch(NvQmpClient *c, const char *text, size_t len)
{
    NvQmpServer *s = c->server;
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    /* As QEMU: JSON text is UTF-8, and nothing the client sent may come
     * back (an echoed id, a quoted name) as anything else. */
    if (!g_utf8_validate(text, (gssize)len, NULL)) {
        send_error(c, NV_QMP_ERROR_GENERIC,
                   "JSON parse error, invalid UTF-8 sequence", NULL);
        return;
    }
    if (!json_parser_load_from_data(parser, text, (gssize)len, &err)) {
        /* json-glib quotes the offending text as it decoded it, which
         * need not be UTF-8 (a broken \u escape) */
        g_autofree char *why = g_utf8_make_valid(err->message, -1);
        g_autofree char *desc = g_strdup_printf("JSON parse error, %s", why);
        send_error(c, NV_QMP_ERROR_GENERIC, desc, NULL);
        return;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root && !utf8_tree(root)) {
        send_error(c, NV_QMP_ERROR_GENERIC,
                   "JSON parse error, invalid UTF-8 sequence", NULL);
        return;
    }
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        send_error(c, NV_QMP_ERROR_GENERIC, "QMP input must be a JSON object",
                   NULL);
        return;
    }
    JsonObject *req = json_node_get_object(root);
    JsonNode *id = json_object_get_member(req, "id");
    JsonObjectIter it;
    const char *name;
    JsonNode *n;
    json_object_iter_init(&it, req);
    while (json_object_iter_next(&it, &name, &n)) {
        const char *desc = NULL;
        if (strcmp(name, "execute") == 0) {
            if (!JSON_NODE_HOLDS_VALUE(n) ||
                json_node_get_value_type(n) != G_TYPE_STRING) {
                desc = "QMP input member 'execute' must be a string";
            }
        } else if (strcmp(name, "arguments") == 0) {
            if (!JSON_NODE_HOLDS_OBJECT(n)) {
                desc = "QMP input member 'arguments' must be an object";
            }
        } else if (strcmp(name, "id") != 0) {
            g_autofree char *q = nv_quote(name);
            g_autofree char *d = g_strdup_printf(
                "QMP input member '%s' is unexpected", q);
            send_error(c, NV_QMP_ERROR_GENERIC, d, id);
            return;
        }
        if (desc) {
            send_error(c, NV_QMP_ERROR_GENERIC, desc, id);
            return;
        }
    }
    const char *exec = json_object_get_string_member_with_default(
        req, "execute", NULL);
    if (!exec) {
        send_error(c, NV_QMP_ERROR_GENERIC, "QMP input lacks member 'execute'",
                   id);
        return;
    }
    bool is_caps = strcmp(exec, "qmp_capabilities") == 0;
    if (!c->negotiated && !is_caps) {
        send_error(c, NV_QMP_ERROR_COMMAND_NOT_FOUND,
                   "Expecting capabilities negotiation with "
                   "'qmp_capabilities'", id);
        return;
    }
    if (c->negotiated && is_caps) {
        send_error(c, NV_QMP_ERROR_COMMAND_NOT_FOUND,
                   "Capabilities negotiation is already complete, command "
                   "ignored", id);
        return;
    }
    const NvQmpCommand *cmd = g_hash_table_lookup(s->cmds, exec);
    if (!cmd) {
        g_autofree char *q = nv_quote(exec);
        g_autofree char *d = g_strdup_printf("The command %s has not been found",
                                             q);
        send_error(c, NV_QMP_ERROR_COMMAND_NOT_FOUND, d, id);
        return;
    }
    g_autoptr(JsonObject) empty = json_object_new();
    JsonObject *args = json_object_has_member(req, "arguments") ?
        json_object_get_object_member(req, "arguments") : empty;
    if (!check_args(cmd, args, &err)) {
        send_gerror(c, err, id);
        return;
    }
    NvQmpClient *saved = s->current;
    s->current = c;
    g_autoptr(JsonNode) ret = cmd->handler(cmd->opaque, args, &err);
    s->current = saved;
    if (err) {
        send_gerror(c, err, id);
        return;
    }
    if (!ret) {
        ret = json_node_init_object(json_node_alloc(), empty);
    }
    g_autoptr(JsonObject) resp = json_object_new();
    json_object_set_member(resp, "return", g_steal_pointer(&ret));
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    send_object(c, resp);
}

/* ---- framing: where one top-level JSON value ends ------------------------- */

static void reset_frame(NvQmpClient *c)
{
    if (c->buf->allocated_len > 64 * 1024) {
        /* after a big message, give the memory back */
        g_string_free(c->buf, TRUE);
        c->buf = g_string_new(NULL);
    }
    g_string_truncate(c->buf, 0);
    c->depth = 0;
    c->scalar = c->in_str = c->esc = false;
}

static void complete(NvQmpClient *c)
{
    g_autofree char *text = g_strndup(c->buf->str, c->buf->len);
    size_t len = c->buf->len;
    reset_frame(c);
    dispatch(c, text, len);
}

static bool fail(NvQmpClient *c, const char *desc)
{
    send_error(c, NV_QMP_ERROR_GENERIC, desc, NULL);
    reset_frame(c);
    c->dead = true;
    return false;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

bool nv_qmp_client_feed(NvQmpClient *c, const char *buf, size_t len)
{
    if (c->dead) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (c->depth == 0 && !c->scalar) {
            if (is_space(ch)) {
                continue;
            }
            g_string_append_c(c->buf, ch);
            if (ch == '{' || ch == '[') {
                c->depth = 1;
            } else if (ch == '}' || ch == ']') {
                complete(c);       /* a stray closer: a parse error */
            } else {
                c->scalar = true;
                c->in_str = ch == '"';
            }
            continue;
        }
        if (c->buf->len >= NV_QMP_MAX_MESSAGE) {
            return fail(c, "JSON message exceeds the limit of 1048576 bytes");
        }
        if (c->in_str) {
            g_string_append_c(c->buf, ch);
            if (c->esc) {
                c->esc = false;
            } else if (ch == '\\') {
                c->esc = true;
            } else if (ch == '"') {
                c->in_str = false;
            }
            continue;
        }
        if (c->scalar) {
            if (is_space(ch) || ch == '{' || ch == '[') {
                complete(c);
                if (!is_space(ch)) {
                    i--;           /* start the next value with this byte */
                }
            } else {
                g_string_append_c(c->buf, ch);
                c->in_str = ch == '"';
            }
            continue;
        }
        g_string_append_c(c->buf, ch);
        if (ch == '"') {
            c->in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (++c->depth > NV_QMP_MAX_DEPTH) {
                return fail(c, "JSON nesting exceeds the limit of 1024");
            }
        } else if (ch == '}' || ch == ']') {
            if (--c->depth == 0) {
                complete(c);
            }
        }
        if (c->dead) {
            return false;
        }
    }
    return !c->dead;
}

/* ---- clients, events, table ------------------------------------------------ */

/* {"qemu": {"micro", "minor", "major"}, "package"}: nvemu's own version (a
 * client must not take it for a QEMU release). */
static JsonObject *version_object(void)
{
    unsigned major = 0, minor = 0, micro = 0;
    if (sscanf(NVEMU_VERSION, "%u.%u.%u", &major, &minor, &micro) != 3) {
        major = minor = micro = 0;
    }
    JsonObject *qemu = json_object_new();
    json_object_set_int_member(qemu, "micro", micro);
    json_object_set_int_member(qemu, "minor", minor);
    json_object_set_int_member(qemu, "major", major);
    JsonObject *ver = json_object_new();
    json_object_set_object_member(ver, "qemu", qemu);
    json_object_set_string_member(ver, "package", "nvemu-" NVEMU_VERSION);
    return ver;
}

NvQmpClient *nv_qmp_client_new(NvQmpServer *s, NvQmpOutput out, void *opaque)
{
    NvQmpClient *c = g_new0(NvQmpClient, 1);
    c->server = s;
    c->out = out;
    c->opaque = opaque;
    c->buf = g_string_new(NULL);
    g_ptr_array_add(s->clients, c);

    JsonObject *qmp = json_object_new();
    json_object_set_object_member(qmp, "version", version_object());
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    g_autoptr(JsonObject) greet = json_object_new();
    json_object_set_object_member(greet, "QMP", qmp);
    send_object(c, greet);
    return c;
}

void nv_qmp_client_free(NvQmpClient *c)
{
    if (!c) {
        return;
    }
    if (c->server) {
        g_ptr_array_remove(c->server->clients, c);
        if (c->server->current == c) {
            c->server->current = NULL;
        }
    }
    g_string_free(c->buf, TRUE);
    g_free(c);
}

unsigned nv_qmp_client_count(const NvQmpServer *s)
{
    return s->clients->len;
}

void nv_qmp_emit_event(NvQmpServer *s, const char *name, JsonObject *data)
{
    g_autoptr(JsonObject) ev = json_object_new();
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", json_object_ref(data));
    }
    gint64 now = g_get_real_time();
    JsonObject *ts = json_object_new();
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), ev);
    g_autofree char *line = to_text(node);
    size_t len = strlen(line);
    for (guint i = 0; i < s->clients->len; i++) {
        NvQmpClient *c = s->clients->pdata[i];
        if (c->negotiated && !c->dead) {
            c->out(c->opaque, line, len);
        }
    }
}

bool nv_qmp_register(NvQmpServer *s, const NvQmpCommand *cmd, GError **errp)
{
    if (!cmd->name || !cmd->handler) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "QMP command without a name or handler");
        return false;
    }
    if (g_hash_table_contains(s->cmds, cmd->name)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "QMP command '%s' registered twice", cmd->name);
        return false;
    }
    for (const NvQmpArg *a = cmd->args; a && a->name; a++) {
        for (const NvQmpArg *b = cmd->args; b != a; b++) {
            if (strcmp(a->name, b->name) == 0) {
                g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                            "QMP command '%s': argument '%s' declared twice",
                            cmd->name, a->name);
                return false;
            }
        }
        if (!type_name(a->type)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "QMP command '%s': argument '%s' has no valid type",
                        cmd->name, a->name);
            return false;
        }
    }
    NvQmpCommand *copy = g_memdup2(cmd, sizeof(*cmd));
    g_hash_table_insert(s->cmds, (char *)copy->name, copy);
    g_ptr_array_add(s->order, copy);
    return true;
}

bool nv_qmp_register_table(NvQmpServer *s, const NvQmpCommand *cmds,
                           GError **errp)
{
    for (const NvQmpCommand *c = cmds; c->name; c++) {
        if (!nv_qmp_register(s, c, errp)) {
            return false;
        }
    }
    return true;
}

/* ---- built-in commands ------------------------------------------------------ */

static JsonNode *cmd_capabilities(void *opaque, JsonObject *args,
                                  GError **errp)
{
    NvQmpServer *s = opaque;
    JsonArray *en = json_object_has_member(args, "enable") ?
        json_object_get_array_member(args, "enable") : NULL;
    for (guint i = 0; en && i < json_array_get_length(en); i++) {
        JsonNode *n = json_array_get_element(en, i);
        const char *v = JSON_NODE_HOLDS_VALUE(n) &&
            json_node_get_value_type(n) == G_TYPE_STRING ?
            json_node_get_string(n) : NULL;
        if (!v) {
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        "Invalid parameter type for 'enable[%u]', expected: "
                        "string", i);
        } else if (strcmp(v, "oob") == 0) {
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        "Capability 'oob' not available");
        } else {
            g_autofree char *q = nv_quote(v);
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        "Parameter 'enable[%u]' does not accept value '%s'",
                        i, q);
        }
        return NULL;
    }
    if (s->current) {
        s->current->negotiated = true;
    }
    return NULL;
}

static JsonNode *cmd_query_version(void *opaque, JsonObject *args,
                                   GError **errp)
{
    (void)opaque, (void)args, (void)errp;
    g_autoptr(JsonObject) ver = version_object();
    return json_node_init_object(json_node_alloc(), ver);
}

static JsonNode *cmd_query_commands(void *opaque, JsonObject *args,
                                    GError **errp)
{
    (void)args, (void)errp;
    NvQmpServer *s = opaque;
    g_autoptr(JsonArray) list = json_array_new();
    for (guint i = 0; i < s->order->len; i++) {
        const NvQmpCommand *c = s->order->pdata[i];
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", c->name);
        json_array_add_object_element(list, o);
    }
    return json_node_init_array(json_node_alloc(), list);
}

static const NvQmpArg caps_args[] = {
    { "enable", NV_QMP_ARG_ARRAY, true },
    { NULL, 0, false },
};

NvQmpServer *nv_qmp_server_new(GMainContext *ctx)
{
    NvQmpServer *s = g_new0(NvQmpServer, 1);
    s->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref_thread_default();
    s->cmds = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    s->order = g_ptr_array_new();
    s->clients = g_ptr_array_new();
    s->listeners = g_ptr_array_new();
    s->sock_clients = g_ptr_array_new();
    const NvQmpCommand builtin[] = {
        { "qmp_capabilities", caps_args, cmd_capabilities, s },
        { "query-version", NULL, cmd_query_version, s },
        { "query-commands", NULL, cmd_query_commands, s },
        { NULL, NULL, NULL, NULL },
    };
    if (!nv_qmp_register_table(s, builtin, NULL)) {
        g_assert_not_reached();
    }
    return s;
}

void nv_qmp_server_free(NvQmpServer *s)
{
    if (!s) {
        return;
    }
    nv_qmp_socket_teardown(s);
    /* Clients fed directly belong to their callers; detach them. */
    for (guint i = 0; i < s->clients->len; i++) {
        NvQmpClient *c = s->clients->pdata[i];
        c->dead = true;
        c->server = NULL;
    }
    g_ptr_array_free(s->clients, TRUE);
    g_ptr_array_free(s->listeners, TRUE);
    g_ptr_array_free(s->sock_clients, TRUE);
    g_ptr_array_free(s->order, TRUE);
    g_hash_table_destroy(s->cmds);
    g_main_context_unref(s->ctx);
    g_free(s);
}
