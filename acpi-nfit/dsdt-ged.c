/*
 * acpi-nfit/dsdt-ged.c — the DSDT fragment of the Generic Event Device and
 * of the power button it notifies, on the hardware-reduced machine (no
 * fixed power button, no GPE blocks: events arrive as a GED interrupt).
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
 *       If ((Local0 & 2) == 2) { Notify (\_SB.PWRB, 0x80) }
 *     }
 *   }
 *   Device (\_SB.PWRB) { Name (_HID, "PNP0C0C")  Name (_UID, Zero) }
 *
 * Linux's evged (drivers/acpi/evged.c) requests every Interrupt of _CRS
 * and evaluates _EVT (GSI) from its threaded handler; the button driver
 * (drivers/acpi/button.c) binds to PNP0C0C and turns Notify 0x80 into
 * KEY_POWER on its input device "Power Button".
 */
#include "acpi-nfit.h"
#include "aml.h"

#include "ged-aml.h"

NvAml *nv_acpi_dsdt_ged(const NvAcpiConfig *cfg)
{
    if (cfg->ged_base > UINT32_MAX - NV_GED_REG_LEN + 1) {
        g_error("acpi: GED register 0x%" G_GINT64_MODIFIER "x is above "
                "4 GiB", cfg->ged_base);
    }
    NvAml *list = aml_list();

    NvAml *ged = aml_device("GED");
    aml_append(ged, aml_name_decl("_HID", aml_string("ACPI0013")));
    aml_append(ged, aml_name_decl("_UID", aml_int(0)));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_interrupt(cfg->ged_irq, AML_IRQ_EDGE));
    aml_append(ged, aml_name_decl("_CRS", crs));
    aml_append(ged, aml_operation_region("EREG", AML_SYSTEM_MEMORY,
                                         aml_int(cfg->ged_base),
                                         aml_int(NV_GED_REG_LEN)));
    NvAml *field = aml_field("EREG", AML_DWORD_ACC, AML_NOLOCK,
                             AML_WRITE_AS_ZEROS);
    aml_append(field, aml_named_field("ESEL", 32));
    aml_append(ged, field);

    NvAml *evt = aml_method("_EVT", 1, true);
    aml_append(evt, aml_store(aml_name("ESEL"), aml_local(0)));
    NvAml *pwr = aml_if(aml_lequal(aml_and(aml_local(0),
                                           aml_int(NV_GED_EVENT_POWERDOWN),
                                           NULL),
                                   aml_int(NV_GED_EVENT_POWERDOWN)));
    aml_append(pwr, aml_notify(aml_name("\\_SB.PWRB"), aml_int(0x80)));
    aml_append(evt, pwr);
    aml_append(ged, evt);
    aml_append(list, ged);

    NvAml *pwrb = aml_device("PWRB");
    aml_append(pwrb, aml_name_decl("_HID", aml_eisaid("PNP0C0C")));
    aml_append(pwrb, aml_name_decl("_UID", aml_int(0)));
    aml_append(list, pwrb);
    return list;
}
