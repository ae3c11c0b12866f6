/*
 * devices/nvdimm-notify.h — the NVDIMM pending-notify block: which DIMMs
 * the guest should send Notify (NVxx, 0x81) to (a health change, issue
 * 13). The machine sets a slot's bit, then raises the GED's
 * NV_GED_EVENT_NVDIMM_HEALTH; the GED's _EVT calls \_SB.NVDR.NHLT
 * (acpi-nfit/ssdt-nvdimm.c), which reads the block (read-to-clear) and
 * notifies each DIMM whose bit was set. Layout: NV_NVNT_REG_LEN bytes,
 * dword k = slots 32k..32k+31 (acpi-nfit.h).
 */
#ifndef NVEMU_NVDIMM_NOTIFY_H
#define NVEMU_NVDIMM_NOTIFY_H

#include "acpi-nfit.h"
#include "bus.h"

/* A page of the MMIO hole after the memory hotplug controller's. */
#define NV_MMIO_NVDIMM_NOTIFY UINT64_C(0xFEB03000)

typedef struct NvNvdimmNotify NvNvdimmNotify;

NvNvdimmNotify *nv_nvdimm_notify_new(void);
void nv_nvdimm_notify_free(NvNvdimmNotify *n);
/* Mark @slot pending (thread-safe; slots past NV_MAX_SLOTS ignored). */
void nv_nvdimm_notify_set(NvNvdimmNotify *n, uint32_t slot);
/* A 4-byte aligned read returns one dword of pending bits and clears
 * it; other reads return 0, writes are ignored. */
void nv_nvdimm_notify_io(void *opaque, uint64_t offset, uint8_t *data,
                         unsigned len, bool is_write);
bool nv_nvdimm_notify_attach(NvIoBus *bus, NvNvdimmNotify *n, GError **errp);

#endif
