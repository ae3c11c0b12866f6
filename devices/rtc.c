/*
 * devices/rtc.c — the CMOS RTC (a Motorola MC146818 as Linux's
 * drivers/rtc/rtc-mc146818-lib.c and rtc-cmos.c drive it), and the check
 * that the guest's command line keeps kvmclock.
 *
 * CMOS map (MC146818A datasheet; the century byte as ACPI's FADT names it):
 *   0 seconds  1 sec alarm  2 minutes  3 min alarm  4 hours  5 hour alarm
 *   6 day of week (1 = Sunday)  7 day of month  8 month  9 year (00-99)
 *   A: UIP (bit 7, read-only), divider and rate (stored, the clock runs
 *      whatever they say)   B: SET (7), PIE/AIE/UIE (6-4), SQWE (3),
 *      DM binary (2), 24/12 (1), DSE (0)   C: interrupt flags (reads 0)
 *   D: VRT (bit 7: the battery is good)   0x32: century
 *   everything else, alarms included: RAM.
 *
 * The time is never stored: reading a time register computes it from the
 * host's clock plus an offset. Register B's SET bit freezes the registers
 * (the guest writes a new time into them) and clearing it starts the clock
 * from what they hold; a write to a time register while the clock runs
 * sets the time at once (QEMU's mc146818rtc does both).
 */
#include "rtc.h"

#include "util.h"

#include <string.h>

enum {
    REG_SEC = 0x00, REG_MIN = 0x02, REG_HOUR = 0x04, REG_WDAY = 0x06,
    REG_MDAY = 0x07, REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a,
    REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
};

#define A_UIP      0x80
#define B_SET      0x80
#define B_DM_BIN   0x04
#define B_24H      0x02
#define D_VRT      0x80
#define HOUR_PM    0x80
#define UIP_US     244  /* UIP rises this long before the registers change */
#define US         INT64_C(1000000)

struct NvRtc {
    GMutex lock;        /* vCPU threads write the index and data in turns */
    NvRtcClock clock;
    void *clock_opaque;
    int64_t offset_us;  /* guest time - host time */
    uint8_t index;
    uint8_t cmos[128];  /* RAM; time registers only while B.SET is set */
};

static int64_t host_clock(void *opaque)
{
    (void)opaque;
    return g_get_real_time();
}

NvRtc *nv_rtc_new(NvRtcClock clock, void *clock_opaque)
{
    NvRtc *rtc = g_new0(NvRtc, 1);
    g_mutex_init(&rtc->lock);
    rtc->clock = clock ? clock : host_clock;
    rtc->clock_opaque = clock_opaque;
    rtc->cmos[REG_A] = 0x26;  /* 32.768 kHz time base, 1024 Hz rate */
    rtc->cmos[REG_B] = B_24H; /* BCD, 24-hour, no interrupts */
    return rtc;
}

void nv_rtc_free(NvRtc *rtc)
{
    if (rtc) {
        g_mutex_clear(&rtc->lock);
        g_free(rtc);
    }
}

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

typedef struct {
    int64_t year;
    unsigned mon, mday, wday, hour, min, sec; /* wday 0 = Sunday */
} Civil;

static Civil civil_from_seconds(int64_t t)
{
    Civil c;
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400;
    c.hour = (unsigned)(secs / 3600);
    c.min = (unsigned)(secs / 60 % 60);
    c.sec = (unsigned)(secs % 60);
    c.wday = (unsigned)(days - floor_div(days + 4, 7) * 7 + 4) % 7;
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c.mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c.mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.mon <= 2);
    return c;
}

/* ---- registers -------------------------------------------------------- */

