/*
 * hostmem/flush.c — a guest flush (hostmem.h, nv_hostmem_flush): what it
 * needs, by backend, and the group commit that lets one msync serve every
 * flush that arrived while the previous msync ran.
 *
 * Measured on the development machine (bench/persist-cost.c, docs/
 * performance.md "Durable flushes"): msync of a whole 256 MiB or 4 GiB
 * tmpfs mapping costs 0.3 us, dirty or not (tmpfs's fsync is a no-op);
 * on ext4 the kernel already writes back only the dirty pages, and the
 * cost is the journal commit and the device cache flush: msync of the
 * whole mapping and of the one dirty page cost the same (about 0.5 ms
 * with one page dirty, 0.1 ms with none, 256 MiB and 4 GiB alike). So
 * the size of the range is not what a flush costs; the number of flushes
 * is, and on tmpfs and DAX nothing at all need be done.
 */
#include "hostmem.h"

#include <linux/magic.h>
#include <sys/vfs.h>

const char *nv_hostmem_flush_work_name(NvFlushWork w)
{
    switch (w) {
    case NV_FLUSH_NONE:
        return "none";
    case NV_FLUSH_CPU:
        return "cpu";
    case NV_FLUSH_MSYNC:
        return "msync";
    }
    return "?";
}

/* Is @fd a file on a file system whose fsync does nothing (its files live
 * in the page cache only)? */
static bool fsync_is_noop(int fd)
{
    struct statfs sf;
    if (fd < 0 || fstatfs(fd, &sf) != 0) {
        return false; /* unknown: msync, to be safe */
    }
    switch ((unsigned long)sf.f_type) {
    case TMPFS_MAGIC:
    case RAMFS_MAGIC:
    case HUGETLBFS_MAGIC:
        return true;
    default:
        return false;
    }
}

void nv_hostmem_flush_classify(NvHostMem *hm)
{
    if (hm->cfg.kind == NV_HOSTMEM_RAM) {
        hm->flush_work = NV_FLUSH_NONE;
    } else if (hm->is_pmem) {
        hm->flush_work = NV_FLUSH_CPU; /* device-dax, or MAP_SYNC */
    } else if (!hm->cfg.share || hm->cfg.readonly) {
        hm->flush_work = NV_FLUSH_NONE; /* guest writes never reach the file */
    } else if (hm->ftype == NV_FILE_REGULAR && fsync_is_noop(hm->fd)) {
        /* Only a regular file: a device node's own file system (devtmpfs)
         * says nothing about the device. */
        hm->flush_work = NV_FLUSH_NONE;
    } else {
        hm->flush_work = NV_FLUSH_MSYNC;
    }
}

bool nv_hostmem_flush(NvHostMem *hm, GError **errp)
{
    __atomic_add_fetch(&hm->flush_requests, 1, __ATOMIC_RELAXED);
    if (hm->flush_work != NV_FLUSH_MSYNC) {
        return true;
    }
    g_mutex_lock(&hm->flush_lock);
    /* The first msync to start after this call: one already running may
     * have passed this caller's stores, so it does not count. */
    uint64_t need = hm->flush_started + 1;
    while (hm->flush_done < need) {
        if (hm->flush_running) {
            g_cond_wait(&hm->flush_done_cond, &hm->flush_lock);
            continue;
        }
        uint64_t mine = ++hm->flush_started;
        hm->flush_running = true;
        g_mutex_unlock(&hm->flush_lock);
        if (hm->flush_hook) {
            hm->flush_hook(hm, mine);
        }
        GError *err = NULL;
        bool ok = nv_hostmem_persist(hm, 0, hm->size, &err);
        g_mutex_lock(&hm->flush_lock);
        hm->flush_running = false;
        hm->flush_done = mine;
        if (!ok) {
            hm->flush_failed = mine;
            g_free(hm->flush_error);
            hm->flush_error = g_strdup(err->message);
            g_error_free(err);
        }
        g_cond_broadcast(&hm->flush_done_cond);
    }
    /* An msync numbered need or later failed: this call's stores may be
     * among what it could not write. */
    bool ok = hm->flush_failed < need;
    if (!ok) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", hm->flush_error);
    }
    g_mutex_unlock(&hm->flush_lock);
    return ok;
}
