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
    { .function = NV_DSM_FN_SMART, .revisions = NV_DSM_REV(1),
      .in_min = 0, .in_max = 0, .out_len = NV_DSM_SMART_OUT_LEN,
      .handler = nv_dsm_get_smart },
    { .function = NV_DSM_FN_SMART_THRESHOLD, .revisions = NV_DSM_REV(1),
      .in_min = 0, .in_max = 0, .out_len = NV_DSM_THRESHOLD_OUT_LEN,
      .handler = nv_dsm_get_threshold },
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
    { .function = NV_DSM_FN_LATCH_SHUTDOWN, .revisions = NV_DSM_REV(1),
      .in_min = 1, .in_max = 1, .out_len = 4,
      .handler = nv_dsm_latch_shutdown },
    { .function = NV_DSM_FN_SET_SMART_THRESHOLD, .revisions = NV_DSM_REV(2),
      .in_min = NV_DSM_SET_THRESHOLD_IN_LEN,
      .in_max = NV_DSM_SET_THRESHOLD_IN_LEN, .out_len = 4,
      .handler = nv_dsm_set_threshold },
    { .function = NV_DSM_FN_INJECT_SMART, .revisions = NV_DSM_REV(2),
      .in_min = NV_DSM_INJECT_IN_LEN, .in_max = NV_DSM_INJECT_IN_LEN,
      .out_len = 4, .handler = nv_dsm_inject_smart },
};

const NvDsmFamily nv_dsm_family_intel = {
    .family = NV_DSM_FAMILY_INTEL,
    .name = "intel",
    .scope = NV_DSM_ON_NVDIMM,
    .fns = intel_fns,
    .n_fns = G_N_ELEMENTS(intel_fns),
};