static uint8_t to_reg(const NvRtc *rtc, unsigned v)
{
    return rtc->cmos[REG_B] & B_DM_BIN ? (uint8_t)v
                                       : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_reg(const NvRtc *rtc, uint8_t v)
{
    return rtc->cmos[REG_B] & B_DM_BIN ? v : (v >> 4) * 10u + (v & 0x0f);
}

static int64_t guest_now_us(const NvRtc *rtc)
{
    return rtc->clock(rtc->clock_opaque) + rtc->offset_us;
}

/* Write the running time into the time registers. */
static void latch_time(NvRtc *rtc)
{
    Civil c = civil_from_seconds(floor_div(guest_now_us(rtc), US));
    uint8_t *r = rtc->cmos;
    r[REG_SEC] = to_reg(rtc, c.sec);
    r[REG_MIN] = to_reg(rtc, c.min);
    if (r[REG_B] & B_24H) {
        r[REG_HOUR] = to_reg(rtc, c.hour);
    } else {
        unsigned h12 = c.hour % 12 ? c.hour % 12 : 12;
        r[REG_HOUR] = to_reg(rtc, h12) | (c.hour >= 12 ? HOUR_PM : 0);
    }
    r[REG_WDAY] = to_reg(rtc, c.wday + 1);
    r[REG_MDAY] = to_reg(rtc, c.mday);
    r[REG_MON] = to_reg(rtc, c.mon);
    int64_t y = c.year < 0 ? 0 : c.year % 10000;
    r[REG_YEAR] = to_reg(rtc, (unsigned)(y % 100));
    r[NV_RTC_CENTURY] = to_reg(rtc, (unsigned)(y / 100));
}

/* Start the clock from the time registers: the new second begins now. */
static void set_time_from_regs(NvRtc *rtc)
{
    const uint8_t *r = rtc->cmos;
    unsigned hour;
    if (r[REG_B] & B_24H) {
        hour = from_reg(rtc, r[REG_HOUR]);
    } else {
        hour = from_reg(rtc, r[REG_HOUR] & ~HOUR_PM) % 12 +
               (r[REG_HOUR] & HOUR_PM ? 12 : 0);
    }
    unsigned mon = from_reg(rtc, r[REG_MON]);
    int64_t year = from_reg(rtc, r[NV_RTC_CENTURY]) * 100 +
                   from_reg(rtc, r[REG_YEAR]);
    /* Out-of-range fields just carry (month 13 is next January), as
     * mktime does; the guest reads back a valid date. */
    int64_t days = days_from_civil(year + (mon ? mon - 1 : 0) / 12,
                                   mon ? (mon - 1) % 12 + 1 : 1, 1) +
                   from_reg(rtc, r[REG_MDAY]) - 1;
    int64_t t = days * 86400 + hour * 3600 +
                from_reg(rtc, r[REG_MIN]) * 60 + from_reg(rtc, r[REG_SEC]);
    rtc->offset_us = t * US - rtc->clock(rtc->clock_opaque);
}

static bool is_time_reg(uint8_t i)
{
    return i == REG_SEC || i == REG_MIN || i == REG_HOUR || i == REG_WDAY ||
           i == REG_MDAY || i == REG_MON || i == REG_YEAR ||
           i == NV_RTC_CENTURY;
}

static uint8_t read_reg(NvRtc *rtc, uint8_t i)
{
    bool running = !(rtc->cmos[REG_B] & B_SET);
    switch (i) {
    case REG_A: {
        int64_t now = guest_now_us(rtc);
        int64_t frac = now - floor_div(now, US) * US;
        bool uip = running && frac >= US - UIP_US;
        return (rtc->cmos[REG_A] & ~A_UIP) | (uip ? A_UIP : 0);
    }
    case REG_C:
        return 0;
    case REG_D:
        return D_VRT;
    default:
        if (running && is_time_reg(i)) {
            latch_time(rtc);
        }
        return rtc->cmos[i];
    }
}

static void write_reg(NvRtc *rtc, uint8_t i, uint8_t v)
{
    bool running = !(rtc->cmos[REG_B] & B_SET);
    switch (i) {
    case REG_A:
        rtc->cmos[REG_A] = v & ~A_UIP;
        break;
    case REG_B:
        if (running && (v & B_SET)) {
            latch_time(rtc);         /* freeze: the guest sets the time */
        }
        rtc->cmos[REG_B] = v;
        if (!running && !(v & B_SET)) {
            set_time_from_regs(rtc); /* run again from what it wrote */
        }
        break;
    case REG_C:
    case REG_D:
        break;                       /* read-only */
    default:
        if (running && is_time_reg(i)) {
            latch_time(rtc);
            rtc->cmos[i] = v;
            set_time_from_regs(rtc);
        } else {
            rtc->cmos[i] = v;
        }
    }
}

void nv_rtc_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
               bool is_write)
{
    NvRtc *rtc = opaque;
    if (len != 1) {                  /* the chip decodes byte accesses only */
        if (!is_write) {
            memset(data, 0xff, len);
        }
        return;
    }
    g_mutex_lock(&rtc->lock);
    if (offset == 0) {
        if (is_write) {
            rtc->index = data[0] & 0x7f; /* bit 7: NMI mask, not ours */
        } else {
            data[0] = 0xff;              /* the index is write-only */
        }
    } else if (is_write) {
        write_reg(rtc, rtc->index, data[0]);
    } else {
        data[0] = read_reg(rtc, rtc->index);
    }
    g_mutex_unlock(&rtc->lock);
}

