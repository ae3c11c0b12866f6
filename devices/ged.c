/*
 * devices/ged.c — the Generic Event Device (ACPI 6.4 §5.6.9, HID
 * ACPI0013) with QEMU's register semantics (hw/acpi/generic_event_device.c):
 * an event selector that accumulates event bits until the guest's _EVT
 * reads it, and an edge-triggered interrupt per event. Linux's evged
 * (drivers/acpi/evged.c) takes the interrupt and runs _EVT (dsdt-ged.c),
 * which reads the selector and notifies \_SB.PWRB for the power-down bit.
 */
#include "ged.h"
#include "acpi-nfit.h"

#include <string.h>

G_STATIC_ASSERT(NV_GED_ESEL_OFFSET + sizeof(uint32_t) <= NV_GED_REG_LEN);
G_STATIC_ASSERT((NV_MMIO_GED & 0xFFF) == 0 &&
                NV_MMIO_GED + NV_GED_REG_LEN <= UINT64_C(0xFEC00000));
G_STATIC_ASSERT(NV_IRQ_GED < NV_ACPI_IOAPIC_PINS);
G_STATIC_ASSERT((NV_GED_EVENT_MEMORY | NV_GED_EVENT_POWERDOWN |
                 NV_GED_EVENT_NVDIMM) == 0x7);

struct NvGed {
    GMutex lock;      /* sel: the main thread raises, a vCPU reads */
    uint32_t sel;
    NvIrqFn irq;
    void *irq_opaque;
    unsigned irq_num;
};

NvGed *nv_ged_new(NvIrqFn irq, void *irq_opaque, unsigned irq_num)
{
    NvGed *g = g_new0(NvGed, 1);
    g_mutex_init(&g->lock);
    g->irq = irq;
    g->irq_opaque = irq_opaque;
    g->irq_num = irq_num;
    return g;
}

void nv_ged_free(NvGed *g)
{
    if (g) {
        g_mutex_clear(&g->lock);
        g_free(g);
    }
}

void nv_ged_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
               bool is_write)
{
    NvGed *g = opaque;
    if (is_write) {
        return;
    }
    memset(data, 0, len);
    /* QEMU accepts only dword accesses (and _EVT's Field is DWordAcc);
     * a narrower read must not swallow events it cannot return. */
    if (offset == NV_GED_ESEL_OFFSET && len == sizeof(uint32_t)) {
        g_mutex_lock(&g->lock);
        uint32_t v = g->sel;
        g->sel = 0;
        g_mutex_unlock(&g->lock);
        nv_st32(data, v);
    }
}

void nv_ged_raise(NvGed *g, uint32_t events)
{
    g_mutex_lock(&g->lock);
    g->sel |= events;
    g_mutex_unlock(&g->lock);
    if (g->irq) {
        /* An edge: the IOAPIC pin sees a rising edge, then rests low. */
        g->irq(g->irq_opaque, g->irq_num, true);
        g->irq(g->irq_opaque, g->irq_num, false);
    }
}

bool nv_ged_attach(NvIoBus *bus, NvGed *g, GError **errp)
{
    return nv_io_register(bus, NV_IO_MMIO, NV_MMIO_GED, NV_GED_REG_LEN,
                          "ged", nv_ged_io, g, errp);
}
