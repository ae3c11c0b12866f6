/*
 * acpi-nfit/tables.c — the fixed ACPI tables of an nvemu machine (RSDP,
 * XSDT, FADT, MADT, DSDT) and nv_acpi_build(), which lays every table out in
 * guest memory and makes them point at each other.
 *
 * Layouts follow ACPI 6.4, chapter 5.2; all fields are little-endian. Each
 * fixed-layout table is grown to its full size (zero-filled) and its fields
 * are then stored at their offsets, which the comments give in decimal.
 */
#include "acpi-nfit.h"
#include "aml.h"

#include <stddef.h>
#include <string.h>

/* Fixed addresses of the interrupt controllers (KVM's in-kernel irqchip). */
#define NV_ACPI_LAPIC_ADDR  UINT32_C(0xFEE00000)
#define NV_ACPI_IOAPIC_ADDR UINT32_C(0xFEC00000)
/* Local APIC IDs are 8 bits in the MADT's type-0 entry, and 0xFF is the
 * broadcast ID: at most 255 vCPUs without x2APIC entries. */
#define NV_ACPI_MAX_CPUS    255
/* Every table starts on this boundary in guest memory. */
#define NV_ACPI_TABLE_ALIGN 16

#define RSDP_SIZE 36
#define FADT_SIZE 276 /* revision 6 (ACPI 6.0 .. 6.5) */

/*
 * Compile-time checks: the structures as ACPI 6.4 lays them out (Linux's
 * include/acpi/actbl*.h, packed) against the sizes and the byte offsets
 * the builders below write.
 */
struct acpi_header_layout {            /* §5.2.6 */
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} __attribute__((packed));
struct acpi_gas_layout {               /* §5.2.3.2 */
    uint8_t space_id, bit_width, bit_offset, access_size;
    uint64_t address;
} __attribute__((packed));
struct acpi_rsdp_layout {              /* §5.2.5.3 */
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address, length;
    uint64_t xsdt_address;
    uint8_t extended_checksum, reserved[3];
} __attribute__((packed));
struct acpi_fadt_layout {              /* §5.2.9, revision 6 */
    struct acpi_header_layout header;
    uint32_t facs, dsdt;
    uint8_t model, preferred_profile;
    uint16_t sci_interrupt;
    uint32_t smi_command;
    uint8_t acpi_enable, acpi_disable, s4bios_request, pstate_control;
    uint32_t pm1a_event, pm1b_event, pm1a_control, pm1b_control;
    uint32_t pm2_control, pm_timer, gpe0, gpe1;
    uint8_t pm1_event_len, pm1_control_len, pm2_control_len, pm_timer_len;
    uint8_t gpe0_len, gpe1_len, gpe1_base, cst_control;
    uint16_t c2_latency, c3_latency, flush_size, flush_stride;
    uint8_t duty_offset, duty_width, day_alarm, month_alarm, century;
    uint16_t boot_flags;
    uint8_t reserved;
    uint32_t flags;
    struct acpi_gas_layout reset_register;
    uint8_t reset_value;
    uint16_t arm_boot_flags;
    uint8_t minor_revision;
    uint64_t xfacs, xdsdt;
    struct acpi_gas_layout xpm1a_event, xpm1b_event, xpm1a_control;
    struct acpi_gas_layout xpm1b_control, xpm2_control, xpm_timer, xgpe0;
    struct acpi_gas_layout xgpe1, sleep_control, sleep_status;
    uint64_t hypervisor_id;
} __attribute__((packed));
#define FADT_AT(f) offsetof(struct acpi_fadt_layout, f)
_Static_assert(sizeof(struct acpi_header_layout) == NV_ACPI_HEADER_SIZE &&
               offsetof(struct acpi_header_layout, length) == 4 &&
               offsetof(struct acpi_header_layout, checksum) == 9,
               "ACPI table header: 36 bytes, length at 4, checksum at 9");
_Static_assert(sizeof(struct acpi_gas_layout) == 12 &&
               offsetof(struct acpi_gas_layout, address) == 4,
               "Generic Address Structure");
