/*
 * machine/monitor-memory.c — the monitor's memory commands: object-add,
 * object-del, device_add, device_del (machine/hotplug.h does the work),
 * query-memory-devices, query-acpi-ospm-status, query-memory-size-summary,
 * and the events DEVICE_DELETED and ACPI_DEVICE_OST.
 *
 * Arguments are QEMU 7.2's (qapi/qom.json, qdev.json): flat, typed as its
 * QMP input visitor takes them (sizes and numbers as JSON integers, flags
 * as JSON booleans; a string "1G" for a size is a type error there and
 * here). They become the same -object / -device option text the command
 * line parses, so the properties, checks and messages are the command
 * line's, prefixed with the command.
 */
#include "monitor-int.h"

#include <string.h>

/* ---- arguments to option text ---------------------------------------- */

const NvQmpArg nv_monitor_object_add_args[] = {
    { "qom-type", NV_QMP_ARG_STR, false },
    { "id", NV_QMP_ARG_STR, false },
    { "size", NV_QMP_ARG_INT, true },
    { "mem-path", NV_QMP_ARG_STR, true },
    { "share", NV_QMP_ARG_BOOL, true },
    { "readonly", NV_QMP_ARG_BOOL, true },
    { "pmem", NV_QMP_ARG_BOOL, true },
    { "align", NV_QMP_ARG_INT, true },
    { "prealloc", NV_QMP_ARG_BOOL, true },
    { NULL, 0, false },
};

const NvQmpArg nv_monitor_device_add_args[] = {
    { "driver", NV_QMP_ARG_STR, false },
    { "id", NV_QMP_ARG_STR, true },
    { "memdev", NV_QMP_ARG_STR, true },
    { "slot", NV_QMP_ARG_INT, true },
    { "node", NV_QMP_ARG_INT, true },
    { "addr", NV_QMP_ARG_INT, true },
    { "label-size", NV_QMP_ARG_INT, true },
    { "label-file", NV_QMP_ARG_STR, true },
    { "uuid", NV_QMP_ARG_STR, true },
    { "unarmed", NV_QMP_ARG_BOOL, true },
    /* nvemu's own (docs/health.md), as on -device nvdimm */
    { "state-file", NV_QMP_ARG_STR, true },
    { "health", NV_QMP_ARG_STR, true },
    { "media-temperature", NV_QMP_ARG_NUMBER, true },
    { "controller-temperature", NV_QMP_ARG_NUMBER, true },
    { "spares", NV_QMP_ARG_INT, true },
    { "life-used", NV_QMP_ARG_INT, true },
    { "media-error", NV_QMP_ARG_ANY, true }, /* "OFF:LEN", or a list */
    { NULL, 0, false },
};

static const NvQmpArg id_args[] = {
    { "id", NV_QMP_ARG_STR, false },
    { NULL, 0, false },
};

static void append_opt(GString *t, const char *key, const char *val)
{
    g_auto(GStrv) parts = g_strsplit(val, ",", -1);
    g_autofree char *esc = g_strjoinv(",,", parts);
    g_string_append_printf(t, "%s%s=%s", t->len ? "," : "", key, esc);
}

/* media-error: one "OFFSET:LENGTH" string, or a list of them (the
 * command line's media-error.0=, media-error.1=, ...). */
static bool media_errors_text(const char *cmd, JsonNode *n, GString *t,
                              GError **errp)
{
    if (JSON_NODE_HOLDS_VALUE(n) &&
        json_node_get_value_type(n) == G_TYPE_STRING) {
        append_opt(t, "media-error", json_node_get_string(n));
        return true;
    }
    JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        if (!JSON_NODE_HOLDS_VALUE(e) ||
            json_node_get_value_type(e) != G_TYPE_STRING) {
            a = NULL;
            break;
        }
        g_autofree char *key = g_strdup_printf("media-error.%u", i);
        append_opt(t, key, json_node_get_string(e));
    }
    if (!a) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: Invalid parameter type for 'media-error', expected: "
                    "string or array of strings", cmd);
        return false;
    }
    return true;
}

/* "key=value,..." of @args (schema-checked: known keys, right types);
 * commas in strings doubled. A negative integer is an error, except
 * slot=-1, QEMU's "any slot" (PC_DIMM_UNASSIGNED_SLOT): left out; a
 * temperature may be negative or fractional. */
