/*
 * dsm/dsm-inject.c — the root device's Translate SPA and ARS error
 * injection functions, over the NVDIMMs' media-error lists
 * (nvdimm/media-errors.h). Layouts are Linux's and ndctl's
 * nd_cmd_translate_spa and nd_cmd_ars_err_inj* (little-endian;
 * docs/health.md):
 *
 *   5 Translate SPA   in  u64 spa
 *                     out u32 status, u8 flags, u8 rsvd[3],
 *                         u64 translate_length, u32 num_nvdimms,
 *                         { u32 handle, u32 rsvd, u64 dpa }
 *   7 Error Inject    in  u64 base, u64 length, u8 options (bit 0: notify)
 *                         (ndctl sends 20 bytes: the options as a u32)
 *   8 Inject Clear    in  u64 base, u64 length
 *   9 Inject Status   out u32 status, u32 count, { u64 base, u64 length }
 *
 * There is one list of errors per NVDIMM, whoever put them there (these
 * functions or the host's commands): Inject Status lists them all, Inject
 * Clear removes any. An injected range must lie inside one NVDIMM; it is
 * rounded out to the clear unit. Status 2 (invalid parameter, ndctl's
 * -EINVAL) for a bad range or option, or when the DIMM already keeps
 * NV_MEDIA_ERR_MAX ranges; 4 when the state file could not be written
 * (the change undone).
 */
#include "dsm-int.h"
#include "media-errors.h"

#include <inttypes.h>

struct translate_spa_layout {
    uint32_t status;
    uint8_t flags, reserved[3];
    uint64_t translate_length;
    uint32_t num_nvdimms;
    uint32_t handle, reserved2;
    uint64_t dpa;
} __attribute__((packed));
_Static_assert(sizeof(struct translate_spa_layout) ==
                   NV_TRANSLATE_SPA_OUT_LEN &&
               offsetof(struct translate_spa_layout, translate_length) == 8 &&
               offsetof(struct translate_spa_layout, num_nvdimms) == 16 &&
               offsetof(struct translate_spa_layout, dpa) == 28,
               "Translate SPA: 20-byte header, one 16-byte device");
_Static_assert(8 + NV_INJECT_STATUS_MAX_RECORDS * NV_INJECT_STATUS_RECORD_LEN
                   <= 8 + NV_ARS_MAX_OUT &&
               8 + NV_INJECT_STATUS_MAX_RECORDS * NV_INJECT_STATUS_RECORD_LEN
                   <= NV_DSM_OUT_MAX,
               "Inject Status fits ndctl's buffer (8 + max_ars_out)");

/* Translate SPA: the NVDIMM holding @spa (interleave 1: one device; the
 * DIMM's pmem starts at DPA 0) and the bytes from @spa to its end. */
uint32_t nv_dsm_translate_spa(NvDsmCall *c)
{
    uint64_t spa = nv_ld64(c->in), off = 0;
    NvDimm *d = nv_media_find_spa(c->dsm->dimms, spa, 1, &off);
    if (!d) {
        return nv_dsm_status(c->out, NV_ARS_INVALID); /* invalid SPA */
    }
    memset(c->out, 0, NV_TRANSLATE_SPA_OUT_LEN);
    nv_st64(c->out + 8, d->size - off);
    nv_st32(c->out + 16, 1);
    nv_st32(c->out + 20, d->slot + 1);
    nv_st64(c->out + 28, off);
    return NV_TRANSLATE_SPA_OUT_LEN;
}

/* The status for a model error: refused (2) or not kept (4, warned). */
static uint32_t media_fail(NvDsmCall *c, const char *fn, uint64_t base,
                           const GError *err)
{
    if (g_error_matches(err, NV_ERROR, NV_ERROR_RANGE)) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    g_autofree char *what = g_strdup_printf("%s at 0x%" PRIx64, fn, base);
    nv_dsm_warn_media(what, err);
    return nv_dsm_status(c->out, NV_DSM_HW_ERROR);
}

uint32_t nv_dsm_ars_inject(NvDsmCall *c)
{
    uint64_t base = nv_ld64(c->in), len = nv_ld64(c->in + 8), off = 0;
    uint8_t options = c->in[16];
    NvDimm *d = nv_media_find_spa(c->dsm->dimms, base, len, &off);
    if (!d || (options & ~NV_ARS_INJECT_NOTIFY)) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    bool notify = options & NV_ARS_INJECT_NOTIFY;
    g_autoptr(GError) err = NULL;
    if (!nv_dimm_media_add(d, off, len, notify, &err)) {
        return media_fail(c, "ARS Error Inject", base, err);
    }
    if (notify) {
        nv_dsm_notify_uc_error(c->dsm);
    }
    return nv_dsm_status(c->out, NV_DSM_OK);
}

uint32_t nv_dsm_ars_inject_clear(NvDsmCall *c)
{
    uint64_t base = nv_ld64(c->in), len = nv_ld64(c->in + 8), off = 0;
    NvDimm *d = nv_media_find_spa(c->dsm->dimms, base, len, &off);
    if (!d) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    g_autoptr(GError) err = NULL;
    if (!nv_dimm_media_remove(d, off, len, NULL, &err)) {
        return media_fail(c, "ARS Error Inject Clear", base, err);
    }
    return nv_dsm_status(c->out, NV_DSM_OK);
}

/* Every NVDIMM's ranges as guest physical ranges, in address order, at
 * most NV_INJECT_STATUS_MAX_RECORDS (what ndctl's buffer holds; a DIMM
 * keeps at most NV_MEDIA_ERR_MAX, so only several full DIMMs lose the
 * highest ranges here). */
uint32_t nv_dsm_ars_inject_status(NvDsmCall *c)
{
    g_autoptr(GPtrArray) dimms = nv_dsm_nvdimms_by_addr(c->dsm);
    uint32_t count = 0;
    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        guint n;
        const NvMediaError *m = nv_dimm_media_errors(d, &n);
        for (guint k = 0; k < n && count < NV_INJECT_STATUS_MAX_RECORDS;
             k++, count++) {
            uint8_t *p = c->out + 8 + count * NV_INJECT_STATUS_RECORD_LEN;
            nv_st64(p, d->addr + m[k].offset);
            nv_st64(p + 8, m[k].length);
        }
    }
    nv_st32(c->out, NV_DSM_OK);
    nv_st32(c->out + 4, count);
    return 8 + count * NV_INJECT_STATUS_RECORD_LEN;
}
