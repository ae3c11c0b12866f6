/*
 * devices/flush-hint.h — an NVDIMM's flush-hint page (flush-hint.c), the
 * NFIT type 6 structure's target: a write persists the DIMM's pmem.
 */
#ifndef NVEMU_DEVICES_FLUSH_HINT_H
#define NVEMU_DEVICES_FLUSH_HINT_H

#include "bus.h"
#include "nvdimm.h"

/* Slot N's page is at NV_MMIO_FLUSH_HINTS + N * NV_FLUSH_HINT_STRIDE. */
#define NV_MMIO_FLUSH_HINTS  UINT64_C(0xFE000000)

/* Register the flush-hint page of NVDIMM @d (borrowed: it must outlive
 * the registration) at its slot's address. Reads return zeros. */
bool nv_flush_hint_attach(NvIoBus *bus, NvDimm *d, GError **errp);

/*
 * The flush-hint pages a guest may write without nvemu running at all:
 * those of the NVDIMMs in @dimms (NvDimm *, others skipped) whose backend
 * needs no work for a guest flush (hostmem.h, NvFlushWork none or cpu), as
 * runs of adjacent pages, in address order. The machine backs them with
 * plain memory, so such a flush costs the guest no exit; the other pages
 * stay on the bus, where a write runs nv_hostmem_flush(). A DIMM added
 * later is not in them: its page stays on the bus.
 */
typedef struct {
    uint64_t gpa, len;
} NvFlushQuietRun;
GArray *nv_flush_hint_quiet_runs(const GPtrArray *dimms);

#endif