static char *opts_text(const char *cmd, JsonObject *args, GError **errp)
{
    g_autoptr(GString) t = g_string_new(NULL);
    g_autoptr(GList) names = json_object_get_members(args);
    for (GList *l = names; l; l = l->next) {
        const char *key = l->data;
        JsonNode *n = json_object_get_member(args, key);
        if (!strcmp(key, "media-error")) {
            if (!media_errors_text(cmd, n, t, errp)) {
                return NULL;
            }
            continue;
        }
        GType type = json_node_get_value_type(n);
        g_autofree char *val = NULL;
        if (g_str_has_suffix(key, "-temperature")) {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            val = g_strdup(g_ascii_dtostr(buf, sizeof(buf),
                                          json_node_get_double(n)));
        } else if (type == G_TYPE_BOOLEAN) {
            val = g_strdup(json_node_get_boolean(n) ? "on" : "off");
        } else if (type == G_TYPE_INT64) {
            gint64 v = json_node_get_int(n);
            if (v == -1 && !strcmp(key, "slot")) {
                continue;
            }
            if (v < 0) {
                g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "%s: %s=%"
                            G_GINT64_FORMAT " is negative", cmd, key, v);
                return NULL;
            }
            val = g_strdup_printf("%" G_GINT64_FORMAT, v);
        } else {
            val = g_strdup(json_node_get_string(n));
        }
        append_opt(t, key, val);
    }
    return g_strdup(t->str);
}

NvHostMem *nv_monitor_parse_object(JsonObject *args, GError **errp)
{
    g_autofree char *text = opts_text("object-add", args, errp);
    g_autoptr(NvOpts) o = text ? nv_opts_parse(text, NULL, errp) : NULL;
    NvHostMem *hm = o ? nv_hostmem_new_from_opts(o, errp) : NULL;
    if (text && !hm) {
        nv_error_prefix(errp, "object-add");
    }
    return hm;
}

NvDimm *nv_monitor_parse_device(JsonObject *args, GError **errp)
{
    g_autofree char *text = opts_text("device_add", args, errp);
    g_autoptr(NvOpts) o = text ? nv_opts_parse(text, NULL, errp) : NULL;
    NvDimm *d = o ? nv_dimm_new_from_opts(o, errp) : NULL;
    if (text && !d) {
        nv_error_prefix(errp, "device_add");
        return NULL;
    }
    if (d) {
        /* messages name the command: "device_add pc-dimm,id=dimm1: ..." */
        g_free(d->name);
        d->name = d->id ? g_strdup_printf("device_add %s,id=%s",
                                          nv_dimm_kind_name(d->kind), d->id)
                        : g_strdup_printf("device_add %s",
                                          nv_dimm_kind_name(d->kind));
    }
    return d;
}

/* ---- commands ------------------------------------------------------------ */

static JsonNode *cmd_object_add(void *opaque, JsonObject *args,
                                GError **errp)
{
    NvMonitor *mon = opaque;
    NvHostMem *hm = nv_monitor_parse_object(args, errp);
    if (!hm) {
        return NULL;
    }
    g_autofree char *who = g_strdup_printf(
        "object-add %s,id=%s", json_object_get_string_member(args,
                                                             "qom-type"),
        hm->cfg.id);
    if (!nv_machine_add_backend(mon->m, hm, who, errp)) {
        nv_hostmem_free(hm);
    }
    return NULL;
}

static JsonNode *cmd_object_del(void *opaque, JsonObject *args,
                                GError **errp)
{
    NvMonitor *mon = opaque;
    const char *id = json_object_get_string_member(args, "id");
    NvHostMem *hm = nv_machine_find_backend(mon->m, id);
    if (!hm) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "object-del: object '%s' not found", id);
        return NULL;
    }
    nv_machine_del_backend(mon->m, hm, errp);
    return NULL;
}

static JsonNode *cmd_device_add(void *opaque, JsonObject *args,
                                GError **errp)
{
    NvMonitor *mon = opaque;
    NvDimm *d = nv_monitor_parse_device(args, errp);
    if (d && !nv_machine_plug_dimm(mon->m, d, errp)) {
        nv_dimm_free(d);
    }
    return NULL;
}

/* QEMU takes a qdev id or a QOM path; a DIMM's path is
 * /machine/peripheral/ID. */
static NvDimm *find_device(NvMonitor *mon, const char *id)
{
    if (g_str_has_prefix(id, "/machine/peripheral/")) {
        id += strlen("/machine/peripheral/");
    }
    return nv_machine_find_dimm(mon->m, id);
}

static JsonNode *cmd_device_del(void *opaque, JsonObject *args,
                                GError **errp)
{
    NvMonitor *mon = opaque;
    const char *id = json_object_get_string_member(args, "id");
    NvDimm *d = find_device(mon, id);
    if (!d) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found", id);
        return NULL;
    }
    if (d->kind == NV_DIMM_NVDIMM) {
        /* QEMU's words (pc_memory_unplug_request); Linux cannot take an
         * NFIT entry away either */
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "nvdimm device hot unplug is not supported yet.");
        return NULL;
    }
    nv_machine_unplug_dimm(mon->m, d, errp);
    return NULL;
}

