/*
 * bench/memcpy-bw.c — host-side memcpy bandwidth, the yardstick for the
 * guest's pmem write bandwidth in bench/nvdimm-vs-qemu. Runs in the TEST HOST
 * (the machine the VMMs run on), added there with `tools/test-host/run --tool`.
 *
 *   memcpy-bw SIZE [FILE] [LABEL...]
 *
 * Copies SIZE bytes (K/M/G suffixes) from a pre-touched anonymous buffer into
 * a destination: a MAP_SHARED mapping of FILE (created, truncated to SIZE,
 * removed afterwards) — the same kind of memory as the VMMs' NVDIMM backing
 * files on the test host's tmpfs — or, without FILE, fresh anonymous memory.
 *
 *   cold: the first copy; every destination page is faulted in on the way
 *         (as a guest's first write to a fresh backing file faults in the host)
 *   warm: the best of three further copies into the same, now resident, pages
 *
 * Prints one line: "RESULT: bench-host LABEL... memcpy bytes=N cold-s=S
 * warm-s=S" (seconds, CLOCK_MONOTONIC). Exit 1 on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    switch (*end) {
    case 'G': case 'g': v <<= 10; /* fall through */
    case 'M': case 'm': v <<= 10; /* fall through */
    case 'K': case 'k': v <<= 10; end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end || v == 0 || v > SIZE_MAX / 2)
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    size_t size;
    if (argc < 2 || parse_size(argv[1], &size) < 0) {
        fprintf(stderr, "usage: memcpy-bw SIZE [FILE] [LABEL...]\n");
        return 1;
    }
    const char *file = argc > 2 && argv[2][0] ? argv[2] : NULL;

    uint8_t *src = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src == MAP_FAILED) {
        perror("memcpy-bw: mmap");
        return 1;
    }
    memset(src, 0xa5, size); /* resident before the clock starts */

    uint8_t *dst;
    int fd = -1;
    if (file) {
        fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
            perror(file);
            return 1;
        }
        dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    } else {
        dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (dst == MAP_FAILED) {
        perror("memcpy-bw: mmap");
        return 1;
    }

    double t0 = now();
    memcpy(dst, src, size);
    double cold = now() - t0;
    double warm = 1e9;
    for (int i = 0; i < 3; i++) {
        src[i] = (uint8_t)i; /* a different copy each time */
        t0 = now();
        memcpy(dst, src, size);
        double t = now() - t0;
        if (t < warm)
            warm = t;
    }
    /* Use the destination, so the copies cannot be optimised away. */
    volatile uint8_t sink = dst[size - 1] ^ dst[2];
    (void)sink;

    printf("RESULT: bench-host");
    for (int i = 3; i < argc; i++)
        printf(" %s", argv[i]);
    printf(" memcpy bytes=%zu cold-s=%.6f warm-s=%.6f dest=%s\n", size, cold, warm,
           file ? "tmpfs-file" : "anon");
    munmap(dst, size);
    munmap(src, size);
    if (fd >= 0) {
        close(fd);
        unlink(file);
    }
    return 0;
}
