/*
 * acpi-nfit/ — the ACPI tables of an nvemu machine: RSDP, XSDT, FADT
 * (hardware-reduced), MADT, DSDT, SRAT, NFIT and the NVDIMM SSDT, built with the
 * AML encoder in aml.h.
 *
 * Contract:
 *  - nv_acpi_build() is a pure function of NvAcpiConfig: the same machine
 *    always yields byte-identical tables (golden files in tests/data/acpi).
 *  - Every table has a correct length and checksum; the RSDP has both its
 *    checksums. Tables are laid out from cfg->tables_base in guest physical
 *    memory and point at each other by those addresses.
 *  - The SSDT's _DSM, _LSI, _LSR and _LSW methods speak the mailbox ABI of
 *    docs/dsm-abi.md (dsm.h); the NFIT describes each NVDIMM the planner
 *    placed (nvdimm.h).
 *  - No KVM, no I/O.
 */
#ifndef NVEMU_ACPI_NFIT_H
#define NVEMU_ACPI_NFIT_H

#include "aml.h"
#include "dsm.h"

/* Legacy location of the RSDP (the BIOS scan area), also passed in
 * boot_params.acpi_rsdp_addr. */
#define NV_ACPI_RSDP_ADDR      UINT64_C(0xE0000)

/* _DSM UUIDs (docs/dsm-abi.md, shared/docs/nvdimm-facts.md). */
#define NV_DSM_UUID_ROOT       "2F10E7A4-9E91-11E4-89D3-123B93F75CBA"
#define NV_DSM_UUID_INTEL      "4309AC30-0D11-11E4-9191-0800200C9A66"

/* NFIT */
#define NV_NFIT_PMEM_GUID      "66F0D379-B4F3-4074-AC43-0D3318B78CDB"
#define NV_NFIT_SPA_ATTRS      UINT64_C(0x8008) /* EFI_MEMORY_WB | _NV */
#define NV_NFIT_FORMAT_CODE    0x0301 /* byte-addressable, not energy backed */
#define NV_NFIT_VENDOR_ID      0x8086
#define NV_NFIT_DEVICE_ID      0x0001
#define NV_NFIT_FLAG_NOT_ARMED (1u << 3)
/* The NFIT's header: the table header and 4 reserved bytes; the FIT
 * (_FIT's buffer) is what follows. */
#define NV_NFIT_HEADER_SIZE    40

/* Sleep S5 as written by Linux to the sleep control register:
 * SLP_TYP << 2 | SLP_EN (hardware-reduced ACPI, ACPI 6.4 §4.8.3.7). */
#define NV_ACPI_S5_SLP_TYP     5
#define NV_ACPI_SLP_EN         0x20
#define NV_ACPI_WAK_STS        0x80
#define NV_ACPI_RESET_VALUE    0x01

/* The "platform" registers of the FADT live on one small I/O device:
 * base+0 sleep control (1 byte), base+1 sleep status (1 byte),
 * base+2 reset register (1 byte). */
#define NV_ACPI_PM_REG_LEN     4

/* NFIT platform capability bits: the persistence domain Linux reports
 * (memory_controller, cpu_cache) */
#define NV_NFIT_CAP_CPU_CACHE  (1u << 0)
#define NV_NFIT_CAP_MEM_CTRL   (1u << 1)

/* One NVDIMM's nvdimm-flush-hint page: writing any value there makes nvemu
 * persist that DIMM. Page for slot s at flush_hint_base + s * 4K. */
#define NV_FLUSH_HINT_STRIDE   0x1000

/* The Generic Event Device (ACPI0013, ACPI 6.4 §5.6.9), QEMU's layout
 * (hw/acpi/generic_event_device.c): one 32-bit event selector ESEL at
 * offset 0 of a 4-byte MMIO region. A dword read returns the latched
 * event bits and clears them; writes are ignored. Its _EVT reads ESEL and
 * notifies the devices whose bits are set. QEMU's bits: */
/* KVM's in-kernel I/O APIC: GSIs 0-23. */
#define NV_ACPI_IOAPIC_PINS    24

#define NV_GED_REG_LEN         4
#define NV_GED_ESEL_OFFSET     0
#define NV_GED_EVENT_MEMORY    0x1u  /* \_SB.MHPC.MSCN () (memory hotplug) */
#define NV_GED_EVENT_POWERDOWN 0x2u  /* Notify (\_SB.PWRB, 0x80) */
#define NV_GED_EVENT_NVDIMM    0x4u  /* Notify (\_SB.NVDR, 0x80) (_FIT) */
/* nvemu's own bit (QEMU uses 0x1-0x8): an NVDIMM's health changed; _EVT
 * calls \_SB.NVDR.NHLT, which reads the pending-notify block below and
 * sends Notify (NVxx, 0x81) to each DIMM whose bit is set. */
#define NV_GED_EVENT_NVDIMM_HEALTH 0x20u
/* nvemu's own bit: new uncorrectable memory errors on the NVDIMMs; _EVT
 * sends Notify (\_SB.NVDR, 0x81), after which Linux scrubs (ARS). */
#define NV_GED_EVENT_NVDIMM_UC     0x40u

/* The NVDIMM pending-notify block (devices/nvdimm-notify.c): one bit per
 * slot, dword k at offset 4k holds slots 32k..32k+31; a dword read
 * returns the pending bits and clears them. */
