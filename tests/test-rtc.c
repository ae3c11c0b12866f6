/*
 * tests/test-rtc.c — the CMOS RTC driven through nv_io_dispatch() as
 * Linux drives it (an index write to 0x70, a data access at 0x71), against
 * the host's clock and against a clock the test sets; and the -append
 * check that keeps kvmclock on.
 */
#include "rtc.h"

#include <string.h>
#include <time.h>

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MON = 8, YEAR = 9,
       REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
       CENTURY = 0x32 };
#define B_SET   0x80
#define B_BIN   0x04
#define B_24H   0x02
#define US      INT64_C(1000000)

typedef struct {
    NvIoBus *bus;
    NvRtc *rtc;
    int64_t fake_us; /* the "host" time with the fake clock */
} Fx;

static int64_t fake_clock(void *opaque)
{
    return ((Fx *)opaque)->fake_us;
}

static void fx_init(Fx *fx, bool fake)
{
    GError *err = NULL;
    fx->bus = nv_io_bus_new();
    fx->rtc = nv_rtc_new(fake ? fake_clock : NULL, fx);
    g_assert_true(nv_rtc_attach(fx->bus, fx->rtc, &err));
    g_assert_no_error(err);
}

static void fx_fini(Fx *fx)
{
    nv_rtc_free(fx->rtc);
    nv_io_bus_free(fx->bus);
}

static void outb(Fx *fx, uint16_t port, uint8_t v)
{
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, port, &v, 1, true));
}

static uint8_t inb(Fx *fx, uint16_t port)
{
    uint8_t v = 0;
    g_assert_true(nv_io_dispatch(fx->bus, NV_IO_PIO, port, &v, 1, false));
    return v;
}

static uint8_t rd(Fx *fx, uint8_t reg)
{
    outb(fx, 0x70, reg);
    return inb(fx, 0x71);
}

static void wr(Fx *fx, uint8_t reg, uint8_t v)
{
    outb(fx, 0x70, reg);
    outb(fx, 0x71, v);
}

static unsigned bcd(uint8_t v)
{
    g_assert_cmpuint(v & 0x0f, <=, 9);
    g_assert_cmpuint(v >> 4, <=, 9);
    return (v >> 4) * 10u + (v & 0x0f);
}

/* The time in the registers, as mc146818_get_time() reads it (wait for
 * UIP to clear, read, check the seconds did not move). */
static int64_t read_time(Fx *fx, bool binary)
{
    for (int tries = 0; tries < 100; tries++) {
        if (rd(fx, REG_A) & 0x80) {
            g_usleep(100);
            continue;
        }
        uint8_t r[10], c = rd(fx, CENTURY);
        for (int i = 0; i < 10; i++) {
            r[i] = rd(fx, (uint8_t)i);
        }
        if (rd(fx, SEC) != r[SEC]) {
            continue;
        }
        unsigned (*dec)(uint8_t) = binary ? NULL : bcd;
#define D(x) (dec ? dec(x) : (unsigned)(x))
        g_autoptr(GDateTime) t = g_date_time_new_utc(
            (int)(D(c) * 100 + D(r[YEAR])), (int)D(r[MON]), (int)D(r[MDAY]),
            (int)D(r[HOUR]), (int)D(r[MIN]), D(r[SEC]));
        g_assert_nonnull(t);
        /* day of week: 1 = Sunday; GLib: 7 = Sunday */
        g_assert_cmpuint(D(r[WDAY]), ==, g_date_time_get_day_of_week(t) % 7 + 1);
#undef D
        return g_date_time_to_unix(t);
    }
    g_assert_not_reached();
}

/* Power-on state: BCD, 24-hour; the host's UTC time within 2 s. */
static void test_host_time_bcd(void)
{
    Fx fx;
    fx_init(&fx, false);
    g_assert_cmphex(rd(&fx, REG_B), ==, B_24H);
    int64_t before = g_get_real_time() / US;
    int64_t t = read_time(&fx, false);
    int64_t after = g_get_real_time() / US;
    g_assert_cmpint(t, >=, before - 1);
    g_assert_cmpint(t, <=, after + 1);
    fx_fini(&fx);
}

