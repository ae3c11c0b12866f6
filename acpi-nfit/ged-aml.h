/*
 * acpi-nfit/ged-aml.h — the GED's and power button's DSDT fragment
 * (dsdt-ged.c), for the DSDT's \_SB scope. The register layout and event
 * bits are in acpi-nfit.h (NV_GED_*).
 */
#ifndef NVEMU_GED_AML_H
#define NVEMU_GED_AML_H

#include "acpi-nfit.h"
#include "aml.h"

/* Device (GED) at cfg->ged_base / cfg->ged_irq and Device (PWRB). */
NvAml *nv_acpi_dsdt_ged(const NvAcpiConfig *cfg);

#endif
