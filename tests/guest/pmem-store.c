/*
 * tests/guest/pmem-store.c — a guest user-mode writer for tests/test-enospc.sh:
 * maps PATH (a device-dax /dev/daxN.M) shared and stores one byte into each
 * 4 KiB page of its first MIB mebibytes, printing "stored N MiB" after each
 * 16 MiB. The guest's user-mode stores go straight to the host's backing
 * file. Freestanding (no libc), so the test embeds it in the guest script.
 *   usage: pmem-store PATH MIB
 */
#include <stddef.h>

static long sys(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

static void say(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    sys(1, 1, (long)s, (long)n, 0, 0, 0); /* write(1, ...) */
}

static void say_num(unsigned long v)
{
    char b[24];
    int i = 23;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    say(b + i);
}

static int run(int argc, char **argv)
{
    if (argc != 3) {
        say("usage: pmem-store PATH MIB\n");
        return 2;
    }
    unsigned long mib = 0;
    for (const char *p = argv[2]; *p; p++) {
        mib = mib * 10 + (unsigned long)(*p - '0');
    }
    long fd = sys(2, (long)argv[1], 2 /* O_RDWR */, 0, 0, 0, 0);
    if (fd < 0) {
        say("pmem-store: open failed\n");
        return 1;
    }
    unsigned long len = mib << 20;
    /* mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0) */
    long a = sys(9, 0, (long)len, 3, 1, fd, 0);
    if (a < 0 && a > -4096) {
        say("pmem-store: mmap failed\n");
        return 1;
    }
    volatile unsigned char *m = (volatile unsigned char *)a;
    for (unsigned long off = 0; off < len; off += 4096) {
        m[off] = 0xA5;
        if (((off + 4096) & ((16ul << 20) - 1)) == 0) {
            say("stored ");
            say_num((off + 4096) >> 20);
            say(" MiB\n");
        }
    }
    return 0;
}

__attribute__((used)) void start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    sys(60, run(argc, argv), 0, 0, 0, 0, 0); /* exit */
    for (;;) {
    }
}

__asm__(".globl _start\n_start:\n\txor %rbp,%rbp\n\tmov %rsp,%rdi\n"
        "\tand $-16,%rsp\n\tcall start_c\n\thlt\n");