_Static_assert(sizeof(struct acpi_rsdp_layout) == RSDP_SIZE &&
               offsetof(struct acpi_rsdp_layout, checksum) == 8 &&
               offsetof(struct acpi_rsdp_layout, oem_id) == 9 &&
               offsetof(struct acpi_rsdp_layout, revision) == 15 &&
               offsetof(struct acpi_rsdp_layout, rsdt_address) == 16 &&
               offsetof(struct acpi_rsdp_layout, length) == 20 &&
               offsetof(struct acpi_rsdp_layout, xsdt_address) == 24 &&
               offsetof(struct acpi_rsdp_layout, extended_checksum) == 32,
               "RSDP, revision 2");
_Static_assert(sizeof(struct acpi_fadt_layout) == FADT_SIZE &&
               FADT_AT(facs) == 36 && FADT_AT(dsdt) == 40 &&
               FADT_AT(preferred_profile) == 45 &&
               FADT_AT(sci_interrupt) == 46 && FADT_AT(boot_flags) == 109 &&
               FADT_AT(flags) == 112 && FADT_AT(reset_register) == 116 &&
               FADT_AT(reset_value) == 128 &&
               FADT_AT(arm_boot_flags) == 129 &&
               FADT_AT(minor_revision) == 131 && FADT_AT(xfacs) == 132 &&
               FADT_AT(xdsdt) == 140 && FADT_AT(xpm1a_event) == 148 &&
               FADT_AT(sleep_control) == 244 &&
               FADT_AT(sleep_status) == 256 &&
               FADT_AT(hypervisor_id) == 268,
               "FADT revision 6 offsets");
#undef FADT_AT

/* MADT (§5.2.12): the header, then u32 LAPIC address at 36, u32 flags at
 * 40; entries: Local APIC 8 bytes, I/O APIC 12, Interrupt Source Override
 * 10, Local APIC NMI 6. */
struct acpi_madt_lapic_layout {
    uint8_t type, length, uid, apic_id;
    uint32_t flags;
} __attribute__((packed));
struct acpi_madt_ioapic_layout {
    uint8_t type, length, id, reserved;
    uint32_t address, gsi_base;
} __attribute__((packed));
struct acpi_madt_override_layout {
    uint8_t type, length, bus, source;
    uint32_t gsi;
    uint16_t flags;
} __attribute__((packed));
struct acpi_madt_nmi_layout {
    uint8_t type, length, uid;
    uint16_t flags;
    uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_layout) == 8 &&
               offsetof(struct acpi_madt_lapic_layout, flags) == 4 &&
               sizeof(struct acpi_madt_ioapic_layout) == 12 &&
               offsetof(struct acpi_madt_ioapic_layout, address) == 4 &&
               offsetof(struct acpi_madt_ioapic_layout, gsi_base) == 8 &&
               sizeof(struct acpi_madt_override_layout) == 10 &&
               offsetof(struct acpi_madt_override_layout, gsi) == 4 &&
               offsetof(struct acpi_madt_override_layout, flags) == 8 &&
               sizeof(struct acpi_madt_nmi_layout) == 6 &&
               offsetof(struct acpi_madt_nmi_layout, flags) == 3 &&
               offsetof(struct acpi_madt_nmi_layout, lint) == 5,
               "MADT entries");

/* ---- little helpers ---- */

static GArray *bytes_new(void)
{
    return g_array_new(FALSE, TRUE, 1); /* zero-filled when grown */
}