/* Binary mode (B.DM): the same time, in plain numbers. */
static void test_host_time_binary(void)
{
    Fx fx;
    fx_init(&fx, false);
    wr(&fx, REG_B, B_24H | B_BIN);
    g_assert_cmphex(rd(&fx, REG_B), ==, B_24H | B_BIN);
    int64_t t = read_time(&fx, true);
    g_assert_cmpint(t - g_get_real_time() / US, <=, 1);
    g_assert_cmpint(t - g_get_real_time() / US, >=, -2);
    fx_fini(&fx);
}

/* Every field against gmtime_r() over 1970..2400: leap years, 2100 (not a
 * leap year), 2000 (one), month ends, all days of the week. */
static void test_calendar(void)
{
    Fx fx;
    fx_init(&fx, true);
    wr(&fx, REG_B, B_24H | B_BIN);
    for (int64_t t = 0; t < INT64_C(13569465600); t += 86400 * 37 + 3917) {
        for (int64_t d = -1; d <= 1; d++) {
            time_t tt = (time_t)(t + d * 86400 + 86399 * (d == 0));
            struct tm tm;
            g_assert_nonnull(gmtime_r(&tt, &tm));
            fx.fake_us = (int64_t)tt * US + 500000;
            g_assert_cmpuint(rd(&fx, SEC), ==, tm.tm_sec);
            g_assert_cmpuint(rd(&fx, MIN), ==, tm.tm_min);
            g_assert_cmpuint(rd(&fx, HOUR), ==, tm.tm_hour);
            g_assert_cmpuint(rd(&fx, WDAY), ==, tm.tm_wday + 1);
            g_assert_cmpuint(rd(&fx, MDAY), ==, tm.tm_mday);
            g_assert_cmpuint(rd(&fx, MON), ==, tm.tm_mon + 1);
            g_assert_cmpuint(rd(&fx, YEAR), ==, (tm.tm_year + 1900) % 100);
            g_assert_cmpuint(rd(&fx, CENTURY), ==, (tm.tm_year + 1900) / 100);
        }
    }
    fx_fini(&fx);
}

/* 12-hour mode (B.24/12 clear): 1-12 with bit 7 for PM. */
static void test_12_hour(void)
{
    static const struct { int h; uint8_t bcd, bin; } cases[] = {
        { 0, 0x12, 12 }, { 1, 0x01, 1 }, { 11, 0x11, 11 },
        { 12, 0x92, 0x80 | 12 }, { 13, 0x81, 0x80 | 1 },
        { 23, 0x91, 0x80 | 11 },
    };
    Fx fx;
    fx_init(&fx, true);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fx.fake_us = (INT64_C(1767225600) + cases[i].h * 3600 + 59) * US;
        wr(&fx, REG_B, 0);
        g_assert_cmphex(rd(&fx, HOUR), ==, cases[i].bcd);
        wr(&fx, REG_B, B_BIN);
        g_assert_cmphex(rd(&fx, HOUR), ==, cases[i].bin);
        /* and setting the time in 12-hour mode keeps it */
        wr(&fx, REG_B, B_BIN | B_SET);
        wr(&fx, HOUR, cases[i].bin);
        wr(&fx, REG_B, B_BIN);
        wr(&fx, REG_B, B_24H | B_BIN);
        g_assert_cmpuint(rd(&fx, HOUR), ==, (unsigned)cases[i].h);
    }
    fx_fini(&fx);
}

/* UIP: set only in the last 244 us before the seconds change, never while
 * B.SET holds the clock; the bit cannot be written. */
