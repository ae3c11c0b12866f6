/*
 * dsm/dsm-intel.c — the Intel NVDIMM family's table (UUID
 * 4309ac30-0d11-11e4-9191-0800200c9a66), the _DSM of every NVxx device.
 *
 * Revisions are those Linux calls each function with (nfit_dsm_revid():
 * 2 for functions 11-30, 1 below), so function 0 answers a different
 * bitmap for each revision.
 */
#include "dsm-int.h"

static const NvDsmFn intel_fns[] = {
    { .function = NV_DSM_FN_GET_LABEL_SIZE, .revisions = NV_DSM_REV(1),
      .in_min = 0, .in_max = NV_DSM_IN_MAX, .out_len = 12,
      .available = nv_dsm_has_labels, .handler = nv_dsm_get_label_size },
    { .function = NV_DSM_FN_GET_LABEL_DATA, .revisions = NV_DSM_REV(1),
      .in_min = 8, .in_max = NV_DSM_IN_MAX, .out_len = 0,
      .available = nv_dsm_has_labels, .handler = nv_dsm_get_label_data },
    /* Set on a read-only or unarmed DIMM: not offered, status 1. */
    { .function = NV_DSM_FN_SET_LABEL_DATA, .revisions = NV_DSM_REV(1),
      .in_min = 8, .in_max = NV_DSM_IN_MAX, .out_len = 4,
      .available = nv_dsm_labels_writable, .handler = nv_dsm_set_label_data },
};

const NvDsmFamily nv_dsm_family_intel = {
    .family = NV_DSM_FAMILY_INTEL,
    .name = "intel",
    .scope = NV_DSM_ON_NVDIMM,
    .fns = intel_fns,
    .n_fns = G_N_ELEMENTS(intel_fns),
};
