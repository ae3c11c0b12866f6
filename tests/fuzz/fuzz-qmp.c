/*
 * tests/fuzz/fuzz-qmp.c — libFuzzer target for the QMP input path
 * (nv_qmp_client_feed, the one the sockets use).
 *
 * Input: byte 0 picks how the rest is cut into feeds (1..32 bytes, or all
 * at once) and whether the client negotiates first; the rest is what a
 * client sends. A command with one argument of every schema type is
 * registered so argument checking and handlers run, and object-add and
 * device_add with the monitor's own schemas, whose handlers run the
 * monitor's argument conversion (machine/monitor-memory.c) into a backend
 * or a DIMM and place the DIMM with nv_dimm_plan_add() against a small
 * planned machine (RAM backends: nothing is created on disk; a label-file
 * path is only inspected), and x-nvdimm-set-health with its schema, whose
 * handler runs the monitor's argument checks (machine/monitor-nvdimm.c)
 * and applies the update to a DIMM's health: every value that passed must
 * be one the SMART layout holds; and x-nvdimm-add-media-error, whose
 * range checks must pass only an aligned, non-empty range named one way
 * (addr, or id and offset), which then goes into a media-error list.
 * Every message the
 * server sends must be one CRLF-terminated line holding a JSON object, and
 * the client's buffer never exceeds the message limit.
 */
#include "media-errors.h"
#include "monitor.h"
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

/* 2G RAM, 3 slots, maxmem 4G; r0 (placed as d0), r1, r2 free. */
static NvBoardConfig board = {
    .ram_size = 2 * GiB, .slots = 3, .maxmem = 4 * GiB, .numa_nodes = 2,
    .nvdimm_enabled = true,
};
static GPtrArray *backends, *dimms;
static NvMemLayout layout;

static void machine_setup(void)
{
    backends = g_ptr_array_new_with_free_func((GDestroyNotify)nv_hostmem_free);
    dimms = g_ptr_array_new_with_free_func((GDestroyNotify)nv_dimm_free);
    static const char *const ids[] = { "r0", "r1", "r2" };
    for (int i = 0; i < 3; i++) {
        NvHostMemConfig c = { .kind = NV_HOSTMEM_RAM, .id = (char *)ids[i],
                              .size = (uint64_t)(i + 1) * 128 * MiB,
                              .size_set = true };
        NvHostMem *hm = nv_hostmem_new(&c);
        if (!nv_hostmem_prepare(hm, NULL)) {
            abort();
        }
        g_ptr_array_add(backends, hm);
    }
    NvOpts *o = nv_opts_parse("pc-dimm,id=d0,memdev=r0", "driver", NULL);
    g_ptr_array_add(dimms, nv_dimm_new_from_opts(o, NULL));
    nv_opts_free(o);
    if (!nv_dimm_plan(&board, backends, dimms, &layout, NULL)) {
        abort();
    }
}

static JsonNode *cmd_object_add(void *opaque, JsonObject *args,
                                GError **errp)
{
    (void)opaque;
    nv_hostmem_free(nv_monitor_parse_object(args, errp));
    return NULL;
}

static JsonNode *cmd_device_add(void *opaque, JsonObject *args,
                                GError **errp)
{
    (void)opaque;
    NvDimm *d = nv_monitor_parse_device(args, errp);
    if (d && nv_dimm_plan_add(&board, backends, dimms, &layout, d, errp)) {
        if (!d->placed || d->slot >= board.slots ||
            d->addr < layout.devmem_base ||
            d->addr + d->size > layout.devmem_base + layout.devmem_size) {
            abort();
        }
        d->memdev->in_use = false; /* not kept: the next input starts over */
    }
    for (guint i = 0; i < backends->len; i++) {
        NvHostMem *hm = g_ptr_array_index(backends, i);
        if (hm->in_use != (i == 0)) {
            abort(); /* a failed or undone add left a backend bound */
        }
    }
    nv_dimm_free(d);
    return NULL;
}

static JsonNode *cmd_set_health(void *opaque, JsonObject *args,
                                GError **errp)
{
    (void)opaque;
    NvHealthUpdate u;
    NvDsmNotifyMode mode;
    if (!nv_monitor_parse_health(args, &u, &mode, errp)) {
        return NULL;
    }
    NvDimmHealth h;
    nv_health_init(&h);
    nv_health_apply(&h, &u);
    if (h.spares > 100 || (h.health & ~NV_HEALTH_FATAL & ~NV_HEALTH_CRITICAL &
                           ~NV_HEALTH_NON_CRITICAL) ||
        h.shutdown_state > 1 ||
        (mode != NV_DSM_NOTIFY_AUTO) != json_object_has_member(args,
                                                               "notify")) {
        abort();
    }
    /* a temperature that passed is the one asked for, exactly */
    if (u.has_media_temp &&
        nv_health_temp_celsius(h.media_temp) !=
            json_object_get_double_member(args, "media-temperature")) {
        abort();
    }
    return NULL;
}

static JsonNode *cmd_add_media_error(void *opaque, JsonObject *args,
                                     GError **errp)
{
    (void)opaque;
    const char *id;
    uint64_t start, len;
    if (!nv_monitor_parse_media_range("x-nvdimm-add-media-error", args, &id,
                                      &start, &len, errp)) {
        return NULL;
    }
    if (len == 0 || start % NV_MEDIA_ERR_UNIT || len % NV_MEDIA_ERR_UNIT ||
        (id == NULL) != json_object_has_member(args, "addr") ||
        (id != NULL) != json_object_has_member(args, "offset")) {
        abort();
    }
    g_autoptr(GArray) list = nv_media_list_new();
    if (start <= UINT64_MAX - len &&
        !nv_media_list_add(list, start, len, false, errp)) {
        abort(); /* an empty list takes any aligned range */
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) {
        server = nv_qmp_server_new(NULL);
        const NvQmpCommand cmds[] = {
            { "all", all_args, cmd_all, NULL },
            { "object-add", nv_monitor_object_add_args, cmd_object_add,
              NULL },
            { "device_add", nv_monitor_device_add_args, cmd_device_add,
              NULL },
            { "x-nvdimm-set-health", nv_monitor_set_health_args,
              cmd_set_health, NULL },
            { "x-nvdimm-add-media-error", nv_monitor_media_error_args,
              cmd_add_media_error, NULL },
            { NULL, NULL, NULL, NULL },
        };
        if (!nv_qmp_register_table(server, cmds, NULL)) {
            abort();
        }
        machine_setup();
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
