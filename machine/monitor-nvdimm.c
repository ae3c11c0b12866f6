/*
 * machine/monitor-nvdimm.c — the monitor's NVDIMM commands, nvemu's own
 * (QEMU has none; named with QEMU's "x-" prefix for unstable commands,
 * docs/qmp.md): a DIMM's health and media errors set and read from the
 * host.
 *
 *   x-nvdimm-set-health          {id, health?, media-temperature?,
 *                                 controller-temperature?, spares?,
 *                                 life-used?, shutdown-state?,
 *                                 shutdown-count?, notify?}
 *   x-nvdimm-query-health        {id?}
 *   x-nvdimm-add-media-error     {addr? | id? offset?, length, notify?}
 *   x-nvdimm-clear-media-error   {addr? | id? offset?, length}
 *   x-nvdimm-query-media-errors  {id?}
 *
 * Every argument is checked before anything changes; a bad one is a
 * GenericError naming the command, the argument and the value.
 */
#include "monitor-int.h"
#include "nvdimm-host.h"

#include <string.h>

/* The NVDIMM @id (or /machine/peripheral/ID), or an error naming @cmd:
 * DeviceNotFound for no DIMM, GenericError for a pc-dimm. */
static NvDimm *find_nvdimm(NvMonitor *mon, const char *cmd, const char *id,
                           GError **errp)
{
    const char *name = id;
    if (g_str_has_prefix(name, "/machine/peripheral/")) {
        name += strlen("/machine/peripheral/");
    }
    NvDimm *d = nv_machine_find_dimm(mon->m, name);
    g_autofree char *q = nv_quote(id);
    if (!d) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_DEVICE_NOT_FOUND,
                    "%s: Device '%s' not found", cmd, q);
        return NULL;
    }
    if (d->kind != NV_DIMM_NVDIMM) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: device '%s' is a pc-dimm, not an nvdimm", cmd, q);
        return NULL;
    }
    return d;
}

/* ---- x-nvdimm-set-health --------------------------------------------- */

const NvQmpArg nv_monitor_set_health_args[] = {
    { "id", NV_QMP_ARG_STR, false },
    { "health", NV_QMP_ARG_STR, true },
    { "media-temperature", NV_QMP_ARG_NUMBER, true },
    { "controller-temperature", NV_QMP_ARG_NUMBER, true },
    { "spares", NV_QMP_ARG_INT, true },
    { "life-used", NV_QMP_ARG_INT, true },
    { "shutdown-state", NV_QMP_ARG_STR, true },
    { "shutdown-count", NV_QMP_ARG_INT, true },
    { "notify", NV_QMP_ARG_BOOL, true },
    { NULL, 0, false },
};

#define SET_HEALTH "x-nvdimm-set-health"

static bool get_temp(JsonObject *args, const char *key, bool *has,
                     uint16_t *t, GError **errp)
{
    if (!json_object_has_member(args, key)) {
        return true;
    }
    double c = json_object_get_double_member(args, key);
    if (!nv_health_temp_from_celsius(c, t)) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    SET_HEALTH ": %s %s is out of range (-2047.9375 to "
                    "2047.9375 degrees Celsius, in steps of 1/16)", key,
                    g_ascii_formatd(buf, sizeof(buf), "%.10g", c));
        return false;
    }
    *has = true;
    return true;
}

static bool get_uint(JsonObject *args, const char *key, gint64 max,
                     bool *has, gint64 *out, GError **errp)
{
    if (!json_object_has_member(args, key)) {
        return true;
    }
    gint64 v = json_object_get_int_member(args, key);
    if (v < 0 || v > max) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    SET_HEALTH ": %s %" G_GINT64_FORMAT " is out of range "
                    "(0 to %" G_GINT64_FORMAT ")", key, v, max);
        return false;
    }
    *has = true;
    *out = v;
    return true;
}

