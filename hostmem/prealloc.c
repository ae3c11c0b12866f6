/*
 * hostmem/prealloc.c — prealloc=on: make sure a backend's memory exists
 * before the guest runs, so that running out of disk or RAM is an error at
 * start rather than a fault in the middle of the guest's work.
 *
 *  - A regular file mapped share=on gets its blocks with fallocate(mode 0)
 *    over [0, size): it allocates holes (which read as zeros, as before) and
 *    leaves every existing byte and the file size as they were.
 *  - Everything else (RAM, a share=off file, a device, a filesystem without
 *    fallocate) has its mapping populated for writing: MADV_POPULATE_WRITE
 *    (Linux 5.14), else one write per page of the byte already there.
 */
#include "hostmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Work in steps so that progress can be shown and nothing is one huge
 * uninterruptible call. */
#define STEP (256 * MiB)

typedef struct {
    const NvHostMem *hm;
    bool show;     /* large enough to report progress */
    bool tty;      /* stderr is a terminal: one line, rewritten */
    int last;      /* last percentage reported */
} Progress;

static void progress(Progress *p, uint64_t done)
{
    if (!p->show) {
        return;
    }
    int pct = (int)(done * 100 / p->hm->size);
    const char *what = p->hm->cfg.mem_path ? p->hm->cfg.mem_path : "RAM";
    if (p->tty) {
        if (pct != p->last) {
            fprintf(stderr, "\rnvemu: preallocating %s (%s): %3d%%",
                    p->hm->cfg.id, what, pct);
            if (pct == 100) {
                fputc('\n', stderr);
            }
        }
    } else if (pct / 25 != p->last / 25 || p->last < 0) {
        /* Not a terminal: a line at the start and every 25%. */
        fprintf(stderr, "nvemu: preallocating %s (%s): %d%%\n",
                p->hm->cfg.id, what, pct);
    }
    p->last = pct;
}

/* A failure ends a terminal's progress line so the error has its own. */
static void progress_abort(Progress *p)
{
    if (p->show && p->tty && p->last >= 0 && p->last < 100) {
        fputc('\n', stderr);
    }
}

/* Fault every page of [addr, addr+len) in writable, without changing it. */
static int populate(uint8_t *addr, uint64_t len, bool *use_madvise)
{
    if (*use_madvise) {
        if (madvise(addr, len, MADV_POPULATE_WRITE) == 0) {
            return 0;
        }
        if (errno != EINVAL) {
            return errno;
        }
        *use_madvise = false; /* a kernel before 5.14 */
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    for (uint64_t off = 0; off < len; off += page) {
        volatile uint8_t *b = addr + off;
        *b = *b;
    }
    return 0;
}

bool nv_hostmem_prealloc(NvHostMem *hm, GError **errp)
{
    Progress p = {
        .hm = hm, .show = hm->size >= NV_PREALLOC_PROGRESS_MIN,
        .tty = isatty(STDERR_FILENO), .last = -1,
    };
    bool use_fallocate = hm->cfg.kind == NV_HOSTMEM_FILE &&
                         hm->ftype == NV_FILE_REGULAR && hm->cfg.share &&
                         !hm->cfg.readonly;
    bool use_madvise = true;
    const char *how = use_fallocate ? "fallocate" : "populating the pages";

    progress(&p, 0);
    for (uint64_t off = 0; off < hm->size; off += STEP) {
        uint64_t n = MIN(STEP, hm->size - off);
        int err = 0;
        if (use_fallocate) {
            if (fallocate(hm->fd, 0, (off_t)off, (off_t)n) != 0) {
                err = errno;
                if (err == EOPNOTSUPP && off == 0) {
                    /* No fallocate here (e.g. some FUSE filesystems):
                     * writing each page in place allocates it too. */
                    use_fallocate = false;
                    how = "populating the pages";
                    err = populate(hm->addr, n, &use_madvise);
                }
            }
        } else {
            err = populate(hm->addr + off, n, &use_madvise);
        }
        if (err) {
            progress_abort(&p);
            g_autofree char *sz = nv_format_size(hm->size);
            if (hm->cfg.mem_path) {
                g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                            "prealloc=on: cannot reserve %s for mem-path "
                            "'%s' (%s): %s", sz, hm->cfg.mem_path, how,
                            g_strerror(err));
            } else {
                g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                            "prealloc=on: cannot allocate %s of RAM (%s): %s",
                            sz, how, g_strerror(err));
            }
            return false;
        }
        progress(&p, off + n);
    }
    return true;
}