static void st8(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

/* The fixed-layout tables here are built from a header and then grown to
 * @size bytes: the body's offsets count from the table's start. */
static GArray *fixed_table(const char *sig, uint8_t rev, const char *oem_tid,
                           size_t size)
{
    GArray *t = bytes_new();
    nv_acpi_table_header(t, sig, rev, oem_tid);
    g_assert(t->len == NV_ACPI_HEADER_SIZE && size >= NV_ACPI_HEADER_SIZE);
    nv_acpi_table_grow(t, size - NV_ACPI_HEADER_SIZE);
    return t;
}

/* ACPI 6.4 §5.2.3.2 Generic Address Structure (12 bytes). */
enum {
    GAS_SYSTEM_IO = 1,
    GAS_ACCESS_BYTE = 1,
};

static void st_gas(uint8_t *p, uint8_t space, uint8_t bit_width,
                   uint8_t access_size, uint64_t address)
{
    st8(p + 0, space);        /* 0: Address Space ID */
    st8(p + 1, bit_width);    /* 1: Register Bit Width */
    st8(p + 2, 0);            /* 2: Register Bit Offset */
    st8(p + 3, access_size);  /* 3: Access Size (1 = byte) */
    nv_st64(p + 4, address);     /* 4: Address */
}

/* An address the 32-bit descriptors of the DSDT must hold: the machine
 * places these in the MMIO hole below 4 GiB, nv_acpi_build() checks it. */
static uint32_t addr32(uint64_t addr, const char *what)
{
    if (addr > UINT32_MAX) {
        g_error("acpi: %s 0x%" G_GINT64_MODIFIER "x is above 4 GiB", what,
                addr);
    }
    return (uint32_t)addr;
}

/* ---- RSDP, ACPI 6.4 §5.2.5.3 ---- */

GArray *nv_acpi_build_rsdp(uint64_t xsdt_gpa)
{
    GArray *t = bytes_new();
    uint8_t *p = nv_acpi_table_grow(t, RSDP_SIZE);
    memcpy(p + 0, "RSD PTR ", 8);   /* 0: Signature */
    /* 8: Checksum of bytes 0..19 (the ACPI 1.0 part), set below */
    /* 9: OEMID, as in every table header (NUL-padded to 6 bytes) */
    memcpy(p + 9, NV_ACPI_OEM_ID, strlen(NV_ACPI_OEM_ID));
    st8(p + 15, 2);                 /* 15: Revision: 2 = ACPI 2.0+ */
    nv_st32(p + 16, 0);                /* 16: RsdtAddress: none, XSDT only */
    nv_st32(p + 20, RSDP_SIZE);        /* 20: Length of the whole RSDP */
    nv_st64(p + 24, xsdt_gpa);         /* 24: XsdtAddress */
    /* 32: Extended Checksum over all 36 bytes; 33..35: reserved */
    st8(p + 8, nv_acpi_checksum(p, 20));
    st8(p + 32, nv_acpi_checksum(p, RSDP_SIZE));
    return t;
}

/* ---- XSDT, ACPI 6.4 §5.2.8 ---- */

GArray *nv_acpi_build_xsdt(const uint64_t *gpas, size_t n)
{
    GArray *t = fixed_table("XSDT", 1, "NVEMXSDT",
                            NV_ACPI_HEADER_SIZE + 8 * n);
    for (size_t i = 0; i < n; i++) {
        /* 36 + 8i: Entry i, the 64-bit address of a table */
        nv_st64((uint8_t *)t->data + NV_ACPI_HEADER_SIZE + 8 * i, gpas[i]);
    }
    nv_acpi_table_finalize(t);
    return t;
}

/* ---- FADT, ACPI 6.4 §5.2.9 ---- */

/* Fixed Feature Flags (offset 112) */
enum {
    FADT_WBINVD = 1u << 0,
    FADT_PWR_BUTTON = 1u << 4,       /* no fixed-feature power button */
    FADT_SLP_BUTTON = 1u << 5,       /* no fixed-feature sleep button */
    FADT_RESET_REG_SUP = 1u << 10,
    FADT_HW_REDUCED_ACPI = 1u << 20,
};

/* IA-PC Boot Architecture Flags (offset 109) */
enum {
    IAPC_VGA_NOT_PRESENT = 1u << 2,
    IAPC_CMOS_RTC_NOT_PRESENT = 1u << 5,
};

GArray *nv_acpi_build_fadt(const NvAcpiConfig *cfg, uint64_t dsdt_gpa)
{
    /* Header revision 6 is the FADT's major version; minor version 4
     * (offset 131) says the table follows ACPI 6.4, the spec it is written
     * from. Revision 6's layout (276 bytes) is the same in 6.0 .. 6.5. */
    GArray *t = fixed_table("FACP", 6, "NVEMFACP", FADT_SIZE);
    uint8_t *p = (uint8_t *)t->data;

    /* Hardware-reduced ACPI: no PM1/GPE blocks, no PM timer, no SCI, no
     * SMI command port; and no FACS, which is optional on a hardware-
     * reduced platform (§5.2.10): FIRMWARE_CTRL and X_FIRMWARE_CTRL both
     * zero. Every other field from offset 44 to 108 and 148 to 243 stays
     * zero. */
    nv_st32(p + 36, 0);                /* 36: FIRMWARE_CTRL (FACS): none */
    /* 40: DSDT, the 32-bit address; Linux takes X_DSDT and checks that
     * the two agree, so set it only when the DSDT is reachable with it. */
    nv_st32(p + 40, dsdt_gpa <= UINT32_MAX ? (uint32_t)dsdt_gpa : 0);
    st8(p + 45, 0);                 /* 45: Preferred_PM_Profile:
                                     *     0 = Unspecified (a VM) */
    nv_st16(p + 46, 0);                /* 46: SCI_INT: none, HW-reduced */
    /* 108: CENTURY: the CMOS byte with the century, which Linux's
     * mc146818_get_time() reads; 0 = none. */
    st8(p + 108, cfg->rtc_io ? cfg->rtc_century : 0);
    /* 109: IAPC_BOOT_ARCH: no VGA; "CMOS RTC not present" unless there is
     * one (it is then also Device (RTC) in the DSDT). Bit 0 (legacy
     * devices) and bit 1 (8042) stay clear: Linux then skips probing for
     * an i8042 (nvemu only decodes the 0xFE reset write to port 0x64). */
    nv_st16(p + 109, IAPC_VGA_NOT_PRESENT |
                     (cfg->rtc_io ? 0 : IAPC_CMOS_RTC_NOT_PRESENT));
    /* 112: Flags. WBINVD: KVM executes WBINVD for the guest; PWR_BUTTON
     * and SLP_BUTTON set = no fixed-feature buttons (the only encoding
     * for "no button" in §5.2.9); the reset register; HW-reduced. */
    nv_st32(p + 112, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
                  FADT_RESET_REG_SUP | FADT_HW_REDUCED_ACPI);
    /* 116: RESET_REG: one byte in I/O space at pm_io_base + 2. Linux
     * requires bit width 8 and bit offset 0 for a SystemIO reset. */
    st_gas(p + 116, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
           (uint64_t)cfg->pm_io_base + 2);
    st8(p + 128, NV_ACPI_RESET_VALUE); /* 128: RESET_VALUE */
    nv_st16(p + 129, 0);               /* 129: ARM_BOOT_ARCH: not ARM */
    st8(p + 131, 4);                /* 131: FADT Minor Version: 6.4 */
    nv_st64(p + 132, 0);               /* 132: X_FIRMWARE_CTRL: no FACS */
    nv_st64(p + 140, dsdt_gpa);        /* 140: X_DSDT */
    /* 148..243: X_PM1a_EVT_BLK .. X_GPE1_BLK: zero (HW-reduced) */
    /* 244: SLEEP_CONTROL_REG: Linux writes SLP_TYP << 2 | SLP_EN here */
    st_gas(p + 244, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
           (uint64_t)cfg->pm_io_base + 0);
    /* 256: SLEEP_STATUS_REG: WAK_STS (bit 7), written 1 to clear */
    st_gas(p + 256, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
           (uint64_t)cfg->pm_io_base + 1);
    /* 268: Hypervisor Vendor Identity (8 bytes) */
    memcpy(p + 268, "NVEMU", 5);
    nv_acpi_table_finalize(t);
    return t;
}

/* ---- MADT, ACPI 6.4 §5.2.12 ---- */

enum {
    MADT_PCAT_COMPAT = 1u << 0,
    MADT_TYPE_LAPIC = 0,
    MADT_TYPE_IOAPIC = 1,
    MADT_TYPE_INT_OVERRIDE = 2,
    MADT_TYPE_LAPIC_NMI = 4,
    MADT_LAPIC_ENABLED = 1u << 0,
};

GArray *nv_acpi_build_madt(const NvAcpiConfig *cfg)
{
    /* Revision 5: ACPI 6.3/6.4 (whose Online Capable bit Linux only reads
     * from revision 5 on; every vCPU here is Enabled anyway). */
    GArray *t = fixed_table("APIC", 5, "NVEMAPIC", NV_ACPI_HEADER_SIZE + 8);
    uint8_t *p = (uint8_t *)t->data;
    nv_st32(p + 36, NV_ACPI_LAPIC_ADDR); /* 36: Local Interrupt Controller
                                       *     Address */
    /* 40: Flags: PCAT_COMPAT. KVM_CREATE_IRQCHIP does create a dual 8259
     * next to the IOAPIC, so the flag describes the machine truthfully
     * (QEMU sets it for its KVM machines, microvm included). Linux on x86
     * does not act on it, and with HW_REDUCED_ACPI it installs no legacy
     * PIC driver at all, so either value boots; a guest that does read it
     * learns it must mask the 8259 before using the IOAPIC. */
    nv_st32(p + 40, MADT_PCAT_COMPAT);

    /* §5.2.12.2 Processor Local APIC, one per vCPU (8 bytes) */
    for (uint32_t i = 0; i < cfg->ncpus; i++) {
        uint8_t *e = nv_acpi_table_grow(t, 8);
        st8(e + 0, MADT_TYPE_LAPIC);    /* 0: Type */
        st8(e + 1, 8);                  /* 1: Length */
        st8(e + 2, (uint8_t)i);         /* 2: ACPI Processor UID */
        st8(e + 3, (uint8_t)i);         /* 3: APIC ID (KVM's vCPU id) */
        nv_st32(e + 4, MADT_LAPIC_ENABLED);/* 4: Flags: Enabled */
    }

    /* §5.2.12.3 I/O APIC (12 bytes) */
    uint8_t *e = nv_acpi_table_grow(t, 12);
    st8(e + 0, MADT_TYPE_IOAPIC);       /* 0: Type */
    st8(e + 1, 12);                     /* 1: Length */
    st8(e + 2, 0);                      /* 2: I/O APIC ID (KVM's: 0) */
    st8(e + 3, 0);                      /* 3: Reserved */
    nv_st32(e + 4, NV_ACPI_IOAPIC_ADDR);   /* 4: I/O APIC Address */
    nv_st32(e + 8, 0);                     /* 8: Global System Interrupt Base */

    /* §5.2.12.5 Interrupt Source Override (10 bytes): the PIT's ISA IRQ 0
     * is wired to IOAPIC pin 2 (KVM's in-kernel PIT, as on real chipsets).
     * The other ISA IRQs, COM1's 4 included, map 1:1, edge, active high. */
    e = nv_acpi_table_grow(t, 10);
    st8(e + 0, MADT_TYPE_INT_OVERRIDE); /* 0: Type */
    st8(e + 1, 10);                     /* 1: Length */
    st8(e + 2, 0);                      /* 2: Bus: 0 = ISA */
    st8(e + 3, 0);                      /* 3: Source: IRQ 0 */
    nv_st32(e + 4, 2);                     /* 4: Global System Interrupt */
    nv_st16(e + 8, 0);                     /* 8: Flags: conforms to the bus */

    /* §5.2.12.7 Local APIC NMI (6 bytes): NMI on LINT1 of every CPU */
    e = nv_acpi_table_grow(t, 6);
    st8(e + 0, MADT_TYPE_LAPIC_NMI);    /* 0: Type */
    st8(e + 1, 6);                      /* 1: Length */
    st8(e + 2, 0xFF);                   /* 2: ACPI Processor UID: all */
    nv_st16(e + 3, 0);                     /* 3: Flags: conforms to the bus */
    st8(e + 5, 1);                      /* 5: Local APIC LINT# */

    nv_acpi_table_finalize(t);
    return t;
}

/* ---- DSDT ---- */

/* Device (PMRG), PNP0C02 "motherboard resources": what nvemu decodes
 * outside any described device, so the guest's resource manager never
 * hands these ranges to something else: the FADT's sleep/reset ports, the
 * DSM doorbell, the GED's event selector, the NVDIMM pending-notify block
 * and the flush-hint pages of every slot. */
static NvAml *dsdt_pmrg(const NvAcpiConfig *cfg)
{
    NvAml *dev = aml_device("PMRG");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C02")));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_io(cfg->pm_io_base, cfg->pm_io_base, 1,
                           NV_ACPI_PM_REG_LEN));
    aml_append(crs, aml_memory32_fixed(addr32(cfg->dsm_doorbell,
                                              "DSM doorbell"),
                                       NV_DSM_DOORBELL_SIZE, true));
    aml_append(crs, aml_memory32_fixed(addr32(cfg->ged_base, "GED"),
                                       NV_GED_REG_LEN, true));
    if (cfg->nvdimm_notify_base) {
        aml_append(crs, aml_memory32_fixed(
            addr32(cfg->nvdimm_notify_base, "NVDIMM pending-notify block"),
            NV_NVNT_REG_LEN, true));
    }
    if (cfg->slots > 0) {
        uint64_t len = (uint64_t)cfg->slots * NV_FLUSH_HINT_STRIDE;
        addr32(cfg->flush_hint_base + len - 1, "flush-hint area end");
        aml_append(crs, aml_memory32_fixed(addr32(cfg->flush_hint_base,
                                                  "flush-hint area"),
                                           (uint32_t)len, true));
    }
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

