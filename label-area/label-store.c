/*
 * label-area/label-store.c — where a DIMM's label bytes live, and the only
 * code that reads or writes them.
 *
 * Regular files and block devices are read and written with pread/pwrite on
 * the backend's descriptor, never through the mapping: a label area in a
 * sparse file on a full filesystem then fails a write with ENOSPC instead
 * of killing nvemu with SIGBUS. Device-dax and RAM backends use the mapping
 * (no file to fill up). A write is reported done only once persisted; a
 * write that fails puts the old bytes back first.
 */
#include "label-area.h"

#include <string.h>

bool nv_label_store_init(NvLabelStore *ls, NvHostMem *mem, uint64_t offset,
                         uint64_t size, bool readonly, GError **errp)
{
    if (!mem->addr || offset > mem->size || mem->size - offset < size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label area [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                    ") does not fit in %s backend '%s'", offset, size,
                    mem->addr ? "the" : "the unmapped", mem->cfg.id);
        return false;
    }
    *ls = (NvLabelStore) {
        .mem = mem,
        .offset = offset,
        .size = size,
        .readonly = readonly || mem->cfg.readonly,
    };
    return true;
}

const char *nv_label_store_file(const NvLabelStore *ls)
{
    return ls->mem->cfg.mem_path;
}

static bool in_bounds(const NvLabelStore *ls, uint64_t off, uint64_t len,
                      GError **errp)
{
    if (off > ls->size || ls->size - off < len) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label access [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                    ") is outside the %" G_GUINT64_FORMAT "-byte label area",
                    off, len, ls->size);
        return false;
    }
    return true;
}

/* The bytes as they are: through the fd where there is one. */
static bool raw_read(const NvLabelStore *ls, uint64_t off, void *buf,
                     uint64_t len, GError **errp)
{
    if (nv_hostmem_fd_io(ls->mem)) {
        return nv_hostmem_pread(ls->mem, ls->offset + off, buf, len, errp);
    }
    memcpy(buf, ls->mem->addr + ls->offset + off, len);
    return true;
}

/* Write and persist; *written: leading bytes that may have changed. */
static bool raw_write(NvLabelStore *ls, uint64_t off, const void *buf,
                      uint64_t len, uint64_t *written, GError **errp)
{
    NvHostMem *m = ls->mem;
    uint64_t at = ls->offset + off;
    if (!nv_hostmem_fd_io(m)) {
        memcpy(m->addr + at, buf, len);
        *written = len;
        return nv_hostmem_persist(m, at, len, errp);
    }
    if (!nv_hostmem_pwrite(m, at, buf, len, written, errp)) {
        return false;
    }
    if (!nv_hostmem_sync_written(m, at, len, errp)) {
        g_prefix_error(errp, "cannot persist: ");
        return false;
    }
    return true;
}

bool nv_label_store_read(const NvLabelStore *ls, uint64_t off, void *buf,
                         uint64_t len, GError **errp)
{
    return in_bounds(ls, off, len, errp) && raw_read(ls, off, buf, len, errp);
}

bool nv_label_store_write(NvLabelStore *ls, uint64_t off, const void *buf,
                          uint64_t len, GError **errp)
{
    if (ls->readonly) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "label area of '%s' is read-only", ls->mem->cfg.id);
        return false;
    }
    if (!in_bounds(ls, off, len, errp)) {
        return false;
    }
    g_autofree uint8_t *old = g_malloc(len ? len : 1);
    if (!raw_read(ls, off, old, len, errp)) {
        g_prefix_error(errp, "cannot read the old bytes first: ");
        return false;
    }
    uint64_t written = 0, restored = 0;
    g_autoptr(GError) err = NULL, again = NULL;
    if (raw_write(ls, off, buf, len, &written, &err)) {
        return true;
    }
    /* Only the bytes that reached the file need restoring; rewriting
     * them needs no new blocks, so this works on a full filesystem. */
    if (written && !raw_write(ls, off, old, written, &restored, &again)) {
        if (restored == written) {
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s; the old bytes are "
                        "back, not persisted either (%s)",
                        err->message, again->message);
        } else {
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s; restoring the old "
                        "bytes failed too (%s): the label area may hold part "
                        "of the write", err->message, again->message);
        }
        return false;
    }
    g_propagate_error(errp, g_steal_pointer(&err));
    return false;
}