bool nv_monitor_parse_health(JsonObject *args, NvHealthUpdate *u,
                             NvDsmNotifyMode *notify, GError **errp)
{
    *u = (NvHealthUpdate) { 0 };
    *notify = NV_DSM_NOTIFY_AUTO;
    if (json_object_has_member(args, "notify")) {
        *notify = json_object_get_boolean_member(args, "notify")
                      ? NV_DSM_NOTIFY_ALWAYS : NV_DSM_NOTIFY_NEVER;
    }
    if (json_object_has_member(args, "health")) {
        const char *s = json_object_get_string_member(args, "health");
        if (!nv_health_state_parse(s, &u->health)) {
            g_autofree char *q = nv_quote(s);
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        SET_HEALTH ": health '%s' is not one of ok, "
                        "non-critical, critical, fatal", q);
            return false;
        }
        u->has_health = true;
    }
    if (json_object_has_member(args, "shutdown-state")) {
        const char *s = json_object_get_string_member(args,
                                                      "shutdown-state");
        if (strcmp(s, "clean") && strcmp(s, "dirty")) {
            g_autofree char *q = nv_quote(s);
            g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                        SET_HEALTH ": shutdown-state '%s' is not one of "
                        "clean, dirty", q);
            return false;
        }
        u->shutdown_state = strcmp(s, "dirty") == 0;
        u->has_shutdown_state = true;
    }
    gint64 spares = 0, used = 0, count = 0;
    if (!get_temp(args, "media-temperature", &u->has_media_temp,
                  &u->media_temp, errp) ||
        !get_temp(args, "controller-temperature", &u->has_ctrl_temp,
                  &u->ctrl_temp, errp) ||
        !get_uint(args, "spares", 100, &u->has_spares, &spares, errp) ||
        !get_uint(args, "life-used", 255, &u->has_life_used, &used, errp) ||
        !get_uint(args, "shutdown-count", UINT32_MAX,
                  &u->has_shutdown_count, &count, errp)) {
        return false;
    }
    u->spares = (uint8_t)spares;
    u->life_used = (uint8_t)used;
    u->shutdown_count = (uint32_t)count;
    return true;
}

static JsonNode *cmd_set_health(void *opaque, JsonObject *args, GError **errp)
{
    NvMonitor *mon = opaque;
    NvHealthUpdate u;
    NvDsmNotifyMode mode;
    NvDimm *d = find_nvdimm(mon, SET_HEALTH,
                            json_object_get_string_member(args, "id"), errp);
    if (!d || !nv_monitor_parse_health(args, &u, &mode, errp)) {
        return NULL;
    }
    bool notified = false;
    if (!nv_machine_set_health(mon->m, d, &u, mode, SET_HEALTH, &notified,
                               errp)) {
        return NULL;
    }
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "notified", notified);
    return obj_node(o);
}

/* ---- x-nvdimm-query-health --------------------------------------------- */

static const NvQmpArg query_health_args[] = {
    { "id", NV_QMP_ARG_STR, true },
    { NULL, 0, false },
};

