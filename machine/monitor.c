/*
 * machine/monitor.c — the QMP monitor of a running nvemu (monitor.h): the
 * machine's commands as one table for qmp/, and the run-state events.
 *
 * Replies and events follow QEMU 7.2 (Debian 12's), qapi/run-state.json,
 * machine.json, acpi.json: member names, the memory-device union
 * {"type", "data"}, the backend as its QOM path "/objects/ID", SHUTDOWN and
 * RESET reasons (ShutdownCause).
 */
#include "monitor-int.h"


/* ---- helpers ------------------------------------------------------------ */

/* stop, cont and system_reset act on a guest: not before the first boot
 * runs, nor once the machine has shut down. */
static bool guest_active(NvMonitor *mon, const char *cmd, GError **errp)
{
    NvRunState s = nv_machine_status(mon->m);
    if (s == NV_RUN_RUNNING || s == NV_RUN_PAUSED) {
        return true;
    }
    g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                "%s: no guest is running (status '%s')", cmd,
                nv_run_state_name(s));
    return false;
}

/* ---- commands ------------------------------------------------------------- */

static JsonNode *cmd_query_status(void *opaque, JsonObject *args,
                                  GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    NvRunState s = nv_machine_status(mon->m);
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "status", nv_run_state_name(s));
    /* QEMU 7.2 still has it (deprecated in 8.1, removed in 9.1). */
    json_object_set_boolean_member(o, "singlestep", FALSE);
    json_object_set_boolean_member(o, "running", s == NV_RUN_RUNNING);
    return obj_node(o);
}

static JsonNode *cmd_stop(void *opaque, JsonObject *args, GError **errp)
{
    (void)args;
    NvMonitor *mon = opaque;
    if (!guest_active(mon, "stop", errp)) {
        return NULL;
    }
    if (!mon->paused) {             /* QEMU: stop when stopped does nothing */
        nv_machine_pause(mon->m);   /* returns with every vCPU parked */
        mon->paused = true;
        nv_qmp_emit_event(mon->server, "STOP", NULL);
    }
    return NULL;
}

static JsonNode *cmd_cont(void *opaque, JsonObject *args, GError **errp)
{
    (void)args;
    NvMonitor *mon = opaque;
    if (!guest_active(mon, "cont", errp)) {
        return NULL;
    }
    if (mon->paused) {
        nv_machine_resume(mon->m);
        mon->paused = false;
        nv_qmp_emit_event(mon->server, "RESUME", NULL);
    }
    return NULL;
}

static JsonNode *cmd_system_reset(void *opaque, JsonObject *args,
                                  GError **errp)
{
    (void)args;
    NvMonitor *mon = opaque;
    if (!guest_active(mon, "system_reset", errp)) {
        return NULL;
    }
    if (!nv_machine_request_reset(mon->m)) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "system_reset: no guest is running (between two boots)");
        return NULL;
    }
    mon->reset_asked = true; /* RESET goes out when the boot has ended */
    return NULL;
}

static gboolean emit_powerdown(gpointer opaque)
{
    NvMonitor *mon = opaque;
    g_source_unref(mon->powerdown);
    mon->powerdown = NULL;
    nv_qmp_emit_event(mon->server, "POWERDOWN", NULL);
    return G_SOURCE_REMOVE;
}

/* QEMU's order: the reply, then POWERDOWN (its main loop sends it, and
 * requests not yet sent are one); SHUTDOWN (guest, "guest-shutdown") only
 * if and when the guest powers itself off. A guest that does not listen
 * for its power button keeps running, as on QEMU. */
static JsonNode *cmd_system_powerdown(void *opaque, JsonObject *args,
                                      GError **errp)
{
    (void)args;
    NvMonitor *mon = opaque;
    if (!guest_active(mon, "system_powerdown", errp)) {
        return NULL;
    }
    if (!nv_machine_request_powerdown(mon->m)) {
        g_set_error(errp, NV_QMP_ERROR, NV_QMP_ERROR_GENERIC,
                    "system_powerdown: no guest is running (between two "
                    "boots)");
        return NULL;
    }
    if (!mon->powerdown) {
        mon->powerdown = g_idle_source_new();
        g_source_set_callback(mon->powerdown, emit_powerdown, mon, NULL);
        g_source_attach(mon->powerdown, nv_machine_context(mon->m));
    }
    return NULL;
}

static JsonNode *cmd_quit(void *opaque, JsonObject *args, GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    /* The reply goes out now; the boot ends, main.c flushes the DIMMs,
     * SHUTDOWN follows and nv_monitor_free() closes the sockets. */
    nv_machine_quit(mon->m);
    return NULL;
}

