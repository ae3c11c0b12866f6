/*
 * bench/bench-time.h — what the host-side bench programs share: a
 * monotonic clock in microseconds and a qsort comparison of doubles (for
 * medians and percentiles). Header-only, so `cc -O2 bench/X.c` still
 * builds each program alone.
 */
#ifndef NVEMU_BENCH_TIME_H
#define NVEMU_BENCH_TIME_H

#include <time.h>

static inline double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