static JsonObject *health_info(NvMonitor *mon, NvDimm *d)
{
    NvDimmHealth h;
    nv_machine_read_health(mon->m, d, &h);
    uint8_t alarms = nv_health_alarms(&h);
    JsonObject *o = json_object_new();
    if (d->id) {
        json_object_set_string_member(o, "id", d->id);
    }
    json_object_set_int_member(o, "slot", d->slot);
    json_object_set_string_member(o, "health",
                                  nv_health_state_name(h.health));
    json_object_set_double_member(o, "media-temperature",
                                  nv_health_temp_celsius(h.media_temp));
    json_object_set_double_member(o, "controller-temperature",
                                  nv_health_temp_celsius(h.ctrl_temp));
    json_object_set_int_member(o, "spares", h.spares);
    json_object_set_int_member(o, "life-used", h.life_used);
    json_object_set_string_member(o, "shutdown-state",
                                  h.shutdown_state ? "dirty" : "clean");
    json_object_set_int_member(o, "shutdown-count", h.shutdown_count);
    json_object_set_boolean_member(o, "alarm-media-temperature",
                                   (alarms & NV_ALARM_MEDIA_TEMP) != 0);
    json_object_set_boolean_member(o, "alarm-controller-temperature",
                                   (alarms & NV_ALARM_CTRL_TEMP) != 0);
    json_object_set_boolean_member(o, "alarm-spares",
                                   (alarms & NV_ALARM_SPARES) != 0);
    json_object_set_boolean_member(o, "alarm-enabled-media-temperature",
        (h.alarm_control & NV_ALARM_MEDIA_TEMP) != 0);
    json_object_set_boolean_member(o,
        "alarm-enabled-controller-temperature",
        (h.alarm_control & NV_ALARM_CTRL_TEMP) != 0);
    json_object_set_boolean_member(o, "alarm-enabled-spares",
                                   (h.alarm_control & NV_ALARM_SPARES) != 0);
    json_object_set_double_member(o, "media-temperature-threshold",
        nv_health_temp_celsius(h.media_temp_threshold));
    json_object_set_double_member(o, "controller-temperature-threshold",
        nv_health_temp_celsius(h.ctrl_temp_threshold));
    json_object_set_int_member(o, "spares-threshold", h.spares_threshold);
    json_object_set_boolean_member(o, "latch-shutdown", h.latch_shutdown);
    return o;
}

static JsonNode *cmd_query_health(void *opaque, JsonObject *args,
                                  GError **errp)
{
    NvMonitor *mon = opaque;
    JsonArray *a = json_array_new();
    if (json_object_has_member(args, "id")) {
        NvDimm *d = find_nvdimm(mon, "x-nvdimm-query-health",
                                json_object_get_string_member(args, "id"),
                                errp);
        if (!d) {
            json_array_unref(a);
            return NULL;
        }
        json_array_add_object_element(a, health_info(mon, d));
    } else {
        GPtrArray *dimms = nv_machine_dimms(mon->m);
        for (guint i = 0; i < dimms->len; i++) {
            NvDimm *d = g_ptr_array_index(dimms, i);
            if (d->kind == NV_DIMM_NVDIMM) {
                json_array_add_object_element(a, health_info(mon, d));
            }
        }
    }
    return arr_node(a);
}

/* ---- media errors ------------------------------------------------------ */

const NvQmpArg nv_monitor_media_error_args[] = {
    { "addr", NV_QMP_ARG_INT, true },
    { "id", NV_QMP_ARG_STR, true },
    { "offset", NV_QMP_ARG_INT, true },
    { "length", NV_QMP_ARG_INT, false },
    { "notify", NV_QMP_ARG_BOOL, true },
    { NULL, 0, false },
};

static const NvQmpArg clear_media_error_args[] = {
    { "addr", NV_QMP_ARG_INT, true },
    { "id", NV_QMP_ARG_STR, true },
    { "offset", NV_QMP_ARG_INT, true },
    { "length", NV_QMP_ARG_INT, false },
    { NULL, 0, false },
};

static bool get_u64(const char *cmd, JsonObject *args, const char *key,
                    uint64_t *out, GError **errp)
{
    gint64 v = json_object_get_int_member(args, key);
    if (v < 0) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: %s %" G_GINT64_FORMAT " is negative", cmd, key, v);
        return false;
    }
    if ((uint64_t)v % NV_MEDIA_ERR_UNIT) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: %s 0x%" G_GINT64_MODIFIER "x is not a multiple of "
                    "the clear unit %u", cmd, key, (uint64_t)v,
                    NV_MEDIA_ERR_UNIT);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

