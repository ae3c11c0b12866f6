/*
 * dsm/dsm-fit.c — the _FIT family (NV_DSM_FAMILY_FIT on the reserved
 * handle NV_DSM_FIT_HANDLE, QEMU's): one function, Read FIT, which the
 * root device's _FIT method calls until it has the whole FIT (dsm.h).
 */
#include "dsm-int.h"

/* Function 1: u32 offset in; status, then the FIT from offset on. */
static uint32_t read_fit(NvDsmCall *c)
{
    NvDsm *dsm = c->dsm;
    uint32_t off = nv_ld32(c->in);
    gsize len = 0;
    const uint8_t *fit = dsm->fit ? g_bytes_get_data(dsm->fit, &len) : NULL;
    if (off > len) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    if (off == 0) {
        dsm->fit_dirty = false;
    } else if (dsm->fit_dirty) {
        return nv_dsm_status(c->out, NV_DSM_FIT_CHANGED);
    }
    size_t n = MIN(len - off, (size_t)NV_DSM_FIT_MAX_READ);
    nv_st32(c->out, NV_DSM_OK);
    if (n) {
        memcpy(c->out + 4, fit + off, n);
    }
    return 4 + (uint32_t)n;
}

static const NvDsmFn fit_fns[] = {
    { .function = NV_DSM_FN_READ_FIT, .revisions = NV_DSM_REV(1),
      .in_min = 4, .in_max = NV_DSM_IN_MAX, .out_len = 0,
      .handler = read_fit },
};

const NvDsmFamily nv_dsm_family_fit = {
    .family = NV_DSM_FAMILY_FIT,
    .name = "fit",
    .scope = NV_DSM_ON_HANDLE,
    .handle = NV_DSM_FIT_HANDLE,
    .fns = fit_fns,
    .n_fns = G_N_ELEMENTS(fit_fns),
};

void nv_dsm_set_fit(NvDsm *dsm, const void *fit, size_t len)
{
    GBytes *b = g_bytes_new(fit, len);
    g_mutex_lock(&dsm->lock);
    GBytes *old = dsm->fit;
    dsm->fit = b;
    dsm->fit_dirty = true;
    g_mutex_unlock(&dsm->lock);
    if (old) {
        g_bytes_unref(old);
    }
}

