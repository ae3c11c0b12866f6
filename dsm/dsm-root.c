/*
 * dsm/dsm-root.c — the root device's (ACPI0012) bus family, UUID
 * 2f10e7a4-9e91-11e4-89d3-123b93f75cba: ARS, Clear Uncorrectable Error,
 * Translate SPA and error injection (issue 13, points 4-5) will be its
 * entries. Empty for now: function 0 answers an empty bitmap.
 */
#include "dsm-int.h"

const NvDsmFamily nv_dsm_family_root = {
    .family = NV_DSM_FAMILY_ROOT,
    .name = "root",
    .scope = NV_DSM_ON_ROOT,
    .fns = NULL,
    .n_fns = 0,
};