GArray *nv_acpi_build_dsdt(const NvAcpiConfig *cfg)
{
    NvAml *body = aml_list();
    NvAml *sb = aml_scope("\\_SB");
    if (cfg->dsdt_devices) {
        cfg->dsdt_devices(sb, cfg->dsdt_devices_opaque);
    }
    aml_append(sb, dsdt_pmrg(cfg));
    aml_append(body, sb);

    /* \_S5: Package {SLP_TYPa, SLP_TYPb, reserved, reserved}. ACPICA's
     * acpi_get_sleep_type_data() takes element 0 as SLP_TYPa (and element
     * 1, when present, as SLP_TYPb); on a hardware-reduced machine only
     * SLP_TYPa is used: Linux writes (SLP_TYPa << 2) | SLP_EN to the FADT
     * sleep control register. */
    NvAml *s5 = aml_package();
    aml_append(s5, aml_int(NV_ACPI_S5_SLP_TYP));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(body, aml_name_decl("\\_S5", s5));

    /* Revision 2: 64-bit integers in AML. */
    return aml_definition_block("DSDT", 2, "NVEMDSDT", body);
}

/* ---- the whole set ---- */

static void table_free(gpointer p)
{
    NvAcpiTable *t = p;
    if (t) {
        g_array_unref(t->data);
        g_free(t);
    }
}

