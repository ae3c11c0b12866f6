/*
 * devices/memhp.h — the ACPI memory hotplug controller (memhp.c): QEMU's
 * 24-byte register block (qemu docs/specs/acpi_mem_hotplug.rst,
 * hw/acpi/memory_hotplug.c) at an MMIO address of the hole, and its AML,
 * \_SB.MHPC with MSCN and one PNP0C80 device MPxx per DIMM slot.
 *
 * Only pc-dimms are enabled here, as in QEMU: an NVDIMM slot stays disabled
 * in this block (NVDIMMs reach the guest through the NFIT and _FIT).
 *
 * Registers (little-endian, 1-4 byte accesses; the selector picks the slot
 * every other register refers to; with the selector out of range reads
 * return 0 and writes other than to the selector are ignored):
 *   0x00 R: base[31:0]   W: slot selector
 *   0x04 R: base[63:32]  W: _OST event (source)
 *   0x08 R: size[31:0]   W: _OST status: ops->ost() (QMP ACPI_DEVICE_OST)
 *   0x0C R: size[63:32]
 *   0x10 R: proximity domain (the DIMM's node)
 *   0x14 R: bit0 enabled, bit1 insert pending, bit2 remove pending
 *        W: 1 in bit1 clears insert; else 1 in bit2 clears remove; else 1
 *           in bit3 ejects an enabled slot: ops->eject() (one action a write)
 *
 * Threads: the register handler runs on a vCPU thread (under the bus's read
 * side); plug/unplug calls come from the main thread. A short lock of the
 * device's own orders them; the ops are called without it held, and must
 * not wait for vCPUs (the machine defers that work to its main loop).
 */
#ifndef NVEMU_MEMHP_H
#define NVEMU_MEMHP_H

#include "aml.h"
#include "bus.h"

/* Where it sits: a page of the MMIO hole after the GED's. */
#define NV_MMIO_MEMHP    UINT64_C(0xFEB02000)
#define NV_MEMHP_REG_LEN 0x18

typedef struct {
    /* The guest wrote the _OST status register: the last _OST of @slot is
     * now (@event, @status). */
    void (*ost)(void *opaque, uint32_t slot, uint32_t event,
                uint32_t status);
    /* The guest ejected @slot (_EJ0 on an enabled slot). The slot stays
     * enabled until the machine calls nv_memhp_unplug(). */
    void (*eject)(void *opaque, uint32_t slot);
    void *opaque;
} NvMemhpOps;

typedef struct NvMemhp NvMemhp;

/* @nslots: -m ...,slots=N; @ops may be NULL (tests). */
NvMemhp *nv_memhp_new(uint32_t nslots, const NvMemhpOps *ops);
void nv_memhp_free(NvMemhp *h);
/* The register block's I/O handler (nv_memhp_attach() registers it). */
void nv_memhp_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
                 bool is_write);
/* Register the block at NV_MMIO_MEMHP on @bus. */
bool nv_memhp_attach(NvIoBus *bus, NvMemhp *h, GError **errp);

/* A pc-dimm is in @slot at [base, base + size) on node @pxm. @hotplugged:
 * also latch its insert event (the caller then raises the GED's memory
 * bit); a DIMM present at boot is only enabled. */
void nv_memhp_plug(NvMemhp *h, uint32_t slot, uint64_t base, uint64_t size,
                   uint32_t pxm, bool hotplugged);
/* device_del: latch @slot's remove event (the caller raises the GED). */
void nv_memhp_request_unplug(NvMemhp *h, uint32_t slot);
/* True while a remove event of @slot was latched and no eject came. */
bool nv_memhp_unplug_pending(NvMemhp *h, uint32_t slot);
/* The DIMM has left @slot (after its eject): disabled, no pending event. */
void nv_memhp_unplug(NvMemhp *h, uint32_t slot);
/* The last _OST the guest wrote for @slot (0, 0 before any). */
void nv_memhp_last_ost(NvMemhp *h, uint32_t slot, uint32_t *event,
                       uint32_t *status);

/* \_SB.MHPC (PNP0A06) with its register fields, MLCK, MSCN, MRST, MCRS,
 * MPXM, MOST, MEJ0, MTFY, and Device MPxx (PNP0C80, _CRS, _STA, _PXM,
 * _OST, _EJ0) for each of @nslots slots, for the DSDT's \_SB scope. The
 * GED's _EVT calls \_SB.MHPC.MSCN on NV_GED_EVENT_MEMORY. */
NvAml *nv_memhp_aml(uint32_t nslots);

#endif
