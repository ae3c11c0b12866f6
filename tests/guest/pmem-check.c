/*
 * tests/guest/pmem-check.c — the small pmem program of tests/test-pmem.sh,
 * run in the real guest (and the `find` command in the test host).
 *
 *   pmem-check obj-write POOL TEXT  create a libpmemobj pool (layout
 *                                   "nvemu"), store TEXT in its root object
 *   pmem-check obj-read POOL        open it again, print the root's TEXT
 *   pmem-check dax PATH             statx: is STATX_ATTR_DAX set on PATH?
 *   pmem-check find PATH TEXT       first byte offset of TEXT in a file,
 *                                   block device or device-dax device
 *
 * Prints one "key=value" line; exit 0 on success, 1 on a failed check,
 * 2 on a usage or system error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libpmem.h>
#include <libpmemobj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

struct root {
    char text[256];
};

static int obj_write(const char *path, const char *text)
{
    PMEMobjpool *pop = pmemobj_create(path, "nvemu", PMEMOBJ_MIN_POOL, 0644);
    if (!pop) {
        fprintf(stderr, "pmem-check: pmemobj_create %s: %s\n", path,
                pmemobj_errormsg());
        return 2;
    }
    PMEMoid oid = pmemobj_root(pop, sizeof(struct root));
    struct root *r = pmemobj_direct(oid);
    if (!r) {
        fprintf(stderr, "pmem-check: pmemobj_root: %s\n", pmemobj_errormsg());
        pmemobj_close(pop);
        return 2;
    }
    char buf[sizeof(r->text)] = { 0 };
    snprintf(buf, sizeof(buf), "%s", text);
    pmemobj_memcpy_persist(pop, r->text, buf, sizeof(buf));
    pmemobj_close(pop);
    printf("obj-written=%s\n", buf);
    return 0;
}

static int obj_read(const char *path)
{
    PMEMobjpool *pop = pmemobj_open(path, "nvemu");
    if (!pop) {
        fprintf(stderr, "pmem-check: pmemobj_open %s: %s\n", path,
                pmemobj_errormsg());
        return 2;
    }
    struct root *r = pmemobj_direct(pmemobj_root(pop, sizeof(struct root)));
    printf("obj-read=%.*s\n", (int)sizeof(r->text), r ? r->text : "");
    pmemobj_close(pop);
    return r ? 0 : 1;
}

static int dax(const char *path)
{
    struct statx stx;
    if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) != 0) {
        fprintf(stderr, "pmem-check: statx %s: %s\n", path, strerror(errno));
        return 2;
    }
    /* is_pmem: what libpmem decides for a mapping of this file (MAP_SYNC) */
    int is_pmem = -1;
    size_t len;
    if (S_ISREG(stx.stx_mode) && stx.stx_size) {
        void *p = pmem_map_file(path, 0, 0, 0, &len, &is_pmem);
        if (p) {
            pmem_unmap(p, len);
        }
    }
    int on = (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
             (stx.stx_attributes & STATX_ATTR_DAX);
    printf("statx-dax=%d is_pmem=%d\n", on, is_pmem);
    return on ? 0 : 1;
}

/* Size of a device-dax device, from sysfs (it cannot be read or lseek'd). */
static long long devdax_size(const struct stat *st)
{
    char p[128];
    long long size = -1;
    snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/size", major(st->st_rdev),
             minor(st->st_rdev));
    FILE *f = fopen(p, "r");
    if (f) {
        if (fscanf(f, "%lld", &size) != 1) {
            size = -1;
        }
        fclose(f);
    }
    return size;
}

static int find(const char *path, const char *text)
{
    size_t tl = strlen(text);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || tl == 0) {
        fprintf(stderr, "pmem-check: %s: %s\n", path, strerror(errno));
        return 2;
    }
    long long off = -1;
    if (S_ISCHR(st.st_mode)) {  /* device-dax: mmap only */
        long long size = devdax_size(&st);
        void *p = size > 0 ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0)
                           : MAP_FAILED;
        if (p == MAP_FAILED) {
            fprintf(stderr, "pmem-check: mmap %s: %s\n", path, strerror(errno));
            return 2;
        }
        char *hit = memmem(p, size, text, tl);
        off = hit ? hit - (char *)p : -1;
        munmap(p, size);
    } else {
        size_t chunk = 4 << 20;
        char *buf = malloc(chunk + tl);
        long long base = 0;
        size_t have = 0;
        ssize_t n;
        while (buf && (n = read(fd, buf + have, chunk)) > 0) {
            char *hit = memmem(buf, have + n, text, tl);
            if (hit) {
                off = base + (hit - buf);
                break;
            }
            /* keep the last tl-1 bytes: a hit may straddle two reads */
            size_t keep = have + n < tl - 1 ? have + n : tl - 1;
            memmove(buf, buf + have + n - keep, keep);
            base += have + n - keep;
            have = keep;
        }
        free(buf);
    }
    close(fd);
    if (off < 0) {
        printf("found=no\n");
        return 1;
    }
    printf("found=%lld\n", off);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "obj-write")) {
        return obj_write(argv[2], argv[3]);
    }
    if (argc == 3 && !strcmp(argv[1], "obj-read")) {
        return obj_read(argv[2]);
    }
    if (argc == 3 && !strcmp(argv[1], "dax")) {
        return dax(argv[2]);
    }
    if (argc == 4 && !strcmp(argv[1], "find")) {
        return find(argv[2], argv[3]);
    }
    fprintf(stderr, "usage: pmem-check obj-write POOL TEXT | obj-read POOL | "
            "dax PATH | find PATH TEXT\n");
    return 2;
}
