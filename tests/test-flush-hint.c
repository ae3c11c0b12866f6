/*
 * tests/test-flush-hint.c — which flush-hint pages the machine backs with
 * plain memory (nv_flush_hint_quiet_runs): those of NVDIMMs whose flush
 * needs no work from nvemu, merged into runs of adjacent pages, never a
 * pc-dimm's, an unrealized DIMM's or one whose backend needs an msync.
 */
#include "flush-hint.h"
#include "acpi-nfit.h"

static NvDimm *dimm(NvHostMem *hm, NvDimmKind kind, unsigned slot,
                    NvFlushWork work)
{
    NvDimm *d = g_new0(NvDimm, 1);
    d->kind = kind;
    d->slot = slot;
    d->memdev = hm;
    hm->flush_work = work;
    hm->addr = (uint8_t *)hm; /* "realized": only tested for non-NULL */
    return d;
}

static void test_quiet_runs(void)
{
    NvHostMem hm[8] = { 0 };
    g_autoptr(GPtrArray) dimms = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(dimms, dimm(&hm[0], NV_DIMM_NVDIMM, 0, NV_FLUSH_NONE));
    g_ptr_array_add(dimms, dimm(&hm[1], NV_DIMM_NVDIMM, 2, NV_FLUSH_CPU));
    g_ptr_array_add(dimms, dimm(&hm[2], NV_DIMM_NVDIMM, 1, NV_FLUSH_NONE));
    g_ptr_array_add(dimms, dimm(&hm[3], NV_DIMM_NVDIMM, 3, NV_FLUSH_MSYNC));
    g_ptr_array_add(dimms, dimm(&hm[4], NV_DIMM_PC, 4, NV_FLUSH_NONE));
    g_ptr_array_add(dimms, dimm(&hm[5], NV_DIMM_NVDIMM, 6, NV_FLUSH_NONE));
    g_ptr_array_add(dimms, dimm(&hm[6], NV_DIMM_NVDIMM, NV_MAX_SLOTS - 1,
                                NV_FLUSH_CPU));
    NvDimm *unrealized = dimm(&hm[7], NV_DIMM_NVDIMM, 7, NV_FLUSH_NONE);
    hm[7].addr = NULL;
    g_ptr_array_add(dimms, unrealized);

    g_autoptr(GArray) runs = nv_flush_hint_quiet_runs(dimms);
    const uint64_t base = NV_MMIO_FLUSH_HINTS, page = NV_FLUSH_HINT_STRIDE;
    g_assert_cmpuint(runs->len, ==, 3);
    NvFlushQuietRun *r = (NvFlushQuietRun *)runs->data;
    g_assert_cmphex(r[0].gpa, ==, base);           /* slots 0, 1, 2 */
    g_assert_cmphex(r[0].len, ==, 3 * page);
    g_assert_cmphex(r[1].gpa, ==, base + 6 * page); /* slot 6 */
    g_assert_cmphex(r[1].len, ==, page);
    g_assert_cmphex(r[2].gpa, ==, base + (NV_MAX_SLOTS - 1) * page);
    g_assert_cmphex(r[2].len, ==, page);

    /* every NVDIMM needs an msync: no run, every flush exits */
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        d->memdev->flush_work = NV_FLUSH_MSYNC;
    }
    g_autoptr(GArray) none = nv_flush_hint_quiet_runs(dimms);
    g_assert_cmpuint(none->len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flush-hint/quiet-runs", test_quiet_runs);
    return g_test_run();
}
