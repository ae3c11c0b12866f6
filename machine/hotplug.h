/*
 * machine/hotplug.h — memory hotplug on the machine (hotplug.c): backends
 * and DIMMs added and removed while nvemu runs, for the monitor's
 * object-add, object-del, device_add and device_del.
 *
 * Everything here runs on the main thread (the monitor's sources) and
 * takes the machine's coarse lock itself. What a running guest sees
 * changes only with every vCPU parked (nv_machine_pause()): KVM memory
 * slots, the bus (an NVDIMM's flush-hint page), cfg->dimms (the DSM reads
 * it on vCPU threads) and cfg->backends.
 *
 * Hot-added DIMMs and backends are appended to cfg->dimms / cfg->backends
 * with their slot and address fixed, so a guest reset (a new board from
 * the same cfg) still has them, as QEMU does. In prelaunch (no guest has
 * run yet) device_add just adds the DIMM for the first boot, and
 * device_del removes it at once (DEVICE_DELETED).
 *
 * Removal of a pc-dimm (QEMU's protocol, hw/acpi/memory_hotplug.c):
 * nv_machine_unplug_dimm() latches the slot's remove event and raises the
 * GED's memory bit; the guest offlines the memory, writes _OST and ejects
 * (the hotplug controller's eject op, on a vCPU thread); the machine defers
 * the eject to its main loop, pauses, removes the KVM slot, resumes,
 * disables the slot, drops the DIMM from cfg->dimms (its backend stays,
 * usable again) and reports deleted(). A guest reset while a removal is
 * pending: the new board has no pending event and the DIMM stays (the new
 * guest sees it at boot); device_del may be asked again. An eject the old
 * guest made just before the reset is dropped for the same reason.
 */
#ifndef NVEMU_MACHINE_HOTPLUG_H
#define NVEMU_MACHINE_HOTPLUG_H

#include "board.h"

typedef struct NvMachine NvMachine;

/* What the machine reports, on the main thread (the monitor's events). */
typedef struct {
    /* DEVICE_DELETED: a DIMM left (@id NULL: it had none). */
    void (*deleted)(void *opaque, const char *id);
    /* ACPI_DEVICE_OST: the guest's _OST on @slot; @id the DIMM in the
     * slot (NULL when the slot is empty or its DIMM has no id). */
    void (*ost)(void *opaque, uint32_t slot, const char *id, uint32_t event,
                uint32_t status);
    void *opaque;
} NvHotplugEvents;

void nv_machine_set_hotplug_events(NvMachine *m, const NvHotplugEvents *ev);

/* object-add: @hm (configured, not prepared) is prepared, checked against
 * the other backends (id, file), realized (which may create its file) and
 * appended to cfg->backends; taken over on success. On failure nothing
 * changed (a file realize created is removed again) and the caller frees
 * @hm. Messages start with @who ("object-add memory-backend-ram,id=m1"). */
bool nv_machine_add_backend(NvMachine *m, NvHostMem *hm, const char *who,
                            GError **errp);
/* The backend with @id, or NULL. */
NvHostMem *nv_machine_find_backend(NvMachine *m, const char *id);
/* object-del: an unused backend is unmapped and freed (its file stays);
 * one a DIMM uses is an error, and nothing changes. */
bool nv_machine_del_backend(NvMachine *m, NvHostMem *hm, GError **errp);

/* device_add of @d (parsed; d->name names it in messages): placed by
 * nv_dimm_plan_add(), realized, and plugged into a running guest (KVM
 * slot; pc-dimm: hotplug controller insert event and GED 0x1; nvdimm:
 * flush-hint page, the DSM's new FIT and GED 0x4). Taken over on success;
 * on failure nothing changed and the caller frees @d. */
bool nv_machine_plug_dimm(NvMachine *m, NvDimm *d, GError **errp);
/* The DIMM whose id is @id, or NULL. */
NvDimm *nv_machine_find_dimm(NvMachine *m, const char *id);
/* The DIMM in @slot, or NULL. */
NvDimm *nv_machine_slot_dimm(NvMachine *m, uint32_t slot);
/* device_del of pc-dimm @d: the removal request (see above), or in
 * prelaunch the removal itself. Errors: a removal already pending (QEMU's
 * "Device ID is already in the process of unplug"), no guest. */
bool nv_machine_unplug_dimm(NvMachine *m, NvDimm *d, GError **errp);
/* A removal of @d was asked and has not completed. */
bool nv_machine_unplug_pending(NvMachine *m, const NvDimm *d);
/* The last _OST the guest wrote for @slot (0, 0 before any). */
void nv_machine_slot_ost(NvMachine *m, uint32_t slot, uint32_t *event,
                         uint32_t *status);

/* Tests: run @b (a board from m's cfg, borrowed) as the current boot's
 * board without vCPUs or KVM (state running), so the hotplug paths can be
 * driven as the guest would, through the board's devices; and drop it. */
void nv_machine_adopt_board(NvMachine *m, NvBoard *b);
void nv_machine_drop_board(NvMachine *m);

#endif
