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
#include "media-errors.h"

/* Apply @u to NVDIMM @d (see nv_dsm_update_health()); *notified says
 * whether the DIMM got Notify 0x81. Errors (the machine has shut down)
 * start with @who. */
bool nv_machine_set_health(NvMachine *m, NvDimm *d, const NvHealthUpdate *u,
                           NvDsmNotifyMode notify, const char *who,
                           bool *notified, GError **errp);
/* NVDIMM @d's health now. */
void nv_machine_read_health(NvMachine *m, NvDimm *d, NvDimmHealth *out);

/*
 * Media errors (nvdimm/media-errors.h): add (@remove false) or clear the
 * range [@off, @off + @len) of NVDIMM @d, or with @d NULL the guest
 * physical range [@off, @off + @len), which must lie inside one NVDIMM.
 * An add with @notify marks the range known and, while a guest runs,
 * sends Notify (\_SB.NVDR, 0x81) (*notified). *cleared gets the bytes of
 * error a clear removed. A DIMM not realized yet (before the first boot)
 * is refused. On failure nothing changed; errors start with @who.
 */
bool nv_machine_media_error(NvMachine *m, NvDimm *d, bool remove,
                            uint64_t off, uint64_t len, bool notify,
                            const char *who, bool *notified,
                            uint64_t *cleared, GError **errp);
/* Call @fn for every media error of every NVDIMM, in cfg->dimms order,
 * under the locks (it must not call back into the machine). */
typedef void (*NvMediaErrorFn)(void *opaque, const NvDimm *d,
                               const NvMediaError *e);
void nv_machine_media_errors(NvMachine *m, NvMediaErrorFn fn,
                             void *opaque);

#endif
