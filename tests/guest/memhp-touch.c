/* tests/guest/memhp-touch.c — a guest tool of the memory hotplug tests
 * (tests/test-memhp-guest.sh, tests/test-nvdimm-hotplug.sh): proves that
 * memory the guest got at run time is usable. Static, in the guest's
 * /usr/bin (tools/test-host/run --guest-tool).
 *
 *   memhp-touch MIB [HOLD_SECS]
 *
 * mmaps MIB MiB of anonymous memory, writes every 4 KiB page (a pattern
 * from the page's index in its first and last 8 bytes), reads every page
 * back, and prints one line:
 *   touch mib=MIB pages=N bad=B secs=S
 * Exit 0 when all pages read back what was written. With HOLD_SECS it
 * then keeps the memory (mlock'd, so it cannot be swapped or dropped) for
 * that long, or until it gets SIGTERM, and prints "hold-end" before it exits:
 * the failed-removal test holds kernel-zone memory in use this way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: memhp-touch MIB [HOLD_SECS]\n");
        return 2;
    }
    char *end;
    unsigned long mib = strtoul(argv[1], &end, 10);
    if (*end || mib == 0 || mib > (1ul << 20)) {
        fprintf(stderr, "memhp-touch: bad MIB '%s'\n", argv[1]);
        return 2;
    }
    long hold = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
    size_t len = (size_t)mib << 20, pages = len / PAGE, bad = 0;
    double t0 = now();
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("touch mib=%lu mmap-failed errno=%d\n", mib, errno);
        return 1;
    }
    for (size_t i = 0; i < pages; i++) {
        uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull ^ 0x6d656d6870ull;
        memcpy(p + i * PAGE, &v, 8);
        memcpy(p + i * PAGE + PAGE - 8, &v, 8);
    }
    for (size_t i = 0; i < pages; i++) {
        uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull ^ 0x6d656d6870ull, a, b;
        memcpy(&a, p + i * PAGE, 8);
        memcpy(&b, p + i * PAGE + PAGE - 8, 8);
        bad += a != v || b != v;
    }
    printf("touch mib=%lu pages=%zu bad=%zu secs=%.2f\n", mib, pages, bad, now() - t0);
    fflush(stdout);
    if (hold > 0) {
        signal(SIGTERM, on_term);
        if (mlock(p, len) != 0)
            printf("mlock-failed errno=%d\n", errno);
        for (long s = 0; s < hold && !stop; s++)
            sleep(1);
        printf("hold-end\n");
    }
    return bad != 0;
}
