/*
 * dsm/dsm-root.c — the root device's (ACPI0012) bus family, UUID
 * 2f10e7a4-9e91-11e4-89d3-123b93f75cba, revision 1: address range scrub
 * and Clear Uncorrectable Error (dsm-ars.c), Translate SPA and error
 * injection (dsm-inject.c). Linux probes functions 1-5 and 7-9 into the
 * bus's dsm_mask; ndctl's inject-error needs 7, 8 and 9, and the bus's
 * nfit/scrub attribute 1, 2 and 3.
 */
#include "dsm-int.h"

#define FN(n, lo, hi, out, h)                                               \
    { .function = (n), .revisions = NV_DSM_REV(1), .in_min = (lo),          \
      .in_max = (hi), .out_len = (out), .handler = (h) }

static const NvDsmFn root_fns[] = {
    FN(NV_DSM_FN_ARS_CAP, NV_ARS_CAP_IN_LEN, NV_ARS_CAP_IN_LEN,
       NV_ARS_CAP_OUT_LEN, nv_dsm_ars_cap),
    FN(NV_DSM_FN_ARS_START, NV_ARS_START_IN_LEN, NV_ARS_START_IN_LEN,
       NV_ARS_START_OUT_LEN, nv_dsm_ars_start),
    /* variable: 48 + 24 n */
    FN(NV_DSM_FN_ARS_STATUS, 0, 0, 0, nv_dsm_ars_status),
    FN(NV_DSM_FN_CLEAR_ERROR, NV_CLEAR_ERROR_IN_LEN, NV_CLEAR_ERROR_IN_LEN,
       NV_CLEAR_ERROR_OUT_LEN, nv_dsm_clear_error),
    FN(NV_DSM_FN_TRANSLATE_SPA, NV_TRANSLATE_SPA_IN_LEN,
       NV_TRANSLATE_SPA_IN_LEN, NV_TRANSLATE_SPA_OUT_LEN,
       nv_dsm_translate_spa),
    FN(NV_DSM_FN_ARS_INJECT, NV_ARS_INJECT_IN_MIN, NV_ARS_INJECT_IN_MAX, 4,
       nv_dsm_ars_inject),
    FN(NV_DSM_FN_ARS_INJECT_CLEAR, NV_ARS_INJECT_CLEAR_IN_LEN,
       NV_ARS_INJECT_CLEAR_IN_LEN, 4, nv_dsm_ars_inject_clear),
    /* variable: 8 + 16 n */
    FN(NV_DSM_FN_ARS_INJECT_STATUS, 0, NV_INJECT_STATUS_IN_MAX, 0,
       nv_dsm_ars_inject_status),
};

const NvDsmFamily nv_dsm_family_root = {
    .family = NV_DSM_FAMILY_ROOT,
    .name = "root",
    .scope = NV_DSM_ON_ROOT,
    .fns = root_fns,
    .n_fns = G_N_ELEMENTS(root_fns),
};
