/*
 * bench/memhp-total.c — the guest half of bench/hotplug-vs-qemu: tells the
 * test host how much RAM the guest's kernel has, as soon as it changes.
 *
 *   memhp-total DEV BLOCK
 *
 * Every millisecond it reads the kernel's total RAM (sysinfo(2): totalram,
 * the figure /proc/meminfo calls MemTotal; it grows by 128 MiB as each
 * hot-added memory block is onlined and shrinks as each is offlined), and
 * when it differs from the last one written, writes one 4 KiB block at
 * BLOCK of DEV (O_DIRECT; the label-less NVDIMM, whose backing file the
 * host reads):
 *   memhp-total kb=KB seq=N
 * Runs until killed (the host's quit ends the VMM).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: memhp-total DEV BLOCK\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_DIRECT);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    off_t off = (off_t)strtoul(argv[2], NULL, 10) * 4096;
    void *blk;
    if (posix_memalign(&blk, 4096, 4096) != 0) {
        return 1;
    }
    unsigned long long last = 0, seq = 0;
    const struct timespec ms = { 0, 1000000 };
    for (;;) {
        struct sysinfo si;
        if (sysinfo(&si) == 0) {
            unsigned long long kb = (unsigned long long)si.totalram * si.mem_unit / 1024;
            if (kb != last) {
                memset(blk, 0, 4096);
                snprintf(blk, 4096, "memhp-total kb=%llu seq=%llu\n", kb, ++seq);
                if (pwrite(fd, blk, 4096, off) != 4096) {
                    perror("pwrite");
                    return 1;
                }
                last = kb;
            }
        }
        nanosleep(&ms, NULL);
    }
}