bool nv_monitor_parse_media_range(const char *cmd, JsonObject *args,
                                  const char **id, uint64_t *start,
                                  uint64_t *len, GError **errp)
{
    bool addr = json_object_has_member(args, "addr");
    bool has_id = json_object_has_member(args, "id");
    bool off = json_object_has_member(args, "offset");
    if (addr ? has_id || off : !has_id || !off) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: give either addr (a guest physical address) or "
                    "id and offset (in the DIMM)", cmd);
        return false;
    }
    *id = has_id ? json_object_get_string_member(args, "id") : NULL;
    if (!get_u64(cmd, args, addr ? "addr" : "offset", start, errp) ||
        !get_u64(cmd, args, "length", len, errp)) {
        return false;
    }
    if (*len == 0) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "%s: length 0: the range is empty", cmd);
        return false;
    }
    return true;
}

/* add (@remove false) or clear, by address or DIMM offset */
static JsonNode *media_cmd(NvMonitor *mon, const char *cmd, bool remove,
                           JsonObject *args, GError **errp)
{
    const char *id;
    uint64_t start, len;
    if (!nv_monitor_parse_media_range(cmd, args, &id, &start, &len, errp)) {
        return NULL;
    }
    NvDimm *d = NULL;
    if (id && !(d = find_nvdimm(mon, cmd, id, errp))) {
        return NULL;
    }
    bool notify = json_object_has_member(args, "notify") &&
                  json_object_get_boolean_member(args, "notify");
    bool notified;
    uint64_t cleared;
    if (!nv_machine_media_error(mon->m, d, remove, start, len, notify, cmd,
                                &notified, &cleared, errp)) {
        return NULL;
    }
    JsonObject *o = json_object_new();
    if (remove) {
        json_object_set_int_member(o, "cleared", (gint64)cleared);
    } else {
        json_object_set_boolean_member(o, "notified", notified);
    }
    return obj_node(o);
}

static JsonNode *cmd_add_media_error(void *opaque, JsonObject *args,
                                     GError **errp)
{
    return media_cmd(opaque, "x-nvdimm-add-media-error", false, args, errp);
}

static JsonNode *cmd_clear_media_error(void *opaque, JsonObject *args,
                                       GError **errp)
{
    return media_cmd(opaque, "x-nvdimm-clear-media-error", true, args,
                     errp);
}

typedef struct {
    const NvDimm *only;   /* or NULL: every DIMM */
    JsonArray *a;
} MediaList;

static void media_entry(void *opaque, const NvDimm *d, const NvMediaError *e)
{
    MediaList *l = opaque;
    if (l->only && l->only != d) {
        return;
    }
    JsonObject *o = json_object_new();
    if (d->id) {
        json_object_set_string_member(o, "id", d->id);
    }
    json_object_set_int_member(o, "slot", d->slot);
    json_object_set_int_member(o, "offset", (gint64)e->offset);
    json_object_set_int_member(o, "length", (gint64)e->length);
    json_object_set_int_member(o, "addr", (gint64)(d->addr + e->offset));
    json_object_set_boolean_member(o, "known", e->known);
    json_array_add_object_element(l->a, o);
}

static JsonNode *cmd_query_media_errors(void *opaque, JsonObject *args,
                                        GError **errp)
{
    NvMonitor *mon = opaque;
    MediaList l = { NULL, NULL };
    if (json_object_has_member(args, "id") &&
        !(l.only = find_nvdimm(mon, "x-nvdimm-query-media-errors",
                               json_object_get_string_member(args, "id"),
                               errp))) {
        return NULL;
    }
    l.a = json_array_new();
    nv_machine_media_errors(mon->m, media_entry, &l);
    return arr_node(l.a);
}

const NvQmpCommand nv_monitor_nvdimm_commands[] = {
    { SET_HEALTH, nv_monitor_set_health_args, cmd_set_health, NULL },
    { "x-nvdimm-query-health", query_health_args, cmd_query_health, NULL },
    { "x-nvdimm-add-media-error", nv_monitor_media_error_args,
      cmd_add_media_error, NULL },
    { "x-nvdimm-clear-media-error", clear_media_error_args,
      cmd_clear_media_error, NULL },
    { "x-nvdimm-query-media-errors", query_health_args,
      cmd_query_media_errors, NULL },
    { NULL, NULL, NULL, NULL },
};
