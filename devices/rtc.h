/*
 * devices/rtc.h — the guest's clocks: a CMOS RTC (MC146818 on ports
 * 0x70/0x71, described to the guest by a PNP0B00 device in the DSDT) and
 * the -append check that keeps the guest on kvmclock.
 */
#ifndef NVEMU_DEVICES_RTC_H
#define NVEMU_DEVICES_RTC_H

#include "aml.h"
#include "bus.h"

#define NV_PIO_RTC       0x70   /* index (write); 0x71 data */
#define NV_RTC_PORTS     2
#define NV_RTC_CENTURY   0x32   /* CMOS byte the FADT's CENTURY names */

/* Host wall-clock time, UTC, microseconds since the epoch. */
typedef int64_t (*NvRtcClock)(void *opaque);

/*
 * The RTC counts the host's UTC time plus an offset that guest writes to
 * the time registers set (as QEMU's default -rtc base=utc). Registers 0-9
 * and the century byte in BCD or binary, 24- or 12-hour, per register B;
 * A's UIP bit is set in the last 244 us of each second only; C reads 0 and
 * D reads VRT (no interrupt line: alarm, periodic and update interrupts
 * are not delivered); every other byte of the 128 is RAM. Bit 7 of the
 * index (NMI mask) is ignored. Thread-safe. @clock NULL: g_get_real_time.
 * nv_rtc_attach() registers its NV_RTC_PORTS ports on the bus.
 */
typedef struct NvRtc NvRtc;
NvRtc *nv_rtc_new(NvRtcClock clock, void *clock_opaque);
void nv_rtc_free(NvRtc *rtc);
void nv_rtc_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
               bool is_write);
/* Device (RTC), PNP0B00, for the DSDT's \_SB scope (aml.h). */
NvAml *nv_rtc_aml(void);
bool nv_rtc_attach(NvIoBus *bus, NvRtc *rtc, GError **errp);

/*
 * Refuses a guest command line that turns kvmclock off (no-kvmclock, nopv,
 * in Linux's spellings) without telling the guest its TSC rate
 * (tsc_early_khz=N, N > 0): nvemu's hardware-reduced machine has no PIT,
 * HPET or PM timer, so such a guest would spin forever calibrating its
 * LAPIC timer. The error is one line saying what to remove or add.
 */
bool nv_rtc_check_append(const char *append, GError **errp);

#endif
