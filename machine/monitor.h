/*
 * machine/monitor.h — nvemu's QMP monitor (monitor.c): a qmp/ server on
 * the machine's main-thread context, listening on every -qmp, with the
 * machine's commands registered from one table and the run-state events.
 *
 * Commands (besides qmp/'s qmp_capabilities, query-version,
 * query-commands): query-status, stop, cont, system_reset,
 * system_powerdown, quit, query-cpus-fast, query-kvm; and
 * (monitor-memory.c) object-add, object-del, device_add, device_del,
 * query-memory-size-summary, query-memory-devices, query-acpi-ospm-status;
 * (monitor-nvdimm.c, nvemu's own) x-nvdimm-set-health,
 * x-nvdimm-query-health, x-nvdimm-add-media-error,
 * x-nvdimm-clear-media-error, x-nvdimm-query-media-errors.
 * Events: STOP, RESUME (from stop and cont), POWERDOWN, RESET and SHUTDOWN
 * (from nv_monitor_boot_ended(), with QEMU's guest and reason),
 * DEVICE_DELETED and ACPI_DEVICE_OST (memory hotplug).
 *
 * Threads: everything here runs on the main thread (the machine's
 * GMainContext). Sockets are served while a boot's loop runs; what a client
 * sends between two boots (a guest reset) waits in its socket and is
 * answered once the next boot's loop runs. The monitor outlives the boots.
 */
#ifndef NVEMU_MONITOR_H
#define NVEMU_MONITOR_H

#include "qmp.h"
#include "vm.h"

typedef struct NvMonitor NvMonitor;

/* A server with the machine's commands, no socket yet. @cfg (planned) and
 * @m are borrowed for the monitor's life. */
NvMonitor *nv_monitor_new(NvMachine *m, const NvConfig *cfg);
/* Listen on each NvQmpListenConfig of @listen. On failure the sockets
 * created so far are removed by nv_monitor_free(). */
bool nv_monitor_listen(NvMonitor *mon, GPtrArray *listen, GError **errp);
/* The server, for clients fed directly (tests). */
NvQmpServer *nv_monitor_server(NvMonitor *mon);
/*
 * nv_machine_boot() returned @r (not NV_POWER_NONE): send what QEMU sends
 * for it. A reset: RESET {guest, reason}, or with -no-reboot SHUTDOWN with
 * the same guest and reason; power-off: SHUTDOWN {true, "guest-shutdown"};
 * quit: SHUTDOWN {false, "host-qmp-quit"}; a stop signal: SHUTDOWN {false,
 * "host-signal"}. A reset system_reset asked for is {false,
 * "host-qmp-system-reset"}, the guest's own {true, "guest-reset"}. @mon
 * may be NULL (no -qmp): nothing.
 */
void nv_monitor_boot_ended(NvMonitor *mon, NvPowerRequest r);
/* device_add / object-add arguments (schema-checked, flat) to a DIMM or
 * a backend as -device / -object text would give, without side effects
 * (monitor-memory.c; the fuzzer drives these directly). */
NvDimm *nv_monitor_parse_device(JsonObject *args, GError **errp);
NvHostMem *nv_monitor_parse_object(JsonObject *args, GError **errp);
/* Their argument schemas (what QMP checks before the handler runs). */
extern const NvQmpArg nv_monitor_object_add_args[];
extern const NvQmpArg nv_monitor_device_add_args[];
/* x-nvdimm-set-health's arguments (schema-checked) to a health update
 * and notify mode, every value checked, without side effects
 * (monitor-nvdimm.c; the fuzzer drives it directly), and its schema. */
bool nv_monitor_parse_health(JsonObject *args, NvHealthUpdate *u,
                             NvDsmNotifyMode *notify, GError **errp);
extern const NvQmpArg nv_monitor_set_health_args[];
/* x-nvdimm-add-media-error's and -clear-media-error's range: addr, or id
 * and offset; length; each a multiple of the clear unit, length > 0.
 * *id is NULL for addr (then *start is a guest physical address). */
bool nv_monitor_parse_media_range(const char *cmd, JsonObject *args,
                                  const char **id, uint64_t *start,
                                  uint64_t *len, GError **errp);
extern const NvQmpArg nv_monitor_media_error_args[];
/* Flush what the sockets take, close every client, remove the sockets.
 * Before nv_machine_free(). NULL: nothing. */
void nv_monitor_free(NvMonitor *mon);

#endif
