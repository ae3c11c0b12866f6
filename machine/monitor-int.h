/*
 * machine/monitor-int.h — the monitor's state, shared by monitor.c (the
 * run-state commands and events) and monitor-memory.c (memory hotplug and
 * the memory queries).
 */
#ifndef NVEMU_MONITOR_INT_H
#define NVEMU_MONITOR_INT_H

#include "hotplug.h"
#include "monitor.h"

struct NvMonitor {
    NvMachine *m;
    const NvConfig *cfg;
    NvQmpServer *server;
    bool paused;          /* stop holds a machine pause (until cont) */
    bool reset_asked;     /* system_reset latched the boot's reset */
    GSource *powerdown;   /* POWERDOWN to send after the reply, or NULL */
};

static inline JsonNode *obj_node(JsonObject *o)
{
    JsonNode *n = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    return n;
}

static inline JsonNode *arr_node(JsonArray *a)
{
    JsonNode *n = json_node_init_array(json_node_alloc(), a);
    json_array_unref(a);
    return n;
}

/* monitor-memory.c: object-add, object-del, device_add, device_del,
 * query-memory-devices, query-acpi-ospm-status, query-memory-size-summary
 * (opaque: the monitor), and the machine's hotplug events wired to
 * DEVICE_DELETED and ACPI_DEVICE_OST. */
extern const NvQmpCommand nv_monitor_memory_commands[];
void nv_monitor_memory_events(NvMonitor *mon);
/* monitor-nvdimm.c: x-nvdimm-set-health, x-nvdimm-query-health,
 * x-nvdimm-add-media-error, x-nvdimm-clear-media-error,
 * x-nvdimm-query-media-errors (opaque: the monitor). */
extern const NvQmpCommand nv_monitor_nvdimm_commands[];

#endif
