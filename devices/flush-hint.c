/*
 * devices/flush-hint.c — an NVDIMM's flush-hint page (NFIT type 6): Linux
 * writes it after a write barrier to drain the "memory controller" (every
 * fsync, FUA write and deep_flush of the region); nvemu answers with
 * nv_hostmem_flush(), which for a page-cache file msyncs the mapping (one
 * msync for every flush that waited for the previous one) and for tmpfs,
 * device-dax and MAP_SYNC files needs nothing: the machine maps those
 * DIMMs' pages as plain memory (nv_flush_hint_quiet_runs), so their
 * flushes never leave the guest. Reads of a bus page return zeros.
 */
#include "flush-hint.h"
#include "acpi-nfit.h"

#include <string.h>

static void flush_hint_io(void *opaque, uint64_t offset, uint8_t *data,
                          unsigned len, bool is_write)
{
    NvDimm *d = opaque;
    (void)offset;
    if (!is_write) {
        memset(data, 0, len);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_hostmem_flush(d->memdev, &err)) {
        /* The guest cannot be told; say it where the user will see it. */
        g_printerr("nvemu: warning: %s: flush hint: %s\n", d->name,
                   err->message);
    }
}

GArray *nv_flush_hint_quiet_runs(const GPtrArray *dimms)
{
    GArray *runs = g_array_new(FALSE, FALSE, sizeof(NvFlushQuietRun));
    bool quiet[NV_MAX_SLOTS] = { false };
    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->memdev && d->memdev->addr &&
            d->slot < NV_MAX_SLOTS &&
            d->memdev->flush_work != NV_FLUSH_MSYNC) {
            quiet[d->slot] = true;
        }
    }
    for (unsigned s = 0; s < NV_MAX_SLOTS; s++) {
        if (!quiet[s]) {
            continue;
        }
        uint64_t gpa = NV_MMIO_FLUSH_HINTS + (uint64_t)s * NV_FLUSH_HINT_STRIDE;
        NvFlushQuietRun *last = runs->len ?
            &g_array_index(runs, NvFlushQuietRun, runs->len - 1) : NULL;
        if (last && last->gpa + last->len == gpa) {
            last->len += NV_FLUSH_HINT_STRIDE;
        } else {
            NvFlushQuietRun r = { gpa, NV_FLUSH_HINT_STRIDE };
            g_array_append_val(runs, r);
        }
    }
    return runs;
}

bool nv_flush_hint_attach(NvIoBus *bus, NvDimm *d, GError **errp)
{
    g_autofree char *name = g_strdup_printf("flush-hint:%s", d->name);
    return nv_io_register(bus, NV_IO_MMIO,
                          NV_MMIO_FLUSH_HINTS +
                              (uint64_t)d->slot * NV_FLUSH_HINT_STRIDE,
                          NV_FLUSH_HINT_STRIDE, name, flush_hint_io, d, errp);
}