/* ---- the guest command line keeps kvmclock --------------------------- */

/* Linux's parameq(): '-' and '_' are the same in a parameter name. */
static bool param_is(const char *name, size_t len, const char *want)
{
    if (strlen(want) != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char a = name[i] == '_' ? '-' : name[i];
        char b = want[i] == '_' ? '-' : want[i];
        if (a != b) {
            return false;
        }
    }
    return true;
}

bool nv_rtc_check_append(const char *append, GError **errp)
{
    /* Parameters that turn kvmclock off: no-kvmclock (arch/x86/kernel/
     * kvmclock.c) and nopv (no KVM guest support at all). They are fine
     * with tsc_early_khz=N (N > 0, arch/x86/kernel/tsc.c): the guest then
     * knows its TSC rate without calibrating, which is all kvmclock gave
     * calibrate_APIC_clock(). */
    static const char *const off[] = { "no-kvmclock", "nopv" };
    const char *p = append ? append : "";
    const char *bad = NULL;
    size_t bad_len = 0;
    bool tsc_khz = false;
    for (;;) {
        while (g_ascii_isspace(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        /* One argument as Linux's next_arg() splits them: spaces inside
         * double quotes do not end it; the quotes are not part of it. */
        const char *start = p;
        bool quoted = false;
        for (; *p && (quoted || !g_ascii_isspace(*p)); p++) {
            if (*p == '"') {
                quoted = !quoted;
            }
        }
        const char *name = start + (*start == '"');
        size_t len = 0;
        while (name + len < p && name[len] != '=' && name[len] != '"') {
            len++;
        }
        if (len == 2 && !strncmp(name, "--", 2) && name + len == p) {
            break;                   /* the rest is for init */
        }
        if (param_is(name, len, "tsc_early_khz")) {
            /* kstrtouint(): decimal, 0x hex or 0 octal; 0 is "not set" */
            const char *v = name + len + (name[len] == '=');
            char *end = NULL;
            guint64 khz = g_ascii_strtoull(v, &end, 0);
            tsc_khz = end != v && (end == p || *end == '"') && khz > 0 &&
                      khz <= UINT32_MAX;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(off); i++) {
            if (!bad && param_is(name, len, off[i])) {
                bad = name;
                bad_len = len;
            }
        }
    }
    if (bad && !tsc_khz) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%.*s would hang this guest: without kvmclock it has "
                    "nothing to calibrate its TSC and LAPIC timer against on "
                    "nvemu's hardware-reduced machine (no PIT, HPET or PM "
                    "timer) (remove it, or give the host's TSC rate as "
                    "tsc_early_khz=; nvemu's guests calibrate their timers "
                    "from kvmclock)", (int)bad_len, bad);
        return false;
    }
    return true;
}

bool nv_rtc_attach(NvIoBus *bus, NvRtc *rtc, GError **errp)
{
    return nv_io_register(bus, NV_IO_PIO, NV_PIO_RTC, NV_RTC_PORTS, "rtc",
                          nv_rtc_io, rtc, errp);
}

/* Device (RTC), PNP0B00: the CMOS RTC at NV_PIO_RTC, two ports. No IRQ in
 * _CRS: nvemu delivers no RTC interrupt, and Linux's rtc-cmos then runs
 * without one (no alarms; hwclock polls for the second to change). */
NvAml *nv_rtc_aml(void)
{
    NvAml *dev = aml_device("RTC");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0B00")));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_io(NV_PIO_RTC, NV_PIO_RTC, 1, NV_RTC_PORTS));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}
