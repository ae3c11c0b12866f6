/*
 * devices/power.h — power-off and reset requests (power.c): the FADT's
 * sleep and reset registers and the i8042 reset line.
 */
#ifndef NVEMU_DEVICES_POWER_H
#define NVEMU_DEVICES_POWER_H

#include "acpi-nfit.h"  /* NV_ACPI_*: the register values */
#include "bus.h"

#define NV_PIO_PM_BASE       0x600  /* FADT sleep control/status, reset */
#define NV_PIO_I8042_CMD     0x64

/*
 * The FADT's platform registers (NV_PIO_PM_BASE, NV_ACPI_PM_REG_LEN ports):
 * sleep control (+0), sleep status (+1), reset (+2). Writing
 * SLP_TYP=5 (S5) | SLP_EN to sleep control requests power-off; writing
 * NV_ACPI_RESET_VALUE to reset requests a reset. Port 0x64 (i8042) value
 * 0xFE also requests a reset. Requests are latched and read by the vCPU
 * loop with nv_power_request().
 */
typedef enum {
    NV_POWER_NONE,
    NV_POWER_OFF,
    NV_POWER_RESET,
    NV_POWER_SIGNAL, /* not the guest's: the run stopped on a signal */
    NV_POWER_QUIT,   /* not the guest's: nv_machine_quit() (vm.h) */
} NvPowerRequest;

typedef struct NvPower NvPower;
/* NULL with *errp set when its eventfd cannot be made: a main loop would
 * never learn of a power-off. */
NvPower *nv_power_new(GError **errp);
void nv_power_free(NvPower *p);
void nv_power_pm_io(void *opaque, uint64_t offset, uint8_t *data,
                    unsigned len, bool is_write);
void nv_power_i8042_io(void *opaque, uint64_t offset, uint8_t *data,
                       unsigned len, bool is_write);
NvPowerRequest nv_power_request(NvPower *p);
/* Latch a request from elsewhere (a triple fault is a reset). */
void nv_power_latch(NvPower *p, NvPowerRequest r);
/* Make nv_power_fd() readable without a request (a fatal vCPU error). */
void nv_power_wake(NvPower *p);
/* An eventfd that becomes readable when a request is latched, so a main
 * loop can wait for it. */
int nv_power_fd(NvPower *p);
/* Register the NV_ACPI_PM_REG_LEN ports at NV_PIO_PM_BASE and the i8042
 * command port on @bus. */
bool nv_power_attach(NvIoBus *bus, NvPower *p, GError **errp);

#endif
