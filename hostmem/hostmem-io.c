/*
 * hostmem/hostmem-io.c — reading and writing a backend through its file
 * descriptor instead of its mapping.
 *
 * A store into the mapping of a sparse file that the filesystem cannot back
 * (ENOSPC, EIO) raises SIGBUS; pwrite() returns the error instead. Label
 * areas use these calls for regular files and block devices. Device-dax has
 * no read/write (only mmap) and RAM has no file: both keep the mapping,
 * where a store cannot fail that way.
 *
 * Coherence: pread()/pwrite() and a MAP_SHARED mapping of the same file
 * share the page cache (on a DAX filesystem both reach the same media), so
 * bytes written here are what the mapping shows, and the reverse.
 */
#include "hostmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool nv_hostmem_fd_io(const NvHostMem *hm)
{
    /* share=off: the bytes live in a private copy the file never sees. */
    return hm->fd >= 0 && hm->cfg.kind == NV_HOSTMEM_FILE && hm->cfg.share &&
           (hm->ftype == NV_FILE_REGULAR || hm->ftype == NV_FILE_BLOCK);
}

static bool check_range(const NvHostMem *hm, uint64_t off, uint64_t len,
                        GError **errp)
{
    if (!nv_hostmem_fd_io(hm) || off > hm->size || len > hm->size - off ||
        off + len > (uint64_t)INT64_MAX) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "memory backend '%s': file I/O of %" G_GUINT64_FORMAT
                    " bytes at offset %" G_GUINT64_FORMAT " is not possible",
                    hm->cfg.id, len, off);
        return false;
    }
    return true;
}

bool nv_hostmem_pread(NvHostMem *hm, uint64_t off, void *buf, uint64_t len,
                      GError **errp)
{
    if (!check_range(hm, off, len, errp)) {
        return false;
    }
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = pread(hm->fd, (uint8_t *)buf + done, len - done,
                          (off_t)(off + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* 0: the file was shortened under us. */
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s",
                        n < 0 ? g_strerror(errno)
                              : "end of file (the file was shortened while "
                                "nvemu runs)");
            return false;
        }
        done += (uint64_t)n;
    }
    return true;
}

bool nv_hostmem_pwrite(NvHostMem *hm, uint64_t off, const void *buf,
                       uint64_t len, uint64_t *written, GError **errp)
{
    uint64_t done = 0;
    if (written) {
        *written = 0;
    }
    if (!check_range(hm, off, len, errp)) {
        return false;
    }
    if (hm->cfg.readonly) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s",
                    g_strerror(EBADF));
        return false;
    }
    while (done < len) {
        ssize_t n = pwrite(hm->fd, (const uint8_t *)buf + done, len - done,
                           (off_t)(off + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC; /* 0 bytes: no room */
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", g_strerror(err));
            break;
        }
        done += (uint64_t)n;
        if (written) {
            *written = done;
        }
    }
    return done == len;
}

/*
 * msync(MS_SYNC) of the pages covering the range: on Linux that is
 * vfs_fsync_range(datasync) of the file for a shared mapping, which writes
 * back page-cache pages however they were dirtied (pwrite or stores) and
 * commits the metadata of blocks a pwrite allocated in a hole. On a DAX
 * file the kernel's pwrite already flushed the CPU caches; the fsync is
 * what makes a newly allocated block's metadata durable, which
 * pmem_persist() of the mapping would not.
 */
bool nv_hostmem_sync_written(NvHostMem *hm, uint64_t off, uint64_t len,
                             GError **errp)
{
    if (!check_range(hm, off, len, errp)) {
        return false;
    }
    if (hm->persist_fault) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s",
                    g_strerror(hm->persist_fault));
        return false;
    }
    if (len == 0 || hm->cfg.readonly) {
        return true;
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t start = nv_align_down(off, page);
    uint64_t end = nv_align_up(off + len, page);
    if (msync(hm->addr + start, end - start, MS_SYNC) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", g_strerror(errno));
        return false;
    }
    hm->flushes++;
    return true;
}
