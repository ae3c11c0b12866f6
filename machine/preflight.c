/*
 * machine/preflight.c — what a start can check before it creates any file:
 * the boot files (-kernel, -initrd, -append) and the host CPU's
 * guest-physical address limit.
 */
#include "boot.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A kernel without a setup header (a vmlinux): COMMAND_LINE_SIZE on x86
 * since Linux 2.6.22, as boot.c assumes too. */
#define ELF_CMDLINE_MAX 2047

/* A regular file we can read: open it, return the fd, or fail naming @opt. */
static int open_boot_file(const char *opt, const char *path, struct stat *st,
                          GError **errp)
{
    g_autofree char *q = *path ? nv_quote(path) : g_strdup("''");
    const char *why = NULL;
    int fd = -1;

    if (!*path) {
        why = "an empty file name";
    } else if (strlen(path) >= PATH_MAX) {
        why = "longer than PATH_MAX";
    } else if (stat(path, st) != 0) {
        why = g_strerror(errno);
    } else if (S_ISDIR(st->st_mode)) {
        why = "is a directory";
    } else if (!S_ISREG(st->st_mode)) {
        why = "not a regular file";
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
        why = g_strerror(errno);
    } else if (st->st_size == 0) {
        why = "is empty";
    }
    if (why) {
        if (fd >= 0) {
            close(fd);
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "%s %s: %s", opt, q,
                    why);
        return -1;
    }
    return fd;
}

bool nv_boot_preflight(const char *kernel, const char *initrd,
                       const char *append, GError **errp)
{
    struct stat st;
    if (!kernel) {
        if (initrd || append) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s is only allowed with -kernel",
                        initrd ? "-initrd" : "-append");
            return false;
        }
        return true;
    }
    int fd = open_boot_file("-kernel", kernel, &st, errp);
    if (fd < 0) {
        return false;
    }
    uint8_t hdr[NV_BOOT_HDR_LEN] = { 0 };
    ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
    close(fd);
    g_autofree char *qk = nv_quote(kernel);
    uint64_t cmdline_max;
    if (n >= 4 && nv_boot_is_elf(hdr, (gsize)n)) {
        cmdline_max = ELF_CMDLINE_MAX;
    } else {
        /* What nv_boot_linux() will insist on, said now. */
        gsize payload_off;
        uint32_t cmdline_size;
        if (!nv_boot_check_bzimage(qk, hdr, n > 0 ? (gsize)n : 0,
                                   (uint64_t)st.st_size, &payload_off,
                                   &cmdline_size, errp)) {
            return false;
        }
        cmdline_max = cmdline_size;
    }
    cmdline_max = MIN(cmdline_max, NV_BOOT_CMDLINE_MAX - 1);
    size_t clen = append ? strlen(append) : 0;
    if (clen > cmdline_max) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-append: %zu bytes, but the kernel %s takes at most %"
                    G_GUINT64_FORMAT, clen, qk, cmdline_max);
        return false;
    }
    if (initrd) {
        fd = open_boot_file("-initrd", initrd, &st, errp);
        if (fd < 0) {
            return false;
        }
        close(fd);
    }
    return true;
}

/*
 * The guest-physical limit: NVEMU_PHYS_BITS=N (for tests, 32..52) if set,
 * else the host CPU's physical address bits (CPUID 0x80000008 EAX[7:0]);
 * KVM gives the guest the same width. A host without the leaf: 36 bits.
 */
bool nv_host_phys_limit(uint64_t *limit, const char **from, GError **errp)
{
    static char text[96];
    const char *env = g_getenv("NVEMU_PHYS_BITS");
    unsigned bits;

    if (env) {
        uint64_t v;
        if (!nv_parse_uint(env, 52, &v, NULL) || v < 32) {
            g_autofree char *q = nv_quote(env);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "NVEMU_PHYS_BITS=%s: give a number of bits from 32 "
                        "to 52", q);
            return false;
        }
        bits = (unsigned)v;
        g_snprintf(text, sizeof(text), "NVEMU_PHYS_BITS=%u", bits);
    } else {
        unsigned eax, ebx, ecx, edx;
        if (__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx) &&
            (eax & 0xff) >= 32) {
            bits = MIN(eax & 0xff, 52u);
            g_snprintf(text, sizeof(text), "the host CPU's %u physical "
                       "address bits, CPUID 0x80000008", bits);
        } else {
            bits = 36;
            g_snprintf(text, sizeof(text), "36 bits: the host CPU does not "
                       "report its address width");
        }
    }
    *limit = UINT64_C(1) << bits;
    *from = text;
    return true;
}
