/*
 * machine/nvdimm-host.h — an NVDIMM's run-time state changed and read
 * from the host (nvdimm-host.c), for the monitor's x-nvdimm-* commands
 * (monitor-nvdimm.c, docs/qmp.md): its health now, its media errors once
 * the ARS model lands.
 *
 * On the main thread. The machine's coarse lock is taken, then, while a
 * boot runs, the board's DSM lock: a guest _DSM call sees the state
 * before or after a change, never half of it. Before the first boot and
 * between two boots there is no DSM: the change is made directly and
 * nothing can be notified. After the machine has shut down (the state
 * files are written clean) changes are refused.
 */
#ifndef NVEMU_MACHINE_NVDIMM_HOST_H
#define NVEMU_MACHINE_NVDIMM_HOST_H

#include "hotplug.h"

/* Apply @u to NVDIMM @d (see nv_dsm_update_health()); *notified says
 * whether the DIMM got Notify 0x81. Errors (the machine has shut down)
 * start with @who. */
bool nv_machine_set_health(NvMachine *m, NvDimm *d, const NvHealthUpdate *u,
                           NvDsmNotifyMode notify, const char *who,
                           bool *notified, GError **errp);
/* NVDIMM @d's health now. */
void nv_machine_read_health(NvMachine *m, NvDimm *d, NvDimmHealth *out);

#endif
