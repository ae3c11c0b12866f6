/*
 * devices/flush-hint.c — an NVDIMM's flush-hint page (NFIT type 6): Linux
 * writes it after a write barrier to drain the "memory controller"; nvemu
 * answers by persisting the DIMM's pmem, which for a file not on DAX is
 * what makes it durable. Reads return zeros.
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
    if (!nv_hostmem_persist(d->memdev, 0, d->size, &err)) {
        /* The guest cannot be told; say it where the user will see it. */
        g_printerr("nvemu: warning: %s: flush hint: %s\n", d->name,
                   err->message);
    }
}

bool nv_flush_hint_attach(NvIoBus *bus, NvDimm *d, GError **errp)
{
    g_autofree char *name = g_strdup_printf("flush-hint:%s", d->name);
    return nv_io_register(bus, NV_IO_MMIO,
                          NV_MMIO_FLUSH_HINTS +
                              (uint64_t)d->slot * NV_FLUSH_HINT_STRIDE,
                          NV_FLUSH_HINT_STRIDE, name, flush_hint_io, d, errp);
}
