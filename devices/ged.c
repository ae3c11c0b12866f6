/*
 * devices/ged.c — the Generic Event Device (ACPI 6.4 §5.6.9, HID
 * ACPI0013) with QEMU's register semantics (hw/acpi/generic_event_device.c):
 * an event selector that accumulates event bits until the guest's _EVT
 * reads it, and an edge-triggered interrupt per event. Linux's evged
 * (drivers/acpi/evged.c) takes the interrupt and runs _EVT (nv_ged_aml() below),
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

/*
 * Its DSDT fragment, for \_SB: the GED and the power button it notifies,
 * on the hardware-reduced machine (no fixed power button, no GPE blocks:
 * events arrive as a GED interrupt).
 *
 * The AML follows QEMU's build_ged_aml() (hw/acpi/generic_event_device.c)
 * and microvm's/virt's PWRB:
 *
 *   Device (\_SB.GED) {
 *     Name (_HID, "ACPI0013")
 *     Name (_UID, Zero)
 *     Name (_CRS, ResourceTemplate () {
 *       Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {irq} })
 *     OperationRegion (EREG, SystemMemory, base, 4)
 *     Field (EREG, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 }
 *     Method (_EVT, 1, Serialized) {
 *       Local0 = ESEL                          // reads and clears
 *       If ((Local0 & 1) == 1) { \_SB.MHPC.MSCN () }   // memory hotplug
 *       If ((Local0 & 2) == 2) { Notify (\_SB.PWRB, 0x80) }
 *       If ((Local0 & 4) == 4) { Notify (\_SB.NVDR, 0x80) } // NVDIMM hotplug
 *       If ((Local0 & 0x20) == 0x20) { \_SB.NVDR.NHLT () }  // if in events:
 *                                        // NHLT is the NVDIMM SSDT's
 *       If ((Local0 & 0x40) == 0x40) { Notify (\_SB.NVDR, 0x81) } // media
 *                                        // errors; if in events
 *     }
 *
 * The memory and NVDIMM Ifs are there only for the bits in @events (the
 * machine has MHPC when it has slots, NVDR with nvdimm=on and slots), as
 * QEMU's build_ged_aml() tests its ged-event bitmap; the power button is
 * always there.
 *   }
 *   Device (\_SB.PWRB) { Name (_HID, "PNP0C0C")  Name (_UID, Zero) }
 *
 * Linux's evged (drivers/acpi/evged.c) requests every Interrupt of _CRS
 * and evaluates _EVT (GSI) from its threaded handler; the button driver
 * (drivers/acpi/button.c) binds to PNP0C0C and turns Notify 0x80 into
 * KEY_POWER on its input device "Power Button".
 */
/* If ((Local0 & bit) == bit) { action } */
static NvAml *on_event(uint32_t bit, NvAml *action)
{
    NvAml *i = aml_if(aml_lequal(aml_and(aml_local(0), aml_int(bit), NULL),
                                 aml_int(bit)));
    aml_append(i, action);
    return i;
}

NvAml *nv_ged_aml(uint32_t events)
{
    NvAml *list = aml_list();

    NvAml *ged = aml_device("GED");
    aml_append(ged, aml_name_decl("_HID", aml_string("ACPI0013")));
    aml_append(ged, aml_name_decl("_UID", aml_int(0)));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_interrupt(NV_IRQ_GED, AML_IRQ_EDGE));
    aml_append(ged, aml_name_decl("_CRS", crs));
    aml_append(ged, aml_operation_region("EREG", AML_SYSTEM_MEMORY,
                                         aml_int(NV_MMIO_GED),
                                         aml_int(NV_GED_REG_LEN)));
    NvAml *field = aml_field("EREG", AML_DWORD_ACC, AML_NOLOCK,
                             AML_WRITE_AS_ZEROS);
    aml_append(field, aml_named_field("ESEL", 32));
    aml_append(ged, field);

    NvAml *evt = aml_method("_EVT", 1, true);
    aml_append(evt, aml_store(aml_name("ESEL"), aml_local(0)));
    if (events & NV_GED_EVENT_MEMORY) {
        aml_append(evt, on_event(NV_GED_EVENT_MEMORY,
                                 aml_call("\\_SB.MHPC.MSCN", NULL)));
    }
    aml_append(evt, on_event(NV_GED_EVENT_POWERDOWN,
                             aml_notify(aml_name("\\_SB.PWRB"),
                                        aml_int(0x80))));
    if (events & NV_GED_EVENT_NVDIMM) {
        aml_append(evt, on_event(NV_GED_EVENT_NVDIMM,
                                 aml_notify(aml_name("\\_SB.NVDR"),
                                            aml_int(0x80))));
    }
    if (events & NV_GED_EVENT_NVDIMM_HEALTH) {
        /* nvemu's own: DIMM health notifications (nvdimm-notify.h) */
        aml_append(evt, on_event(NV_GED_EVENT_NVDIMM_HEALTH,
                                 aml_call("\\_SB.NVDR.NHLT", NULL)));
    }
    if (events & NV_GED_EVENT_NVDIMM_UC) {
        /* nvemu's own: new media errors, the guest should scrub (ARS) */
        aml_append(evt, on_event(NV_GED_EVENT_NVDIMM_UC,
                                 aml_notify(aml_name("\\_SB.NVDR"),
                                            aml_int(0x81))));
    }
    aml_append(ged, evt);
    aml_append(list, ged);

    NvAml *pwrb = aml_device("PWRB");
    aml_append(pwrb, aml_name_decl("_HID", aml_eisaid("PNP0C0C")));
    aml_append(pwrb, aml_name_decl("_UID", aml_int(0)));
    aml_append(list, pwrb);
    return list;
}
