/*
 * bench/flush-cost.c — what a guest flush costs nvemu's own code
 * (nv_hostmem_flush, hostmem/flush.c) on this machine, without KVM, and
 * what the group commit saves when several vCPUs flush at once.
 *
 *   build/bench/flush-cost FILE [SIZE_MIB] [ITERATIONS]
 *
 * FILE is created (sparse, SIZE_MIB, default 256) and removed at the end;
 * put it on the file system to measure (tmpfs, ext4, DAX). Prints the
 * backend's flush kind, then for 1, 2, 4 and 8 threads ("vCPUs") that each
 * write one 4 KiB page and flush, ITERATIONS times (default 200): flushes
 * per second, the median flush latency, and how many msyncs ran, first
 * with nv_hostmem_flush, then with a plain msync of the whole mapping per
 * flush (the code before issue 14) for comparison. A flush with nothing
 * written is timed on its own line.
 */
#include "bench-time.h"
#include "hostmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    NvHostMem *hm;
    int iters, index;
    bool plain;
    double *lat;
} Worker;

static gpointer work(gpointer opaque)
{
    Worker *w = opaque;
    uint64_t pages = w->hm->size / 4096;
    for (int i = 0; i < w->iters; i++) {
        uint64_t pg = ((uint64_t)w->index * 1000003u + (uint64_t)i * 7919u) %
                      pages;
        w->hm->addr[pg * 4096] += 1;
        GError *err = NULL;
        double s = bench_now_us();
        bool ok = w->plain ? nv_hostmem_persist(w->hm, 0, w->hm->size, &err)
                           : nv_hostmem_flush(w->hm, &err);
        w->lat[i] = bench_now_us() - s;
        if (!ok) {
            g_printerr("flush-cost: %s\n", err->message);
            exit(1);
        }
    }
    return NULL;
}

static void run(NvHostMem *hm, int threads, int iters, bool plain)
{
    Worker w[8];
    GThread *t[8];
    double *lat = g_new(double, (size_t)threads * iters);
    uint64_t msyncs = hm->flushes;
    double s = bench_now_us();
    for (int i = 0; i < threads; i++) {
        w[i] = (Worker) { hm, iters, i, plain, lat + (size_t)i * iters };
        t[i] = g_thread_new("vcpu", work, &w[i]);
    }
    for (int i = 0; i < threads; i++) {
        g_thread_join(t[i]);
    }
    double wall = bench_now_us() - s;
    int n = threads * iters;
    qsort(lat, (size_t)n, sizeof(*lat), bench_cmp_double);
    printf("%-22s %d thread(s): %9.0f flushes/s  median %9.2f us  p90 %9.2f us"
           "  msyncs %5llu for %d flushes\n",
           plain ? "msync per flush" : "nv_hostmem_flush", threads,
           n / wall * 1e6, lat[n / 2], lat[n * 9 / 10],
           (unsigned long long)(hm->flushes - msyncs), n);
    fflush(stdout);
    g_free(lat);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        g_printerr("usage: flush-cost FILE [SIZE_MIB] [ITERATIONS]\n");
        return 2;
    }
    unsigned long mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 256;
    int iters = argc > 3 ? atoi(argv[3]) : 200;
    g_autofree char *text = g_strdup_printf(
        "memory-backend-file,id=bench,mem-path=%s,size=%luM,share=on",
        argv[1], mib);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) opts = nv_opts_parse(text, "qom-type", &err);
    NvHostMem *hm = opts ? nv_hostmem_new_from_opts(opts, &err) : NULL;
    if (!hm || !nv_hostmem_realize(hm, &err)) {
        g_printerr("flush-cost: %s\n", err->message);
        return 1;
    }
    printf("# %s, %lu MiB: flush kind %s\n", argv[1], mib,
           nv_hostmem_flush_work_name(hm->flush_work));
    /* Every page written and persisted once, so the timed writes neither
     * allocate blocks nor convert extents. */
    for (uint64_t off = 0; off < hm->size; off += 4096) {
        hm->addr[off] = 1;
    }
    if (!nv_hostmem_persist(hm, 0, hm->size, &err)) {
        g_printerr("flush-cost: %s\n", err->message);
        return 1;
    }
    /* nothing written */
    double *lat = g_new(double, iters);
    for (int i = 0; i < iters; i++) {
        double s = bench_now_us();
        if (!nv_hostmem_flush(hm, &err)) {
            g_printerr("flush-cost: %s\n", err->message);
            return 1;
        }
        lat[i] = bench_now_us() - s;
    }
    qsort(lat, (size_t)iters, sizeof(*lat), bench_cmp_double);
    printf("nv_hostmem_flush, nothing written: median %.3f us  p90 %.3f us\n",
           lat[iters / 2], lat[iters * 9 / 10]);
    g_free(lat);
    for (int threads = 1; threads <= 8; threads *= 2) {
        run(hm, threads, iters, false);
        run(hm, threads, iters, true);
        run(hm, threads, iters, false);
    }
    nv_hostmem_free(hm);
    unlink(argv[1]);
    return 0;
}