static JsonNode *cmd_query_memory_size_summary(void *opaque, JsonObject *args,
                                               GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "base-memory",
                               (gint64)nv_machine_ram_size(mon->m));
    /* As QEMU: only a machine with device memory (maxmem above -m) has
     * plugged-memory; the DIMMs' guest-visible sizes (an NVDIMM's without
     * its label area). */
    if (mon->cfg->board.maxmem > mon->cfg->board.ram_size) {
        GPtrArray *dimms = nv_machine_dimms(mon->m);
        uint64_t sum = 0;
        for (guint i = 0; i < dimms->len; i++) {
            sum += ((NvDimm *)g_ptr_array_index(dimms, i))->size;
        }
        json_object_set_int_member(o, "plugged-memory", (gint64)sum);
    }
    return obj_node(o);
}

static JsonNode *cmd_query_memory_devices(void *opaque, JsonObject *args,
                                          GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    GPtrArray *dimms = nv_machine_dimms(mon->m);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        JsonObject *data = json_object_new();
        if (d->id) {
            json_object_set_string_member(data, "id", d->id);
        }
        json_object_set_int_member(data, "addr", (gint64)d->addr);
        json_object_set_int_member(data, "size", (gint64)d->size);
        json_object_set_int_member(data, "slot", d->slot);
        json_object_set_int_member(data, "node", d->node);
        g_autofree char *memdev = g_strdup_printf("/objects/%s",
                                                  d->memdev_id);
        json_object_set_string_member(data, "memdev", memdev);
        json_object_set_boolean_member(data, "hotplugged", d->hotplugged);
        json_object_set_boolean_member(data, "hotpluggable", TRUE);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "type", d->kind == NV_DIMM_NVDIMM ?
                                      "nvdimm" : "dimm");
        json_object_set_object_member(o, "data", data);
        json_array_add_object_element(a, o);
    }
    return arr_node(a);
}

/* QEMU's ACPIOSTInfo: device (the slot's DIMM's id, when it holds one),
 * slot as a string, slot-type, the last _OST source and status. */
static JsonObject *ost_info(uint32_t slot, const char *id, uint32_t event,
                            uint32_t status)
{
    JsonObject *o = json_object_new();
    if (id) {
        json_object_set_string_member(o, "device", id);
    }
    g_autofree char *s = g_strdup_printf("%u", slot);
    json_object_set_string_member(o, "slot", s);
    json_object_set_string_member(o, "slot-type", "DIMM");
    json_object_set_int_member(o, "source", event);
    json_object_set_int_member(o, "status", status);
    return o;
}

/* One entry per DIMM slot (the memory hotplug controller's), as QEMU's
 * acpi_memory_ospm_status(); nvemu has no CPU hotplug slots. */
static JsonNode *cmd_query_acpi_ospm_status(void *opaque, JsonObject *args,
                                            GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    JsonArray *a = json_array_new();
    for (uint32_t i = 0; i < mon->cfg->board.slots; i++) {
        uint32_t event, status;
        nv_machine_slot_ost(mon->m, i, &event, &status);
        NvDimm *d = nv_machine_slot_dimm(mon->m, i);
        /* an NVDIMM's slot stays empty in the controller (memhp.h) */
        bool pc = d && d->kind == NV_DIMM_PC;
        json_array_add_object_element(a, ost_info(i, pc ? d->id : NULL,
                                                  event, status));
    }
    return arr_node(a);
}

const NvQmpCommand nv_monitor_memory_commands[] = {
    { "object-add", nv_monitor_object_add_args, cmd_object_add, NULL },
    { "object-del", id_args, cmd_object_del, NULL },
    { "device_add", nv_monitor_device_add_args, cmd_device_add, NULL },
    { "device_del", id_args, cmd_device_del, NULL },
    { "query-memory-size-summary", NULL, cmd_query_memory_size_summary, NULL },
    { "query-memory-devices", NULL, cmd_query_memory_devices, NULL },
    { "query-acpi-ospm-status", NULL, cmd_query_acpi_ospm_status, NULL },
    { NULL, NULL, NULL, NULL },
};

/* ---- events --------------------------------------------------------------- */

static void on_deleted(void *opaque, const char *id)
{
    NvMonitor *mon = opaque;
    JsonObject *data = json_object_new();
    if (id) {
        json_object_set_string_member(data, "device", id);
    }
    g_autofree char *path = id ? g_strdup_printf("/machine/peripheral/%s", id)
                               : g_strdup("/machine/peripheral-anon/dimm");
    json_object_set_string_member(data, "path", path);
    nv_qmp_emit_event(mon->server, "DEVICE_DELETED", data);
    json_object_unref(data);
}

static void on_ost(void *opaque, uint32_t slot, const char *id,
                   uint32_t event, uint32_t status)
{
    NvMonitor *mon = opaque;
    JsonObject *data = json_object_new();
    json_object_set_object_member(data, "info",
                                  ost_info(slot, id, event, status));
    nv_qmp_emit_event(mon->server, "ACPI_DEVICE_OST", data);
    json_object_unref(data);
}

void nv_monitor_memory_events(NvMonitor *mon)
{
    const NvHotplugEvents ev = { on_deleted, on_ost, mon };
    nv_machine_set_hotplug_events(mon->m, &ev);
}