void nv_acpi_tables_free(NvAcpiTables *t)
{
    if (!t) {
        return;
    }
    if (t->rsdp) {
        g_array_unref(t->rsdp);
    }
    if (t->tables) {
        g_ptr_array_unref(t->tables);
    }
    g_free(t);
}

/* Place @data (a finalized table, consumed) at the next 16-byte boundary
 * at or after *next; returns its guest address. */
static uint64_t place(NvAcpiTables *t, GArray *data, uint64_t *next)
{
    NvAcpiTable *tab = g_new0(NvAcpiTable, 1);
    memcpy(tab->sig, data->data, 4);
    tab->sig[4] = '\0';
    tab->gpa = nv_align_up(*next, NV_ACPI_TABLE_ALIGN);
    tab->data = data;
    *next = tab->gpa + data->len;
    g_ptr_array_add(t->tables, tab);
    return tab->gpa;
}

static bool has_nvdimm(const NvAcpiConfig *cfg)
{
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM) {
            return true;
        }
    }
    return false;
}

/* The parts of @cfg the tables encode in narrow fields. */
static bool check_config(const NvAcpiConfig *cfg, GError **errp)
{
    if (cfg->ncpus == 0 || cfg->ncpus > NV_ACPI_MAX_CPUS) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: %u vCPUs do not fit the MADT (1 to %u)",
                    cfg->ncpus, NV_ACPI_MAX_CPUS);
        return false;
    }
    if (cfg->slots > NV_MAX_SLOTS) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: %u memory slots is more than %u", cfg->slots,
                    NV_MAX_SLOTS);
        return false;
    }
    if (cfg->dsm_doorbell > UINT32_MAX - NV_DSM_DOORBELL_SIZE + 1) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the DSM doorbell at 0x%" G_GINT64_MODIFIER "x is "
                    "not below 4 GiB", cfg->dsm_doorbell);
        return false;
    }
    if (cfg->ged_base > UINT32_MAX - NV_GED_REG_LEN + 1) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the GED register at 0x%" G_GINT64_MODIFIER "x is "
                    "not below 4 GiB", cfg->ged_base);
        return false;
    }
    if (cfg->ged_irq >= NV_ACPI_IOAPIC_PINS) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the GED interrupt %u is not an I/O APIC pin "
                    "(0 to %u)", cfg->ged_irq, NV_ACPI_IOAPIC_PINS - 1);
        return false;
    }
    uint64_t hints = (uint64_t)cfg->slots * NV_FLUSH_HINT_STRIDE;
    if (cfg->slots > 0 &&
        (cfg->flush_hint_base > UINT32_MAX ||
         hints > (uint64_t)UINT32_MAX + 1 - cfg->flush_hint_base)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the flush-hint pages at 0x%" G_GINT64_MODIFIER
                    "x (%u slots) are not below 4 GiB",
                    cfg->flush_hint_base, cfg->slots);
        return false;
    }
    uint32_t nodes = MAX(cfg->numa_nodes, 1u);
    for (uint32_t i = 0; cfg->cpu_nodes && i < cfg->ncpus; i++) {
        if (cfg->cpu_nodes[i] >= nodes) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "ACPI: vCPU %u is on node %u, but the machine has "
                        "%u NUMA node%s", i, cfg->cpu_nodes[i], nodes,
                        nodes == 1 ? "" : "s");
            return false;
        }
    }
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->slot >= cfg->slots) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "ACPI: %s is in slot %u, but the machine has %u "
                        "slot%s", d->name ? d->name : "an NVDIMM", d->slot,
                        cfg->slots, cfg->slots == 1 ? "" : "s");
            return false;
        }
    }
    if (cfg->tables_base > UINT64_MAX - cfg->tables_max) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the table area at 0x%" G_GINT64_MODIFIER "x "
                    "wraps around", cfg->tables_base);
        return false;
    }
    return true;
}

