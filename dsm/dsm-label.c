/*
 * dsm/dsm-label.c — the Intel family's label functions 4, 5 and 6 (Get
 * Namespace Label Size, Get and Set Namespace Label Data), on the DIMM's
 * label store.
 */
#include "dsm-int.h"

bool nv_dsm_has_labels(const NvDsmCall *c)
{
    return c->dimm->state.has_labels;
}

bool nv_dsm_labels_writable(const NvDsmCall *c)
{
    return c->dimm->state.has_labels && !c->dimm->state.labels.readonly;
}

/* Function 4: status, label area size, max transfer. */
uint32_t nv_dsm_get_label_size(NvDsmCall *c)
{
    nv_st32(c->out, NV_DSM_OK);
    nv_st32(c->out + 4, (uint32_t)c->dimm->state.labels.size);
    nv_st32(c->out + 8, NV_DSM_MAX_XFER);
    return 12;
}

/* Arg3 of functions 5 and 6 starts with u32 offset, u32 length (the table
 * guarantees 8 bytes); both must stay inside the label area and the
 * transfer limit. */
static bool label_range(const NvDsmCall *c, uint32_t *off, uint32_t *len)
{
    *off = nv_ld32(c->in);
    *len = nv_ld32(c->in + 4);
    return *len <= NV_DSM_MAX_XFER &&
           (uint64_t)*off + *len <= c->dimm->state.labels.size; /* no wrap */
}

/*
 * One warning line for a label read or write the host could not do; the
 * guest gets NV_DSM_HW_ERROR and nvemu carries on. For example:
 * nvemu: warning: nvdimm nv0: label write of 256 bytes at 0x1000 to
 * pmem0.img failed: No space left on device
 */
static void warn_label_io(const NvDimm *d, bool write, uint32_t off,
                          uint32_t len, const GError *err)
{
    const char *file = nv_label_store_file(&d->state.labels);
    g_autofree char *who = d->id ? g_strdup(d->id)
                                 : g_strdup_printf("in slot %u", d->slot);
    g_autofree char *where = file ? g_strdup(file)
                                  : g_strdup_printf("RAM backend '%s'",
                                                    d->state.labels.mem->cfg.id);
    g_printerr("nvemu: warning: nvdimm %s: label %s of %u bytes at 0x%x %s "
               "%s failed: %s\n", who, write ? "write" : "read", len, off,
               write ? "to" : "from", where, err->message);
}

/* Function 5: status, then the bytes. */
uint32_t nv_dsm_get_label_data(NvDsmCall *c)
{
    uint32_t off, len;
    if (!label_range(c, &off, &len)) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    g_autoptr(GError) err = NULL;
    if (!nv_label_store_read(&c->dimm->state.labels, off, c->out + 4, len,
                             &err)) {
        warn_label_io(c->dimm, false, off, len, err);
        return nv_dsm_status(c->out, NV_DSM_HW_ERROR);
    }
    nv_st32(c->out, NV_DSM_OK);
    return 4 + len;
}

/* Function 6: offset, length, bytes in; status out, only once persisted.
 * A failed write leaves the area as it was (label-store puts the old bytes
 * back) and answers NV_DSM_HW_ERROR. */
uint32_t nv_dsm_set_label_data(NvDsmCall *c)
{
    uint32_t off, len;
    if (!label_range(c, &off, &len) || c->in_len - 8 < len) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    g_autoptr(GError) err = NULL;
    if (!nv_label_store_write(&c->dimm->state.labels, off, c->in + 8, len,
                              &err)) {
        warn_label_io(c->dimm, true, off, len, err);
        return nv_dsm_status(c->out, NV_DSM_HW_ERROR);
    }
    return nv_dsm_status(c->out, NV_DSM_OK);
}
