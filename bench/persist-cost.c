/*
 * bench/persist-cost.c — what one guest flush costs nvemu on the host
 * (issue 14, point 3), without KVM: the ways of making a shared file
 * mapping durable, timed on a file of the given size in the given
 * directory.
 *
 *   persist-cost DIR SIZE_MIB [ITERATIONS]
 *
 * The file (DIR/persist-cost.img, removed at the end) is created sparse,
 * mapped MAP_SHARED and every page is read once, so the whole mapping is
 * resident and mapped, as a DIMM the guest has used. Each line is one
 * operation: the median, p10 and p90 of ITERATIONS (default 200) timings in
 * microseconds.
 *
 *   msync-clean        msync(MS_SYNC) of the whole mapping, nothing dirty
 *   msync-1page        write one 4 KiB page (a different one each time),
 *                      then msync(MS_SYNC) of the whole mapping
 *   msync-1page-range  the same write, then msync of that page only (the
 *                      cost a perfect dirty-range tracker would pay)
 *   fdatasync-clean    fdatasync(fd), nothing dirty
 *   fdatasync-1page    write one page, then fdatasync(fd)
 *   mincore            mincore() over the whole mapping (residency only:
 *                      it cannot tell dirty pages)
 *   pagemap            pread of the mapping's /proc/self/pagemap entries
 *                      (8 bytes a page: the soft-dirty scan's read cost)
 *   bitmap-scan        scanning a dirty bitmap of one bit per 4 KiB page
 *                      (what KVM_GET_DIRTY_LOG hands back) for set bits,
 *                      with none set: the user-space side of a dirty log
 *   write-1page        the page write alone, for reference
 */
#define _GNU_SOURCE
#include "bench-time.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

static void report(const char *name, double *t, int n)
{
    qsort(t, n, sizeof(*t), bench_cmp_double);
    printf("%-18s median %10.2f us  p10 %10.2f  p90 %10.2f  (n=%d)\n", name,
           t[n / 2], t[n / 10], t[n * 9 / 10], n);
    fflush(stdout);
}

static void die(const char *what)
{
    fprintf(stderr, "persist-cost: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: persist-cost DIR SIZE_MIB [ITERATIONS]\n");
        return 2;
    }
    size_t size = (size_t)strtoull(argv[2], NULL, 0) << 20;
    int n = argc > 3 ? atoi(argv[3]) : 200;
    if (size == 0 || n < 10) {
        fprintf(stderr, "persist-cost: bad size or iterations\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/persist-cost.img", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        die(path);
    }
    uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        die("mmap");
    }
    size_t pages = size / PAGE;
    double t0 = bench_now_us();
    volatile uint8_t sink = 0;
    for (size_t p = 0; p < pages; p++) {
        sink += m[p * PAGE];
    }
    (void)sink;
    printf("# %s: %zu MiB, %zu pages read-faulted in %.0f ms\n", path,
           size >> 20, pages, (bench_now_us() - t0) / 1e3);
    /* Write a spread of pages once and sync, so the file has blocks where
     * the timed writes land (an allocating write costs more on ext4). */
    for (int i = 0; i < n; i++) {
        m[((size_t)i * 7919 % pages) * PAGE] = 1;
    }
    if (msync(m, size, MS_SYNC) != 0) {
        die("msync");
    }

    double *t = calloc(n, sizeof(*t));
    unsigned char *vec = malloc(pages);
    uint64_t *pm = malloc(pages * 8);
    uint64_t *bitmap = calloc(pages / 64 + 1, 8);
    int pmfd = open("/proc/self/pagemap", O_RDONLY);
    if (!t || !vec || !pm || !bitmap || pmfd < 0) {
        die("setup");
    }

#define TIME(name, before, op)                                              \
    for (int i = 0; i < n; i++) {                                           \
        size_t pg = (size_t)i * 7919 % pages;                               \
        (void)pg;                                                           \
        before;                                                             \
        double s = bench_now_us();                                                \
        op;                                                                 \
        t[i] = bench_now_us() - s;                                                \
    }                                                                       \
    report(name, t, n)

    TIME("msync-clean", (void)0,
         if (msync(m, size, MS_SYNC)) die("msync"));
    TIME("msync-1page", m[pg * PAGE] += 1;,
         if (msync(m, size, MS_SYNC)) die("msync"));
    TIME("msync-1page-range", m[pg * PAGE] += 1;,
         if (msync(m + pg * PAGE, PAGE, MS_SYNC)) die("msync"));
    TIME("fdatasync-clean", (void)0, if (fdatasync(fd)) die("fdatasync"));
    TIME("fdatasync-1page", m[pg * PAGE] += 1;,
         if (fdatasync(fd)) die("fdatasync"));
    TIME("mincore", (void)0, if (mincore(m, size, vec)) die("mincore"));
    TIME("pagemap", (void)0,
         if (pread(pmfd, pm, pages * 8, (off_t)((uintptr_t)m / PAGE * 8)) !=
             (ssize_t)(pages * 8)) die("pagemap"));
    volatile size_t found = 0;
    TIME("bitmap-scan", (void)0, for (size_t w = 0; w < pages / 64; w++) {
        if (bitmap[w]) {
            found += (size_t)__builtin_popcountll(bitmap[w]);
        }
    });
    TIME("write-1page", (void)0, m[pg * PAGE] += 1);
    msync(m, size, MS_SYNC);
    munmap(m, size);
    close(fd);
    unlink(path);
    return 0;
}
