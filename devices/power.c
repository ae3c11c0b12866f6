/*
 * devices/power.c — how the guest asks to be switched off or reset.
 *
 * The machine is hardware-reduced ACPI, so power-off goes through the
 * FADT's sleep control/status registers and reboot through its reset
 * register (ACPI 6.4 §4.8.3, "Sleep Control and Status Registers" and
 * "Reset Register"), all three on one small I/O device at NV_PIO_PM_BASE:
 *   +0  sleep control  write: SLP_TYP (bits 2-4) | SLP_EN (bit 5)
 *   +1  sleep status   read: WAK_STS (bit 7)
 *   +2  reset          write NV_ACPI_RESET_VALUE
 *   +3  unused, reads 0
 * Linux also tries the keyboard controller when the ACPI reset does not
 * take (native_machine_emergency_restart() in arch/x86/kernel/reboot.c,
 * BOOT_KBD): it writes 0xFE ("pulse reset line") to port 0x64, so we
 * answer there too.
 *
 * Requests are only latched here (the machine also latches a reset for a
 * triple fault with nv_power_latch()); the vCPU loop checks
 * nv_power_request() before it re-enters the guest, the main loop waits on
 * nv_power_fd(), and they tear the VM down or restart it.
 */
#include "power.h"

#include <errno.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define PM_SLEEP_CONTROL 0
#define PM_SLEEP_STATUS  1
#define PM_RESET         2

#define SLP_TYP_SHIFT    2
#define SLP_TYP_MASK     7

#define I8042_CMD_RESET  0xfe

struct NvPower {
    GMutex lock;          /* vCPU threads may write concurrently */
    NvPowerRequest req;
    int efd;
    bool warned_sleep;
};

NvPower *nv_power_new(GError **errp)
{
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "power-off registers: "
                    "eventfd: %s", g_strerror(errno));
        return NULL;
    }
    NvPower *p = g_new0(NvPower, 1);
    g_mutex_init(&p->lock);
    p->efd = efd;
    return p;
}

void nv_power_free(NvPower *p)
{
    if (p) {
        close(p->efd);
        g_mutex_clear(&p->lock);
        g_free(p);
    }
}

static void signal_fd(NvPower *p)
{
    uint64_t one = 1;
    ssize_t n;
    do {
        n = write(p->efd, &one, sizeof(one));
    } while (n < 0 && errno == EINTR);
    /* The only other failure, EAGAIN, needs a counter near 2^64. */
}

/* Power-off beats reset whichever came first: once the guest has asked to
 * be switched off, a reset would only bring it back. The eventfd is
 * signalled once, for the first request. */
void nv_power_latch(NvPower *p, NvPowerRequest r)
{
    if (r == NV_POWER_NONE) {
        return;
    }
    g_mutex_lock(&p->lock);
    NvPowerRequest old = p->req;
    if (old == NV_POWER_NONE || r == NV_POWER_OFF) {
        p->req = r;
    }
    if (old == NV_POWER_NONE) {
        signal_fd(p);
    }
    g_mutex_unlock(&p->lock);
}

void nv_power_wake(NvPower *p)
{
    signal_fd(p);
}

static void sleep_control(NvPower *p, uint8_t v)
{
    if (!(v & NV_ACPI_SLP_EN)) {
        return; /* SLP_TYP alone does nothing until SLP_EN is written */
    }
    unsigned typ = (v >> SLP_TYP_SHIFT) & SLP_TYP_MASK;
    if (typ == NV_ACPI_S5_SLP_TYP) {
        nv_power_latch(p, NV_POWER_OFF);
        return;
    }
    /* Only \_S5 is in the DSDT, so Linux never offers another state; a
     * guest that writes one anyway keeps running (see sleep_status()). */
    g_mutex_lock(&p->lock);
    bool warn = !p->warned_sleep;
    p->warned_sleep = true;
    g_mutex_unlock(&p->lock);
    if (warn) {
        fprintf(stderr, "nvemu: guest asked for sleep state %u, not "
                "supported\n", typ);
    }
}

/*
 * acpi_hw_extended_sleep() (drivers/acpi/acpica/hwesleep.c) writes
 * WAK_STS to clear it, writes SLP_TYP|SLP_EN, then spins with interrupts
 * off until a read shows WAK_STS. So:
 *  - before any power-off we report WAK_STS set: a sleep we ignored looks
 *    like an instant wake-up and the guest carries on instead of hanging;
 *  - once power-off is latched we report it clear, so the guest spins
 *    harmlessly in that loop until the VMM stops it, instead of returning
 *    to the reboot syscall, whose do_exit() would kill init and panic.
 * The write-one-to-clear of WAK_STS is accepted and forgotten.
 */
static uint8_t sleep_status(NvPower *p)
{
    return nv_power_request(p) == NV_POWER_OFF ? 0 : NV_ACPI_WAK_STS;
}

void nv_power_pm_io(void *opaque, uint64_t offset, uint8_t *data,
                    unsigned len, bool is_write)
{
    NvPower *p = opaque;
    /* The FADT describes each register as 8 bits wide; a wider access is
     * taken byte by byte over consecutive registers. */
    for (unsigned i = 0; i < len; i++) {
        uint64_t reg = offset + i;
        if (is_write) {
            if (reg == PM_SLEEP_CONTROL) {
                sleep_control(p, data[i]);
            } else if (reg == PM_RESET && data[i] == NV_ACPI_RESET_VALUE) {
                /* acpi_reset() writes FADT.reset_value, 8 bits wide;
                 * another value is not a reset request. */
                nv_power_latch(p, NV_POWER_RESET);
            }
        } else {
            /* Sleep control's SLP_EN and the reset register are write-only
             * and read 0, as does the spare fourth port. */
            data[i] = reg == PM_SLEEP_STATUS ? sleep_status(p) : 0;
        }
    }
}

void nv_power_i8042_io(void *opaque, uint64_t offset, uint8_t *data,
                       unsigned len, bool is_write)
{
    NvPower *p = opaque;
    if (is_write) {
        if (offset == 0 && data[0] == I8042_CMD_RESET) {
            nv_power_latch(p, NV_POWER_RESET);
        }
        return;
    }
    /* Status 0: output buffer empty (bit 0), input buffer empty (bit 1).
     * Linux's kb_wait() (arch/x86/kernel/reboot.c) polls bit 1 before
     * each 0xFE, so it goes straight through. The i8042 driver normally
     * does not probe at all (FADT IAPC_BOOT_ARCH bit 1 clear makes
     * acpi_parse_fadt() set X86_LEGACY_I8042_FIRMWARE_ABSENT); if forced
     * to, it finds nothing to flush and times out waiting for a command
     * reply: "no controller", nothing worse. */
    for (unsigned i = 0; i < len; i++) {
        data[i] = 0;
    }
}

NvPowerRequest nv_power_request(NvPower *p)
{
    g_mutex_lock(&p->lock);
    NvPowerRequest r = p->req;
    g_mutex_unlock(&p->lock);
    return r;
}

int nv_power_fd(NvPower *p)
{
    return p->efd;
}

bool nv_power_attach(NvIoBus *bus, NvPower *p, GError **errp)
{
    return nv_io_register(bus, NV_IO_PIO, NV_PIO_PM_BASE, NV_ACPI_PM_REG_LEN,
                          "pm-registers", nv_power_pm_io, p, errp) &&
           nv_io_register(bus, NV_IO_PIO, NV_PIO_I8042_CMD, 1, "i8042-reset",
                          nv_power_i8042_io, p, errp);
}