static void test_uip(void)
{
    Fx fx;
    fx_init(&fx, true);
    int64_t base = INT64_C(1767225600) * US;
    fx.fake_us = base;
    g_assert_cmphex(rd(&fx, REG_A), ==, 0x26);
    fx.fake_us = base + 999755;
    g_assert_cmphex(rd(&fx, REG_A), ==, 0x26);
    fx.fake_us = base + 999756;
    g_assert_cmphex(rd(&fx, REG_A), ==, 0xa6);
    fx.fake_us = base + 999999;
    g_assert_cmphex(rd(&fx, REG_A), ==, 0xa6);
    wr(&fx, REG_B, B_24H | B_SET);
    g_assert_cmphex(rd(&fx, REG_A), ==, 0x26);
    wr(&fx, REG_B, B_24H);
    wr(&fx, REG_A, 0xa0);                  /* UIP is read-only */
    fx.fake_us = base + 1;
    g_assert_cmphex(rd(&fx, REG_A), ==, 0x20);
    fx_fini(&fx);

    /* With the host's clock, a reader never waits more than 244 us. */
    fx_init(&fx, false);
    for (int i = 0; i < 2000; i++) {
        int64_t t0 = g_get_monotonic_time();
        while (rd(&fx, REG_A) & 0x80) {
            g_assert_cmpint(g_get_monotonic_time() - t0, <, 100000);
        }
    }
    fx_fini(&fx);
}

/* Setting the time: with B.SET (what rtc-cmos does) and by a plain write
 * to one time register while the clock runs (QEMU allows both). The clock
 * then runs on from the new time. */
static void test_set_time(void)
{
    Fx fx;
    fx_init(&fx, true);
    fx.fake_us = INT64_C(1767225600) * US + 123456; /* 2026-01-01 00:00:00 */
    wr(&fx, REG_B, B_24H | B_SET);
    /* held: the clock does not move while SET */
    fx.fake_us += 5 * US;
    g_assert_cmphex(rd(&fx, SEC), ==, 0x00);
    wr(&fx, SEC, 0x58);
    wr(&fx, MIN, 0x59);
    wr(&fx, HOUR, 0x23);
    wr(&fx, MDAY, 0x28);
    wr(&fx, MON, 0x02);
    wr(&fx, YEAR, 0x31);
    wr(&fx, CENTURY, 0x20);
    wr(&fx, REG_B, B_24H);
    fx.fake_us += 3 * US;                    /* 2031-02-28 23:59:58 + 3 s */
    g_assert_cmpint(read_time(&fx, false), ==, 1930089601); /* 03-01 00:00:01 */
    g_assert_cmphex(rd(&fx, WDAY), ==, 0x07); /* a Saturday */

    wr(&fx, YEAR, 0x32);                       /* 2032: a leap year */
    fx.fake_us += 86400 * US;
    g_assert_cmpint(read_time(&fx, false), ==, 1961798401); /* 2032-03-02 00:00:01 */
    fx_fini(&fx);
}

/* CMOS RAM: bytes 0x0e..0x7f but the century, and the alarms, keep what
 * is written; C reads 0 and D reads VRT whatever is written. */
static void test_cmos_ram(void)
{
    Fx fx;
    fx_init(&fx, true);
    for (unsigned i = 0x0e; i < 0x80; i++) {
        if (i != CENTURY) {
            wr(&fx, (uint8_t)i, (uint8_t)(i * 37 + 11));
        }
    }
    for (unsigned i = 1; i <= 5; i += 2) {
        wr(&fx, (uint8_t)i, (uint8_t)(0x10 + i));
    }
    for (unsigned i = 0x0e; i < 0x80; i++) {
        if (i != CENTURY) {
            g_assert_cmphex(rd(&fx, (uint8_t)i), ==, (uint8_t)(i * 37 + 11));
        }
    }
    for (unsigned i = 1; i <= 5; i += 2) {
        g_assert_cmphex(rd(&fx, (uint8_t)i), ==, 0x10 + i);
    }
    wr(&fx, REG_C, 0xff);
    wr(&fx, REG_D, 0x00);
    g_assert_cmphex(rd(&fx, REG_C), ==, 0);
    g_assert_cmphex(rd(&fx, REG_D), ==, 0x80);
    fx_fini(&fx);
}

