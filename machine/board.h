/*
 * machine/board.h — the board (board.c): guest RAM, the DIMMs and the
 * devices on the I/O bus, without vCPUs.
 */
#ifndef NVEMU_MACHINE_BOARD_H
#define NVEMU_MACHINE_BOARD_H

#include "config.h"
#include "bus.h"
#include "ged.h"
#include "nvdimm-notify.h"
#include "memhp.h"
#include "power.h"
#include "rtc.h"
#include "serial.h"

/* The DSM doorbell, in the MMIO hole below the IOAPIC; the other devices
 * say where they sit in their own headers (devices/). */
#define NV_MMIO_DSM_DOORBELL UINT64_C(0xFEB00000)

typedef struct {
    NvConfig *cfg;        /* borrowed; planned */
    NvHostMem *ram;       /* guest RAM (memfd) */
    NvIoBus *bus;
    NvDsm *dsm;
    NvSerial *serial;     /* COM1 */
    NvPower *power;       /* FADT sleep/reset registers, i8042 reset */
    NvRtc *rtc;           /* CMOS RTC, or NULL with -machine rtc=off */
    NvGed *ged;           /* Generic Event Device (ged.h) */
    NvNvdimmNotify *nvnotify; /* DIMM health notifications (nvdimm-notify.h) */
    NvMemhp *memhp;       /* memory hotplug controller, NULL without slots */
    GMutex memhp_lock;    /* memhp_ops change while the guest ejects */
    NvMemhpOps memhp_ops; /* where memhp's ost/eject go (no ost: dropped) */
    GMutex irq_lock;      /* irq and irq_opaque change while devices fire */
    NvIrqFn irq;          /* where interrupt lines go (KVM), or NULL */
    void *irq_opaque;
    uint64_t fw_base;     /* guest address of the firmware area */
    uint64_t dsm_mailbox; /* guest address of the DSM mailbox */
} NvBoard;

/* Realizes @cfg (creates and maps files; again is a no-op), allocates
 * fresh RAM, wires devices. One board per boot. */
NvBoard *nv_board_new(NvConfig *cfg, GError **errp);
/* Route the devices' interrupt lines (NULL: drop them). */
void nv_board_set_irq(NvBoard *board, NvIrqFn fn, void *opaque);
/* Route the memory hotplug controller's _OST and eject calls to @ops
 * (copied; NULL: drop them). Once it returns, no call to the old ops runs:
 * the calls are made with the board's lock held, so they must not call
 * this (nor wait for a vCPU). */
void nv_board_set_memhp_ops(NvBoard *board, const NvMemhpOps *ops);
void nv_board_free(NvBoard *board);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvBoard, nv_board_free)
/* nvemu's pointer to guest memory [gpa, gpa+len) if it is all in one RAM
 * block or DIMM, else NULL. */
uint8_t *nv_board_guest_ptr(NvBoard *board, uint64_t gpa, uint64_t len);

#endif
