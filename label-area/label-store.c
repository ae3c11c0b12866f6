/*
 * label-area/label-store.c — where a DIMM's label bytes live, and the only
 * code that reads or writes them. A write is reported done only after
 * nv_hostmem_persist() has made it durable.
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

bool nv_label_store_read(const NvLabelStore *ls, uint64_t off, void *buf,
                         uint64_t len, GError **errp)
{
    if (!in_bounds(ls, off, len, errp)) {
        return false;
    }
    memcpy(buf, ls->mem->addr + ls->offset + off, len);
    return true;
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
    memcpy(ls->mem->addr + ls->offset + off, buf, len);
    return nv_hostmem_persist(ls->mem, ls->offset + off, len, errp);
}