NvAcpiTables *nv_acpi_build(const NvAcpiConfig *cfg, GError **errp)
{
    if (!check_config(cfg, errp)) {
        return NULL;
    }

    g_autoptr(NvAcpiTables) t = g_new0(NvAcpiTables, 1);
    t->tables = g_ptr_array_new_with_free_func(table_free);

    /* Layout order: DSDT, FADT, MADT, [SRAT], [NFIT], [SSDT], XSDT. The
     * XSDT lists every table but the DSDT, which only the FADT points at. */
    uint64_t next = cfg->tables_base;
    uint64_t listed[5];
    size_t n = 0;
    uint64_t dsdt = place(t, nv_acpi_build_dsdt(cfg), &next);
    listed[n++] = place(t, nv_acpi_build_fadt(cfg, dsdt), &next);
    listed[n++] = place(t, nv_acpi_build_madt(cfg), &next);
    if (nv_acpi_wants_srat(cfg)) {
        listed[n++] = place(t, nv_acpi_build_srat(cfg), &next);
    }
    /* No NFIT without an NVDIMM: a table holding only the capabilities
     * structure describes nothing. Linux's nfit driver is content with
     * the SSDT's ACPI0012 root device alone (it waits for _FIT). */
    if (has_nvdimm(cfg)) {
        listed[n++] = place(t, nv_acpi_build_nfit(cfg), &next);
    }
    /* One NVxx device per memory slot, hence an SSDT whenever there are
     * slots and nvdimm=on, NVDIMMs or not: the nfit driver binds to
     * ACPI0012 and hears the Notify (NVDR, 0x80) of an NVDIMM hot-add. */
    if (cfg->slots > 0 && cfg->nvdimm) {
        listed[n++] = place(t, nv_acpi_build_ssdt_nvdimm(cfg), &next);
    }
    uint64_t xsdt = place(t, nv_acpi_build_xsdt(listed, n), &next);

    uint64_t used = next - cfg->tables_base;
    if (used > cfg->tables_max) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "ACPI: the tables need %" G_GUINT64_FORMAT " bytes at "
                    "0x%" G_GINT64_MODIFIER "x, but only %" G_GUINT64_FORMAT
                    " are reserved", used, cfg->tables_base,
                    cfg->tables_max);
        return NULL;
    }
    t->rsdp = nv_acpi_build_rsdp(xsdt);
    return g_steal_pointer(&t);
}