#define NV_NVNT_REG_LEN        (NV_MAX_SLOTS / 8)

/* SRAT Memory Affinity flags (ACPI 6.4 §5.2.16.2) */
#define NV_SRAT_MEM_ENABLED      (1u << 0)
#define NV_SRAT_MEM_HOTPLUGGABLE (1u << 1)
#define NV_SRAT_MEM_NON_VOLATILE (1u << 2)

typedef struct NvAml NvAml; /* aml.h */

/* Appends the devices' own DSDT fragments (devices/: COM1, RTC, GED and
 * power button) to the DSDT's \_SB scope @sb, each with aml_append(). */
typedef void (*NvAcpiDsdtDevicesFn)(NvAml *sb, const void *opaque);

typedef struct {
    uint32_t ncpus;
    /* NUMA (the SRAT, srat.c): nodes (0 counts as 1), each vCPU's node
     * (NULL: all on node 0), the boot RAM (all on node 0) and the
     * device-memory region (hot-pluggable, on the last node). */
    uint32_t numa_nodes;
    const uint32_t *cpu_nodes;
    uint64_t ram_below_4g;     /* RAM at [0, ram_below_4g) */
    uint64_t ram_above_4g;     /* RAM at [4 GiB, 4 GiB + ram_above_4g) */
    uint64_t devmem_base, devmem_size; /* 0 size: no slots */
    uint32_t slots;            /* one NVxx device per slot */
    bool nvdimm;               /* -machine nvdimm=on: the SSDT (\_SB.NVDR,
                                * _FIT) when slots > 0 */
    GPtrArray *dimms;          /* NvDimm *, planned (slot, addr, size set) */
    /* NFIT platform capabilities (ACPI 6.4 §5.2.25.9): 0 claims nothing
     * and omits the structure (QEMU's default); NV_NFIT_CAP_MEM_CTRL
     * (2) or NV_NFIT_CAP_MEM_CTRL | NV_NFIT_CAP_CPU_CACHE (3). */
    uint32_t nfit_capabilities;

    uint64_t tables_base;      /* guest address of the first table */
    uint64_t tables_max;       /* bytes available there */
    uint64_t dsm_mailbox;      /* guest address of the DSM mailbox */
    uint64_t dsm_doorbell;     /* MMIO address of the doorbell */
    uint64_t flush_hint_base;  /* MMIO address of slot 0's flush page */
    uint16_t pm_io_base;       /* I/O port of the FADT registers */
    uint16_t rtc_io;           /* CMOS RTC index port (0x70), 0: none */
    uint8_t rtc_century;       /* its century byte (0x32), 0: none */
    uint64_t ged_base;         /* MMIO address of the GED's ESEL */
    /* MMIO address of the NVDIMM pending-notify block (NV_NVNT_REG_LEN
     * bytes) that \_SB.NVDR.NHLT reads; 0: no NHLT method. */
    uint64_t nvdimm_notify_base;
    uint32_t ged_irq;          /* its edge-triggered GSI (IOAPIC pin) */
    /* The devices' fragments, first in \_SB (NULL: none); called once per
     * nv_acpi_build_dsdt(), so the same input gives the same bytes. */
    NvAcpiDsdtDevicesFn dsdt_devices;
    const void *dsdt_devices_opaque;
} NvAcpiConfig;

typedef struct {
    char sig[5];               /* "DSDT", "FACP", "APIC", "NFIT", ... */
    uint64_t gpa;              /* where it goes in guest memory */
    GArray *data;              /* guint8: the whole table */
} NvAcpiTable;

typedef struct {
    GArray *rsdp;              /* 36 bytes, goes at NV_ACPI_RSDP_ADDR */
    GPtrArray *tables;         /* NvAcpiTable *, in layout order */
} NvAcpiTables;

NvAcpiTables *nv_acpi_build(const NvAcpiConfig *cfg, GError **errp);
void nv_acpi_tables_free(NvAcpiTables *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvAcpiTables, nv_acpi_tables_free)

/* Individual builders (each returns a finalized table). */
GArray *nv_acpi_build_dsdt(const NvAcpiConfig *cfg);
GArray *nv_acpi_build_fadt(const NvAcpiConfig *cfg, uint64_t dsdt_gpa);
GArray *nv_acpi_build_madt(const NvAcpiConfig *cfg);
GArray *nv_acpi_build_nfit(const NvAcpiConfig *cfg);
/* The SRAT; nv_acpi_build() emits it when nv_acpi_wants_srat(): slots > 0
 * or more than one NUMA node. */
GArray *nv_acpi_build_srat(const NvAcpiConfig *cfg);
bool nv_acpi_wants_srat(const NvAcpiConfig *cfg);
GArray *nv_acpi_build_ssdt_nvdimm(const NvAcpiConfig *cfg);
GArray *nv_acpi_build_xsdt(const uint64_t *gpas, size_t n);
GArray *nv_acpi_build_rsdp(uint64_t xsdt_gpa);

/* NFIT device handle and _ADR of the NVDIMM in @slot (0 is the root). */
static inline uint32_t nv_acpi_nvdimm_handle(uint32_t slot)
{
    return slot + 1;
}

/* The DCR serial number of a DIMM: stable across runs (from its uuid). */
uint32_t nv_acpi_nvdimm_serial(const NvDimm *d);

#endif
