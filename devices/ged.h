/*
 * devices/ged.h — the Generic Event Device (ged.c): how the machine tells
 * a hardware-reduced ACPI guest of a platform event (system_powerdown,
 * memory and NVDIMM hotplug). Its register layout and event bits are
 * acpi-nfit's (NV_GED_*, acpi-nfit.h), its AML fragment is nv_ged_aml().
 */
#ifndef NVEMU_GED_H
#define NVEMU_GED_H

#include "acpi-nfit.h"  /* NV_GED_*: register layout, event bits */
#include "aml.h"
#include "bus.h"

/* Where it sits: one 4-byte MMIO register in the hole, between the DSM
 * doorbell page and the IOAPIC, and a GSI nothing else uses (COM1 is 4,
 * the PIT 0 via 2). */
#define NV_MMIO_GED UINT64_C(0xFEB01000)
#define NV_IRQ_GED  16

typedef struct NvGed NvGed;

/* @irq (may be NULL: tests) is pulsed on line @irq_num for every event. */
NvGed *nv_ged_new(NvIrqFn irq, void *irq_opaque, unsigned irq_num);
void nv_ged_free(NvGed *g);
/* The NV_GED_REG_LEN-byte register block (nv_ged_attach() registers it).
 * A 4-byte read at offset 0 returns the latched events and clears them
 * (QEMU's ged_evt_read()); other reads return 0, writes are ignored. */
void nv_ged_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
               bool is_write);
/* Latch @events (NV_GED_EVENT_*) and pulse the edge interrupt once.
 * Thread-safe: takes its own short lock (not held while pulsing) and, to
 * pulse, whatever the irq function takes (the board's irq lock). */
void nv_ged_raise(NvGed *g, uint32_t events);
/* Device (GED) at NV_MMIO_GED / NV_IRQ_GED and Device (PWRB), for the
 * DSDT's \_SB scope (aml.h). @events: the NV_GED_EVENT_* the machine has
 * besides the power button: NV_GED_EVENT_MEMORY makes _EVT call
 * \_SB.MHPC.MSCN (), NV_GED_EVENT_NVDIMM Notify (\_SB.NVDR, 0x80),
 * NV_GED_EVENT_NVDIMM_HEALTH \_SB.NVDR.NHLT () (nvdimm-notify.h),
 * NV_GED_EVENT_NVDIMM_UC Notify (\_SB.NVDR, 0x81) (media errors). */
NvAml *nv_ged_aml(uint32_t events);
/* Register the register block at NV_MMIO_GED on @bus. */
bool nv_ged_attach(NvIoBus *bus, NvGed *g, GError **errp);

#endif