static JsonNode *cmd_query_cpus_fast(void *opaque, JsonObject *args,
                                     GError **errp)
{
    (void)args, (void)errp;
    NvMonitor *mon = opaque;
    GArray *tids = nv_machine_vcpu_tids(mon->m);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < tids->len; i++) {
        JsonObject *o = json_object_new();
        json_object_set_int_member(o, "cpu-index", i);
        g_autofree char *path = g_strdup_printf(
            "/machine/unattached/device[%u]", i);
        json_object_set_string_member(o, "qom-path", path);
        json_object_set_int_member(o, "thread-id",
                                   g_array_index(tids, int, i));
        /* QEMU's pc default topology for -smp N: N sockets of one core */
        JsonObject *props = json_object_new();
        json_object_set_int_member(props, "core-id", 0);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_int_member(props, "socket-id", i);
        json_object_set_object_member(o, "props", props);
        json_object_set_string_member(o, "target", "x86_64");
        json_array_add_object_element(a, o);
    }
    g_array_unref(tids);
    return arr_node(a);
}

static JsonNode *cmd_query_kvm(void *opaque, JsonObject *args, GError **errp)
{
    (void)opaque, (void)args, (void)errp;
    JsonObject *o = json_object_new();
    json_object_set_boolean_member(o, "enabled", TRUE);
    json_object_set_boolean_member(o, "present", TRUE);
    return obj_node(o);
}

/* The machine's commands; opaque is filled in by nv_monitor_new(). */
static const NvQmpCommand machine_commands[] = {
    { "query-status", NULL, cmd_query_status, NULL },
    { "stop", NULL, cmd_stop, NULL },
    { "cont", NULL, cmd_cont, NULL },
    { "system_reset", NULL, cmd_system_reset, NULL },
    { "system_powerdown", NULL, cmd_system_powerdown, NULL },
    { "quit", NULL, cmd_quit, NULL },
    { "query-cpus-fast", NULL, cmd_query_cpus_fast, NULL },
    { "query-kvm", NULL, cmd_query_kvm, NULL },
    { NULL, NULL, NULL, NULL },
};

/* ---- the monitor ----------------------------------------------------------- */

NvMonitor *nv_monitor_new(NvMachine *m, const NvConfig *cfg)
{
    NvMonitor *mon = g_new0(NvMonitor, 1);
    mon->m = m;
    mon->cfg = cfg;
    mon->server = nv_qmp_server_new(nv_machine_context(m));
    const NvQmpCommand *tables[] = { machine_commands,
                                     nv_monitor_memory_commands,
                                     nv_monitor_nvdimm_commands };
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (const NvQmpCommand *c = tables[t]; c->name; c++) {
            NvQmpCommand cmd = *c;
            cmd.opaque = mon;
            g_autoptr(GError) err = NULL;
            if (!nv_qmp_register(mon->server, &cmd, &err)) {
                g_error("monitor: %s", err->message); /* static: a bug */
            }
        }
    }
    nv_monitor_memory_events(mon);
    return mon;
}

bool nv_monitor_listen(NvMonitor *mon, GPtrArray *listen, GError **errp)
{
    for (guint i = 0; i < listen->len; i++) {
        if (!nv_qmp_server_listen(mon->server, g_ptr_array_index(listen, i),
                                  errp)) {
            return false;
        }
    }
    return true;
}

NvQmpServer *nv_monitor_server(NvMonitor *mon)
{
    return mon->server;
}

static void emit_cause(NvMonitor *mon, const char *event, bool guest,
                       const char *reason)
{
    JsonObject *data = json_object_new();
    json_object_set_boolean_member(data, "guest", guest);
    json_object_set_string_member(data, "reason", reason);
    nv_qmp_emit_event(mon->server, event, data);
    json_object_unref(data);
}

void nv_monitor_boot_ended(NvMonitor *mon, NvPowerRequest r)
{
    if (!mon) {
        return;
    }
    if (mon->powerdown) { /* not sent yet: it goes before the boot's end */
        g_source_destroy(mon->powerdown);
        emit_powerdown(mon);
    }
    bool asked = mon->reset_asked;
    mon->reset_asked = false; /* power-off beat the reset: it is spent */
    switch (r) {
    case NV_POWER_RESET:
        /* QEMU with -no-reboot turns a reset into a shutdown, same cause */
        emit_cause(mon, mon->cfg->no_reboot ? "SHUTDOWN" : "RESET", !asked,
                   asked ? "host-qmp-system-reset" : "guest-reset");
        break;
    case NV_POWER_OFF:
        emit_cause(mon, "SHUTDOWN", true, "guest-shutdown");
        break;
    case NV_POWER_QUIT:
        emit_cause(mon, "SHUTDOWN", false, "host-qmp-quit");
        break;
    case NV_POWER_SIGNAL:
        emit_cause(mon, "SHUTDOWN", false, "host-signal");
        break;
    case NV_POWER_NONE:
        break; /* a failed boot: nvemu exits 1 with its error line */
    }
}

void nv_monitor_free(NvMonitor *mon)
{
    if (mon) {
        nv_machine_set_hotplug_events(mon->m, NULL);
        if (mon->powerdown) {
            g_source_destroy(mon->powerdown);
            g_source_unref(mon->powerdown);
        }
        nv_qmp_server_free(mon->server);
        g_free(mon);
    }
}