/* The index is 7 bits: bit 7 (NMI mask) is dropped, so 0x8d is D and 0xff
 * is RAM byte 0x7f. The index port reads 0xff; wider accesses are not
 * decoded; 0x72 is not the RTC's. */
static void test_index(void)
{
    Fx fx;
    fx_init(&fx, true);
    wr(&fx, 0x7f, 0x5a);
    g_assert_cmphex(rd(&fx, 0xff), ==, 0x5a);
    g_assert_cmphex(rd(&fx, 0x8d), ==, 0x80);
    wr(&fx, 0x8e, 0xa5);
    g_assert_cmphex(rd(&fx, 0x0e), ==, 0xa5);
    g_assert_cmphex(inb(&fx, 0x70), ==, 0xff);
    uint8_t w[2] = { 0, 0 };
    g_assert_true(nv_io_dispatch(fx.bus, NV_IO_PIO, 0x70, w, 2, false));
    g_assert_cmphex(w[0], ==, 0xff);
    g_assert_cmphex(w[1], ==, 0xff);
    w[0] = 0x0f;
    g_assert_true(nv_io_dispatch(fx.bus, NV_IO_PIO, 0x70, w, 2, true));
    g_assert_cmphex(rd(&fx, 0x0e), ==, 0xa5); /* nothing written */
    uint8_t v = 0;
    g_assert_false(nv_io_dispatch(fx.bus, NV_IO_PIO, 0x72, &v, 1, false));
    fx_fini(&fx);
}

/* -append: the parameters that turn kvmclock off, as Linux's early-param
 * parser would see them, and lookalikes it would not take for them. */
static void test_append(void)
{
    static const char *const refused[] = {
        "no-kvmclock", "console=ttyS0 no-kvmclock quiet", "no_kvmclock",
        "\"no-kvmclock\"", "no-kvmclock=1", "nopv", "quiet\tnopv=on",
        "a=\"x y\" no-kvmclock",
        /* tsc_early_khz= that Linux would not take as a rate */
        "no-kvmclock tsc_early_khz=0", "no-kvmclock tsc_early_khz=",
        "no-kvmclock tsc_early_khz=2.5G", "no-kvmclock tsc_early_khz",
        "no-kvmclock -- tsc_early_khz=2596126",
        "no-kvmclock tsc_early_khz=99999999999",
    };
    static const char *const accepted[] = {
        "", "console=ttyS0 quiet", "no-kvmclock-vsyscall", "clocksource=tsc",
        "kvmclock", "xno-kvmclock", "-- no-kvmclock", "a=\"no-kvmclock\"",
        "a=\"x no-kvmclock\"", "nopvspin",
        /* the guest is told its TSC rate instead */
        "no-kvmclock tsc_early_khz=2596126", "tsc-early-khz=0x9a0000 nopv",
        "no_kvmclock \"tsc_early_khz=2596126\"",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        GError *err = NULL;
        g_test_message("refused: %s", refused[i]);
        g_assert_false(nv_rtc_check_append(refused[i], &err));
        g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
        g_assert_nonnull(strstr(err->message, "would hang this guest"));
        g_assert_nonnull(strstr(err->message, "remove it"));
        g_assert_null(strchr(err->message, '\n'));
        g_error_free(err);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(accepted); i++) {
        GError *err = NULL;
        g_test_message("accepted: %s", accepted[i]);
        g_assert_true(nv_rtc_check_append(accepted[i], &err));
        g_assert_no_error(err);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtc/host-time-bcd", test_host_time_bcd);
    g_test_add_func("/rtc/host-time-binary", test_host_time_binary);
    g_test_add_func("/rtc/calendar", test_calendar);
    g_test_add_func("/rtc/12-hour", test_12_hour);
    g_test_add_func("/rtc/uip", test_uip);
    g_test_add_func("/rtc/set-time", test_set_time);
    g_test_add_func("/rtc/cmos-ram", test_cmos_ram);
    g_test_add_func("/rtc/index", test_index);
    g_test_add_func("/rtc/append", test_append);
    return g_test_run();
}
