/*
 * util/time-mark.c — nv_time_mark() (util.h): where a run's time goes,
 * measured from the process's start, on stderr, when NVEMU_TIME_MARKS is
 * set. bench/nvdimm-vs-qemu uses it to split the VM's time outside the
 * guest's clock (VMM start, kernel load, teardown).
 */
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds since boot at which this process started (/proc/self/stat field
 * 22, in clock ticks), or -1. */
static double process_start(void)
{
    g_autofree char *stat = NULL;
    if (!g_file_get_contents("/proc/self/stat", &stat, NULL, NULL)) {
        return -1;
    }
    const char *p = strrchr(stat, ')'); /* the name may hold spaces */
    unsigned long long ticks = 0;
    /* after ")": field 3 (state) ... field 22 (starttime) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                     "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1) {
        return -1;
    }
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

void nv_time_mark(const char *what)
{
    static gsize once;
    static double start = -1;
    static bool on;
    if (g_once_init_enter(&once)) {
        on = g_getenv("NVEMU_TIME_MARKS") != NULL;
        if (on) {
            start = process_start();
        }
        g_once_init_leave(&once, 1);
    }
    if (!on) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    double now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    /* start is in clock ticks (10 ms): the first marks are that coarse */
    fprintf(stderr, "nvemu: time-mark %.3f %s\n", start < 0 ? -1 : now - start,
            what);
}
