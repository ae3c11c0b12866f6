/*
 * tests/test-acpi-tables.c — the fixed ACPI tables (acpi-nfit/tables.c) and
 * the NFIT (acpi-nfit/nfit.c): every field at its ACPI 6.4 offset, lengths
 * and checksums, the layout nv_acpi_build() makes, and determinism. When
 * iasl is installed, every table of a whole configuration is disassembled:
 * iasl validates the FADT/MADT/NFIT/XSDT layouts and checksums and must
 * report no error and no warning.
 */
#include "acpi-nfit.h"
#include "aml.h"
#include "ged.h"
#include "rtc.h"
#include "serial.h"
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

/* ---- helpers ---- */

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static const uint8_t *bytes(const GArray *a)
{
    return (const uint8_t *)a->data;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static bool contains(const GArray *a, const uint8_t *needle, size_t len)
{
    return memmem(a->data, a->len, needle, len) != NULL;
}

#define CONTAINS(a, ...)                                          \
    do {                                                          \
        const uint8_t n_[] = { __VA_ARGS__ };                     \
        g_assert_true(contains((a), n_, sizeof(n_)));             \
    } while (0)

/* A table header (ACPI 6.4 §5.2.6): signature, length == array length,
 * revision, checksum, nvemu's OEM and creator IDs. */
static void check_header(const GArray *t, const char *sig, uint8_t rev)
{
    const uint8_t *p = bytes(t);
    g_assert_cmpuint(t->len, >=, NV_ACPI_HEADER_SIZE);
    g_assert_cmpmem(p, 4, sig, 4);
    g_assert_cmpuint(ld32(p + 4), ==, t->len);
    g_assert_cmpuint(p[8], ==, rev);
    g_assert_cmpuint(sum(p, t->len), ==, 0);
    g_assert_cmpmem(p + 10, 6, "NVEMU\0", 6);
    g_assert_cmpmem(p + 28, 4, NV_ACPI_CREATOR_ID, 4);
}

/* The machine's addresses, as the firmware area of docs/architecture.md
 * would have them (3 GiB of low RAM). */
#define TABLES_BASE  UINT64_C(0xBFF21000)
#define TABLES_MAX   (UINT64_C(0x100000) - UINT64_C(0x21000))
#define MAILBOX      UINT64_C(0xBFF00000)
#define DOORBELL     UINT64_C(0xFEB00000)
#define FLUSH_BASE   UINT64_C(0xFEA00000)
#define PM_IO        0x0600
#define GED_BASE     UINT64_C(0xFEB01000)
#define GED_IRQ      16
#define DEVMEM       UINT64_C(0x140000000)

/* The devices' fragments as machine/acpi.c hands them over: COM1, the RTC
 * when the opaque says so, the GED and power button. */
static const bool with_rtc = true;
static void dsdt_devices(NvAml *sb, const void *opaque)
{
    const bool *rtc = opaque;
    aml_append(sb, nv_serial_aml());
    if (rtc && *rtc) {
        aml_append(sb, nv_rtc_aml());
    }
    aml_append(sb, nv_ged_aml(0));
}

static NvAcpiConfig make_cfg(uint32_t ncpus, uint32_t slots, GPtrArray *dimms)
{
    return (NvAcpiConfig){
        .ncpus = ncpus,
        .slots = slots,
        .numa_nodes = 1,
        .ram_below_4g = 512 * MiB,
        .devmem_base = DEVMEM,
        .devmem_size = slots ? (uint64_t)slots * GiB + 4 * GiB : 0,
        .nvdimm = true,
        .dimms = dimms,
        .nfit_capabilities = NV_NFIT_CAP_MEM_CTRL,
        .tables_base = TABLES_BASE,
        .tables_max = TABLES_MAX,
        .dsm_mailbox = MAILBOX,
        .dsm_doorbell = DOORBELL,
        .flush_hint_base = FLUSH_BASE,
        .pm_io_base = PM_IO,
        .ged_base = GED_BASE,
        .ged_irq = GED_IRQ,
        .dsdt_devices = dsdt_devices,
    };
}

/* A planned DIMM, filled by hand. uuid: 6a3e0c4b-2f1d-4c5e-9a8b-0000000000ss
 * (ss = slot), uuids differing only in their last byte. */
static NvDimm *dimm_new(NvDimmKind kind, uint32_t slot, uint32_t node,
                        uint64_t addr, uint64_t size, bool unarmed)
{
    NvDimm *d = g_new0(NvDimm, 1);
    d->kind = kind;
    d->id = g_strdup_printf("d%u", slot);
    d->name = g_strdup_printf("-device %s,id=d%u", nv_dimm_kind_name(kind),
                              slot);
    d->slot = slot;
    d->slot_set = true;
    d->node = node;
    d->addr = addr;
    d->size = size;
    d->unarmed = unarmed;
    if (kind == NV_DIMM_NVDIMM) {
        g_autofree char *u = g_strdup_printf(
            "6a3e0c4b-2f1d-4c5e-9a8b-0000000000%02x", slot & 0xFF);
        g_assert_true(nv_parse_uuid(u, d->uuid, NULL));
        d->uuid_set = true;
    }
    return d;
}

static GPtrArray *dimms_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)nv_dimm_free);
}

/* Four NVDIMMs on two nodes, slot 2 unarmed, listed out of slot order,
 * plus a pc-dimm in slot 4 (which the NFIT must ignore). */
static GPtrArray *four_nvdimms(void)
{
    GPtrArray *a = dimms_new();
    g_ptr_array_add(a, dimm_new(NV_DIMM_NVDIMM, 3, 1, DEVMEM + 3 * GiB,
                                512 * MiB, false));
    g_ptr_array_add(a, dimm_new(NV_DIMM_NVDIMM, 0, 0, DEVMEM, GiB, false));
    g_ptr_array_add(a, dimm_new(NV_DIMM_PC, 4, 0, DEVMEM + 4 * GiB,
                                GiB, false));
    g_ptr_array_add(a, dimm_new(NV_DIMM_NVDIMM, 2, 1, DEVMEM + 2 * GiB,
                                256 * MiB, true));
    g_ptr_array_add(a, dimm_new(NV_DIMM_NVDIMM, 1, 0, DEVMEM + GiB,
                                128 * MiB, false));
    return a;
}

static const NvAcpiTable *find_table(const NvAcpiTables *t, const char *sig)
{
    for (guint i = 0; i < t->tables->len; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        if (strcmp(tab->sig, sig) == 0) {
            return tab;
        }
    }
    return NULL;
}

/* ---- RSDP, XSDT ---- */

static void test_rsdp(void)
{
    g_autoptr(GArray) r = nv_acpi_build_rsdp(UINT64_C(0x1122334455667788));
    const uint8_t *p = bytes(r);
    g_assert_cmpuint(r->len, ==, 36);
    g_assert_cmpmem(p, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(p, 20), ==, 0);       /* checksum, bytes 0..19 */
    g_assert_cmpuint(sum(p, 36), ==, 0);       /* extended checksum */
    g_assert_cmpmem(p + 9, 6, "NVEMU\0", 6);   /* OEMID */
    g_assert_cmpuint(p[15], ==, 2);            /* revision */
    g_assert_cmpuint(ld32(p + 16), ==, 0);     /* no RSDT */
    g_assert_cmpuint(ld32(p + 20), ==, 36);    /* length */
    g_assert_cmphex(ld64(p + 24), ==, UINT64_C(0x1122334455667788));
    g_assert_true(all_zero(p + 33, 3));        /* reserved */
}

static void test_xsdt(void)
{
    const uint64_t gpas[] = { 0xBFF21100, UINT64_C(0x123456789A0),
                              0xBFF21200 };
    g_autoptr(GArray) x = nv_acpi_build_xsdt(gpas, 3);
    check_header(x, "XSDT", 1);
    g_assert_cmpuint(x->len, ==, 36 + 3 * 8);
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(ld64(bytes(x) + 36 + 8 * i), ==, gpas[i]);
    }
    g_autoptr(GArray) empty = nv_acpi_build_xsdt(NULL, 0);
    check_header(empty, "XSDT", 1);
    g_assert_cmpuint(empty->len, ==, 36);
}

/* ---- FADT ---- */

/* A Generic Address Structure: SystemIO, 8 bits at bit 0, byte access. */
static void check_io_gas(const uint8_t *g, uint64_t port)
{
    g_assert_cmpuint(g[0], ==, 1);   /* SystemIO */
    g_assert_cmpuint(g[1], ==, 8);   /* bit width */
    g_assert_cmpuint(g[2], ==, 0);   /* bit offset */
    g_assert_cmpuint(g[3], ==, 1);   /* byte access */
    g_assert_cmphex(ld64(g + 4), ==, port);
}

static void test_fadt(void)
{
    NvAcpiConfig cfg = make_cfg(1, 0, NULL);
    g_autoptr(GArray) f = nv_acpi_build_fadt(&cfg, 0xBFF21040);
    const uint8_t *p = bytes(f);
    check_header(f, "FACP", 6);
    g_assert_cmpuint(f->len, ==, 276);
    g_assert_cmpuint(p[131], ==, 4);                 /* minor version */
    g_assert_cmphex(ld32(p + 36), ==, 0);            /* no FACS */
    g_assert_cmphex(ld64(p + 132), ==, 0);
    g_assert_cmphex(ld32(p + 40), ==, 0xBFF21040);   /* DSDT */
    g_assert_cmphex(ld64(p + 140), ==, 0xBFF21040);  /* X_DSDT */
    g_assert_cmpuint(p[45], ==, 0);                  /* PM profile */
    g_assert_cmpuint(ld16(p + 46), ==, 0);           /* SCI_INT */
    /* everything of the fixed hardware (SMI, PM1, GPE, PM timer, ...) */
    g_assert_true(all_zero(p + 44, 109 - 44));
    g_assert_true(all_zero(p + 148, 244 - 148));
    g_assert_cmphex(ld16(p + 109), ==, 1u << 2 | 1u << 5); /* IAPC_BOOT_ARCH */
    g_assert_cmpuint(p[111], ==, 0);
    uint32_t flags = ld32(p + 112);
    g_assert_true(flags & 1u << 20);                 /* HW_REDUCED_ACPI */
    g_assert_true(flags & 1u << 10);                 /* RESET_REG_SUP */
    g_assert_cmphex(flags, ==, 1u << 20 | 1u << 10 | 1u << 5 | 1u << 4 | 1);
    check_io_gas(p + 116, PM_IO + 2);                /* RESET_REG */
    g_assert_cmpuint(p[128], ==, NV_ACPI_RESET_VALUE);
    g_assert_cmpuint(ld16(p + 129), ==, 0);          /* ARM boot arch */
    check_io_gas(p + 244, PM_IO + 0);                /* SLEEP_CONTROL_REG */
    check_io_gas(p + 256, PM_IO + 1);                /* SLEEP_STATUS_REG */
    g_assert_cmpmem(p + 268, 8, "NVEMU\0\0\0", 8);   /* hypervisor vendor */
}

static void test_fadt_dsdt_above_4g(void)
{
    NvAcpiConfig cfg = make_cfg(1, 0, NULL);
    g_autoptr(GArray) f = nv_acpi_build_fadt(&cfg, UINT64_C(0x100000040));
    check_header(f, "FACP", 6);
    g_assert_cmphex(ld32(bytes(f) + 40), ==, 0);
    g_assert_cmphex(ld64(bytes(f) + 140), ==, UINT64_C(0x100000040));
}

/* With a CMOS RTC: the FADT names its century byte and no longer says
 * "CMOS RTC not present"; the DSDT has Device (RTC), PNP0B00, two ports
 * at 0x70 and no IRQ. Without one (make_cfg), neither. */
static void test_rtc(void)
{
    NvAcpiConfig cfg = make_cfg(1, 0, NULL);
    cfg.rtc_io = 0x70;
    cfg.rtc_century = 0x32;
    cfg.dsdt_devices_opaque = &with_rtc;
    g_autoptr(GArray) f = nv_acpi_build_fadt(&cfg, 0xBFF21040);
    check_header(f, "FACP", 6);
    g_assert_cmphex(bytes(f)[108], ==, 0x32);          /* CENTURY */
    g_assert_cmphex(ld16(bytes(f) + 109), ==, 1u << 2); /* IAPC_BOOT_ARCH */
    g_autoptr(GArray) d = nv_acpi_build_dsdt(&cfg);
    check_header(d, "DSDT", 2);
    /* Device (RTC): _HID EISAID ("PNP0B00"),
     * _CRS: IO (Decode16, 0x70, 0x70, 1, 2), End Tag */
    CONTAINS(d, 'R', 'T', 'C', '_', 0x08, '_', 'H', 'I', 'D',
             0x0C, 0x41, 0xD0, 0x0B, 0x00, 0x08, '_', 'C', 'R', 'S');
    CONTAINS(d, 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x79, 0x00);

    NvAcpiConfig none = make_cfg(1, 0, NULL);
    g_autoptr(GArray) d0 = nv_acpi_build_dsdt(&none);
    const uint8_t rtc[] = { 'R', 'T', 'C', '_' };
    g_assert_false(contains(d0, rtc, sizeof(rtc)));
    g_autoptr(GArray) f0 = nv_acpi_build_fadt(&none, 0xBFF21040);
    g_assert_cmphex(bytes(f0)[108], ==, 0);
    g_assert_cmphex(ld16(bytes(f0) + 109), ==, 1u << 2 | 1u << 5);
}

/* ---- MADT ---- */

static void check_madt(uint32_t ncpus)
{
    NvAcpiConfig cfg = make_cfg(ncpus, 0, NULL);
    g_autoptr(GArray) m = nv_acpi_build_madt(&cfg);
    const uint8_t *p = bytes(m);
    check_header(m, "APIC", 5);
    g_assert_cmpuint(m->len, ==, 44 + 8 * ncpus + 12 + 10 + 6);
    g_assert_cmphex(ld32(p + 36), ==, 0xFEE00000);   /* local APIC */
    g_assert_cmphex(ld32(p + 40), ==, 1);            /* PCAT_COMPAT */

    uint32_t lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
    for (size_t off = 44; off < m->len; ) {
        const uint8_t *e = p + off;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, m->len);
        switch (e[0]) {
        case 0: /* Processor Local APIC: in vCPU order */
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics);      /* UID */
            g_assert_cmpuint(e[3], ==, lapics);      /* APIC ID */
            g_assert_cmphex(ld32(e + 4), ==, 1);     /* enabled */
            lapics++;
            break;
        case 1: /* I/O APIC */
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, 0);
            g_assert_cmpuint(e[3], ==, 0);
            g_assert_cmphex(ld32(e + 4), ==, 0xFEC00000);
            g_assert_cmpuint(ld32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2: /* Interrupt Source Override: ISA IRQ 0 -> GSI 2 */
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);
            g_assert_cmpuint(e[3], ==, 0);
            g_assert_cmpuint(ld32(e + 4), ==, 2);
            g_assert_cmphex(ld16(e + 8), ==, 0);
            overrides++;
            break;
        case 4: /* Local APIC NMI: all processors, LINT1 */
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmphex(e[2], ==, 0xFF);
            g_assert_cmphex(ld16(e + 3), ==, 0);
            g_assert_cmpuint(e[5], ==, 1);
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        off += e[1];
    }
    g_assert_cmpuint(lapics, ==, ncpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(overrides, ==, 1);
    g_assert_cmpuint(nmis, ==, 1);
}

static void test_madt_1cpu(void)
{
    check_madt(1);
}

static void test_madt_4cpus(void)
{
    check_madt(4);
}

static void test_madt_255cpus(void)
{
    check_madt(255);
}

/* ---- DSDT ---- */

static void test_dsdt(void)
{
    NvAcpiConfig cfg = make_cfg(1, 4, NULL);
    g_autoptr(GArray) d = nv_acpi_build_dsdt(&cfg);
    check_header(d, "DSDT", 2);
    /* Device (COM1): _HID EISAID ("PNP0501"), _UID 1 */
    CONTAINS(d, 0x5B, 0x82);
    CONTAINS(d, 'C', 'O', 'M', '1', 0x08, '_', 'H', 'I', 'D',
             0x0C, 0x41, 0xD0, 0x05, 0x01, 0x08, '_', 'U', 'I', 'D', 0x01);
    /* IO (Decode16, 0x3F8, 0x3F8, 1, 8), IRQNoFlags () {4}, End Tag */
    CONTAINS(d, 0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,
             0x22, 0x10, 0x00, 0x79, 0x00);
    /* Device (PMRG): _HID EISAID ("PNP0C02") */
    CONTAINS(d, 'P', 'M', 'R', 'G', 0x08, '_', 'H', 'I', 'D',
             0x0C, 0x41, 0xD0, 0x0C, 0x02);
    /* IO (Decode16, 0x600, 0x600, 1, 4),
     * Memory32Fixed (ReadWrite, 0xFEB00000, 4),
     * Memory32Fixed (ReadWrite, 0xFEB01000, 4): the GED's selector,
     * Memory32Fixed (ReadWrite, 0xFEA00000, 4 slots x 4K), End Tag */
    CONTAINS(d, 0x47, 0x01, 0x00, 0x06, 0x00, 0x06, 0x01, 0x04,
             0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xB0, 0xFE,
             0x04, 0x00, 0x00, 0x00,
             0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0xB0, 0xFE,
             0x04, 0x00, 0x00, 0x00,
             0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xA0, 0xFE,
             0x00, 0x40, 0x00, 0x00, 0x79, 0x00);
    /* Device (GED): _HID "ACPI0013", _UID 0 */
    CONTAINS(d, 'G', 'E', 'D', '_', 0x08, '_', 'H', 'I', 'D',
             0x0D, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00,
             0x08, '_', 'U', 'I', 'D', 0x00);
    /* _CRS: Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {16}:
     * Extended Interrupt (0x89), length 6, flags consumer|edge = 3, one
     * interrupt, 16; End Tag */
    CONTAINS(d, 0x89, 0x06, 0x00, 0x03, 0x01, GED_IRQ, 0x00, 0x00, 0x00,
             0x79, 0x00);
    /* OperationRegion (EREG, SystemMemory, 0xFEB01000, 4) */
    CONTAINS(d, 0x5B, 0x80, 'E', 'R', 'E', 'G', 0x00,
             0x0C, 0x00, 0x10, 0xB0, 0xFE, 0x0A, 0x04);
    /* Field (EREG, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 } */
    CONTAINS(d, 'E', 'R', 'E', 'G', 0x43, 'E', 'S', 'E', 'L', 0x20);
    /* Method (_EVT, 1, Serialized) { Local0 = ESEL
     *   If ((Local0 & 2) == 2) { Notify (\_SB.PWRB, 0x80) } } */
    CONTAINS(d, '_', 'E', 'V', 'T', 0x09,
             0x70, 'E', 'S', 'E', 'L', 0x60,
             0xA0, 0x16, 0x93, 0x7B, 0x60, 0x0A, NV_GED_EVENT_POWERDOWN, 0x00,
             0x0A, NV_GED_EVENT_POWERDOWN,
             0x86, 0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'W', 'R', 'B',
             0x0A, 0x80);
    /* Device (PWRB): _HID EISAID ("PNP0C0C"), _UID 0 */
    CONTAINS(d, 'P', 'W', 'R', 'B', 0x08, '_', 'H', 'I', 'D',
             0x0C, 0x41, 0xD0, 0x0C, 0x0C, 0x08, '_', 'U', 'I', 'D', 0x00);
    /* Name (\_S5, Package (4) {5, 0, 0, 0}) */
    CONTAINS(d, 0x08, 0x5C, '_', 'S', '5', '_',
             0x12, 0x07, 0x04, 0x0A, NV_ACPI_S5_SLP_TYP, 0x00, 0x00, 0x00);

    /* Without slots, no flush-hint range: the GED closes the list */
    NvAcpiConfig none = make_cfg(1, 0, NULL);
    g_autoptr(GArray) d0 = nv_acpi_build_dsdt(&none);
    check_header(d0, "DSDT", 2);
    CONTAINS(d0, 0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0xB0, 0xFE,
             0x04, 0x00, 0x00, 0x00, 0x79, 0x00);
    const uint8_t hints[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xA0, 0xFE };
    g_assert_false(contains(d0, hints, sizeof(hints)));

    /* The devices' fragments are the caller's: without them, no COM1 and
     * no GED, but PMRG and \_S5 still */
    NvAcpiConfig bare = make_cfg(1, 0, NULL);
    bare.dsdt_devices = NULL;
    g_autoptr(GArray) db = nv_acpi_build_dsdt(&bare);
    check_header(db, "DSDT", 2);
    const uint8_t com1[] = { 'C', 'O', 'M', '1' }, ged[] = { 'G', 'E', 'D', '_' };
    g_assert_false(contains(db, com1, sizeof(com1)));
    g_assert_false(contains(db, ged, sizeof(ged)));
    CONTAINS(db, 'P', 'M', 'R', 'G', 0x08, '_', 'H', 'I', 'D');
    CONTAINS(db, 0x08, 0x5C, '_', 'S', '5', '_');
}

/* ---- NFIT ---- */

typedef struct {
    const uint8_t *spa, *memdev, *dcr, *flush;
} NfitDimm;

/* The GUID 66F0D379-B4F3-4074-AC43-0D3318B78CDB in EFI byte order */
static const uint8_t pmem_guid[16] = {
    0x79, 0xD3, 0xF0, 0x66, 0xF3, 0xB4, 0x74, 0x40,
    0xAC, 0x43, 0x0D, 0x33, 0x18, 0xB7, 0x8C, 0xDB,
};

static gint by_slot(gconstpointer a, gconstpointer b)
{
    const NvDimm *x = *(const NvDimm *const *)a;
    const NvDimm *y = *(const NvDimm *const *)b;
    return (gint)x->slot - (gint)y->slot;
}

/*
 * Walk @t by the structures' length fields and check every field against
 * @cfg: per NVDIMM in slot order an SPA range, a region mapping, a control
 * region and a flush hint, each referring to the others; then the platform
 * capabilities.
 */
static void check_nfit(const GArray *t, const NvAcpiConfig *cfg)
{
    const uint8_t *p = bytes(t);
    check_header(t, "NFIT", 1);
    g_assert_cmpuint(ld32(p + 36), ==, 0);           /* reserved */

    g_autoptr(GPtrArray) nv = g_ptr_array_new();
    for (guint i = 0; i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM) {
            g_ptr_array_add(nv, d);
        }
    }
    g_ptr_array_sort(nv, by_slot);

    /* the sequence of structures */
    g_autofree NfitDimm *got = g_new0(NfitDimm, nv->len);
    const uint8_t *caps = NULL;
    guint k = 0, ncaps = 0;
    static const uint16_t order[] = { 0, 1, 4, 6 };
    for (size_t off = 40, n = 0; off < t->len; n++) {
        const uint8_t *s = p + off;
        uint16_t type = ld16(s), len = ld16(s + 2);
        g_assert_cmpuint(off + 4, <=, t->len);
        g_assert_cmpuint(len, >=, 4);
        g_assert_cmpuint(off + len, <=, t->len);
        if (n < 4 * nv->len) {
            g_assert_cmpuint(type, ==, order[n % 4]);
            k = (guint)(n / 4);
        } else {
            g_assert_cmpuint(type, ==, 7);
        }
        switch (type) {
        case 0: got[k].spa = s; g_assert_cmpuint(len, ==, 56); break;
        case 1: got[k].memdev = s; g_assert_cmpuint(len, ==, 48); break;
        case 4: got[k].dcr = s; g_assert_cmpuint(len, ==, 80); break;
        case 6: got[k].flush = s; g_assert_cmpuint(len, ==, 16 + 8); break;
        case 7: caps = s; ncaps++; g_assert_cmpuint(len, ==, 16); break;
        default: g_assert_not_reached();
        }
        off += len;
    }
    g_assert_cmpuint(t->len, ==, 40 + nv->len * (56 + 48 + 80 + 24) +
                                 (cfg->nfit_capabilities ? 16 : 0));

    g_autoptr(GHashTable) spa_idx = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) dcr_idx = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) serials = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < nv->len; i++) {
        const NvDimm *d = g_ptr_array_index(nv, i);
        const uint8_t *spa = got[i].spa, *md = got[i].memdev;
        const uint8_t *dcr = got[i].dcr, *fl = got[i].flush;
        uint32_t handle = nv_acpi_nvdimm_handle(d->slot);
        g_assert_nonnull(spa);
        g_assert_nonnull(md);
        g_assert_nonnull(dcr);
        g_assert_nonnull(fl);

        /* SPA range: 1-based index, unique */
        uint16_t si = ld16(spa + 4);
        g_assert_cmpuint(si, !=, 0);
        g_assert_false(g_hash_table_contains(spa_idx, GUINT_TO_POINTER(si)));
        g_hash_table_add(spa_idx, GUINT_TO_POINTER(si));
        g_assert_cmphex(ld16(spa + 6), ==, 2);        /* proximity valid */
        g_assert_cmpuint(ld32(spa + 8), ==, 0);
        g_assert_cmpuint(ld32(spa + 12), ==, d->node);
        g_assert_cmpmem(spa + 16, 16, pmem_guid, 16);
        g_assert_cmphex(ld64(spa + 32), ==, d->addr);
        g_assert_cmphex(ld64(spa + 40), ==, d->size);
        g_assert_cmphex(ld64(spa + 48), ==, NV_NFIT_SPA_ATTRS);

        /* DCR: 1-based index, unique */
        uint16_t di = ld16(dcr + 4);
        g_assert_cmpuint(di, !=, 0);
        g_assert_false(g_hash_table_contains(dcr_idx, GUINT_TO_POINTER(di)));
        g_hash_table_add(dcr_idx, GUINT_TO_POINTER(di));
        g_assert_cmphex(ld16(dcr + 6), ==, NV_NFIT_VENDOR_ID);
        g_assert_cmphex(ld16(dcr + 8), ==, NV_NFIT_DEVICE_ID);
        g_assert_cmphex(ld16(dcr + 10), ==, 1);       /* revision */
        g_assert_cmphex(ld16(dcr + 12), ==, NV_NFIT_VENDOR_ID);
        g_assert_cmphex(ld16(dcr + 14), ==, NV_NFIT_DEVICE_ID);
        g_assert_cmphex(ld16(dcr + 16), ==, 1);
        g_assert_cmphex(dcr[18], ==, 1);              /* mfg info valid */
        g_assert_cmphex(dcr[19], ==, 0x01);           /* location */
        g_assert_cmphex(ld16(dcr + 20), ==, 0x0124);  /* 2024, week 1 */
        g_assert_cmphex(ld16(dcr + 22), ==, 0);
        uint32_t serial = ld32(dcr + 24);
        g_assert_cmphex(serial, ==, nv_acpi_nvdimm_serial(d));
        g_assert_false(g_hash_table_contains(serials,
                                             GUINT_TO_POINTER(serial)));
        g_hash_table_add(serials, GUINT_TO_POINTER(serial));
        g_assert_cmphex(ld16(dcr + 28), ==, NV_NFIT_FORMAT_CODE);
        g_assert_cmpuint(ld16(dcr + 30), ==, 0);      /* no block windows */
        g_assert_true(all_zero(dcr + 32, 80 - 32));

        /* region mapping: ties the handle to this SPA and this DCR */
        g_assert_cmphex(ld32(md + 4), ==, handle);
        g_assert_cmpuint(ld16(md + 8), ==, d->slot);  /* physical id */
        g_assert_cmpuint(ld16(md + 10), ==, 0);       /* region id */
        g_assert_cmpuint(ld16(md + 12), ==, si);
        g_assert_cmpuint(ld16(md + 14), ==, di);
        g_assert_cmphex(ld64(md + 16), ==, d->size);
        g_assert_cmphex(ld64(md + 24), ==, 0);        /* region offset */
        g_assert_cmphex(ld64(md + 32), ==, 0);        /* DPA */
        g_assert_cmpuint(ld16(md + 40), ==, 0);       /* interleave index */
        g_assert_cmpuint(ld16(md + 42), ==, 1);       /* ways */
        g_assert_cmphex(ld16(md + 44), ==,
                        d->unarmed ? NV_NFIT_FLAG_NOT_ARMED : 0);
        g_assert_cmpuint(ld16(md + 46), ==, 0);

        /* flush hint: the slot's page */
        g_assert_cmphex(ld32(fl + 4), ==, handle);
        g_assert_cmpuint(ld16(fl + 8), ==, 1);
        g_assert_true(all_zero(fl + 10, 6));
        g_assert_cmphex(ld64(fl + 16), ==,
                        cfg->flush_hint_base +
                        (uint64_t)d->slot * NV_FLUSH_HINT_STRIDE);
    }

    if (!cfg->nfit_capabilities) { /* nothing claimed: no structure */
        g_assert_cmpuint(ncaps, ==, 0);
        return;
    }
    g_assert_cmpuint(ncaps, ==, 1);
    g_assert_cmpuint(caps[4], ==, 1);                 /* highest bit */
    g_assert_true(all_zero(caps + 5, 3));
    g_assert_cmphex(ld32(caps + 8), ==, cfg->nfit_capabilities);
    g_assert_cmpuint(ld32(caps + 12), ==, 0);
}

static void test_nfit_one(void)
{
    g_autoptr(GPtrArray) dimms = dimms_new();
    g_ptr_array_add(dimms, dimm_new(NV_DIMM_NVDIMM, 0, 0, DEVMEM, 4 * GiB,
                                    false));
    NvAcpiConfig cfg = make_cfg(1, 1, dimms);
    g_autoptr(GArray) n = nv_acpi_build_nfit(&cfg);
    check_nfit(n, &cfg);
    g_assert_cmpuint(n->len, ==, 40 + 56 + 48 + 80 + 24 + 16);
}

/* The same DIMM built from a -device string, as the command line does. */
static void test_nfit_from_opts(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse(
        "nvdimm,id=nv7,memdev=m0,slot=7,node=1,unarmed=on,"
        "uuid=00112233-4455-6677-8899-aabbccddeeff", "driver", &err);
    g_assert_no_error(err);
    NvDimm *d = nv_dimm_new_from_opts(o, &err);
    g_assert_no_error(err);
    g_assert_true(d->unarmed);
    d->addr = DEVMEM + 7 * GiB;   /* what nv_dimm_plan() would fill */
    d->size = 2 * GiB;
    g_autoptr(GPtrArray) dimms = dimms_new();
    g_ptr_array_add(dimms, d);
    NvAcpiConfig cfg = make_cfg(2, 8, dimms);
    cfg.nfit_capabilities = NV_NFIT_CAP_CPU_CACHE | NV_NFIT_CAP_MEM_CTRL;
    g_autoptr(GArray) n = nv_acpi_build_nfit(&cfg);
    check_nfit(n, &cfg);
    /* slot 7: handle 8, flush page 7 */
    g_assert_cmphex(ld32(bytes(n) + 40 + 56 + 4), ==, 8);
    g_assert_cmphex(ld64(bytes(n) + 40 + 56 + 48 + 80 + 16), ==,
                    FLUSH_BASE + 7 * 0x1000);
}

static void test_nfit_four(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(4, 8, dimms);
    g_autoptr(GArray) n = nv_acpi_build_nfit(&cfg);
    check_nfit(n, &cfg);

    /* exactly one NOT_ARMED region mapping: slot 2's */
    unsigned unarmed = 0;
    for (size_t off = 40; off < n->len; off += ld16(bytes(n) + off + 2)) {
        const uint8_t *s = bytes(n) + off;
        if (ld16(s) == 1 && (ld16(s + 44) & NV_NFIT_FLAG_NOT_ARMED)) {
            g_assert_cmphex(ld32(s + 4), ==, nv_acpi_nvdimm_handle(2));
            unarmed++;
        }
    }
    g_assert_cmpuint(unarmed, ==, 1);

    /* persistence: cpu -> 0x3 (cpu cache + memory controller) */
    cfg.nfit_capabilities = NV_NFIT_CAP_CPU_CACHE | NV_NFIT_CAP_MEM_CTRL;
    g_autoptr(GArray) c = nv_acpi_build_nfit(&cfg);
    check_nfit(c, &cfg);
    g_assert_cmphex(ld32(bytes(c) + c->len - 16 + 8), ==, 3);
    g_assert_cmphex(ld32(bytes(n) + n->len - 16 + 8), ==, 2);
    /* nothing claimed: the same table without the 16-byte structure */
    cfg.nfit_capabilities = 0;
    g_autoptr(GArray) z = nv_acpi_build_nfit(&cfg);
    check_nfit(z, &cfg);
    g_assert_cmpuint(z->len, ==, n->len - 16);
    g_assert_cmpmem(bytes(z) + 40, z->len - 40, bytes(n) + 40, n->len - 56);
}

/* The order of cfg->dimms does not matter, only the slots. */
static void test_nfit_slot_order(void)
{
    g_autoptr(GPtrArray) a = four_nvdimms();
    g_autoptr(GPtrArray) b = four_nvdimms();
    g_ptr_array_sort(b, by_slot);
    NvAcpiConfig ca = make_cfg(1, 8, a), cb = make_cfg(1, 8, b);
    g_autoptr(GArray) na = nv_acpi_build_nfit(&ca);
    g_autoptr(GArray) nb = nv_acpi_build_nfit(&cb);
    g_assert_cmpmem(na->data, na->len, nb->data, nb->len);
}

/* pc-dimms get nothing; an NFIT of no NVDIMM is the capabilities alone. */
static void test_nfit_pc_dimm_only(void)
{
    g_autoptr(GPtrArray) dimms = dimms_new();
    g_ptr_array_add(dimms, dimm_new(NV_DIMM_PC, 0, 0, DEVMEM, GiB, false));
    NvAcpiConfig cfg = make_cfg(1, 2, dimms);
    g_autoptr(GArray) n = nv_acpi_build_nfit(&cfg);
    check_nfit(n, &cfg);
    g_assert_cmpuint(n->len, ==, 40 + 16);
}

static void test_serial(void)
{
    /* stable across runs and releases: a pinned value (FNV-1a of the
     * uuid bytes); it is part of the guest's interleave-set cookie */
    g_autoptr(NvDimm) d = dimm_new(NV_DIMM_NVDIMM, 0, 0, 0, 0, false);
    g_assert_cmphex(nv_acpi_nvdimm_serial(d), ==, 0x0B37AF49);
    g_autoptr(NvDimm) e = dimm_new(NV_DIMM_NVDIMM, 0, 0, 0, 0, false);
    g_assert_cmphex(nv_acpi_nvdimm_serial(e), ==, nv_acpi_nvdimm_serial(d));

    /* unique for uuids that differ in any one byte, first or last */
    for (int pos = 0; pos < 16; pos += 15) {
        g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
        for (unsigned v = 0; v < 256; v++) {
            memset(e->uuid, 0x5A, 16);
            e->uuid[pos] = (uint8_t)v;
            uint32_t s = nv_acpi_nvdimm_serial(e);
            g_assert_false(g_hash_table_contains(seen, GUINT_TO_POINTER(s)));
            g_hash_table_add(seen, GUINT_TO_POINTER(s));
        }
    }
}

/* ---- SRAT ---- */

static const uint8_t *srat_entry(const GArray *t, size_t *off, uint8_t type,
                                 uint8_t len)
{
    const uint8_t *e = bytes(t) + *off;
    g_assert_cmpuint(*off + len, <=, t->len);
    g_assert_cmpuint(e[0], ==, type);
    g_assert_cmpuint(e[1], ==, len);
    *off += len;
    return e;
}

static void check_srat_memory(const uint8_t *e, uint32_t node, uint64_t base,
                              uint64_t len, uint32_t flags)
{
    g_assert_cmpuint(ld32(e + 2), ==, node);
    g_assert_cmpuint(ld16(e + 6), ==, 0);
    g_assert_cmphex(ld32(e + 8) | (uint64_t)ld32(e + 12) << 32, ==, base);
    g_assert_cmphex(ld32(e + 16) | (uint64_t)ld32(e + 20) << 32, ==, len);
    g_assert_cmpuint(ld32(e + 24), ==, 0);
    g_assert_cmphex(ld32(e + 28), ==, flags);
    g_assert_true(all_zero(e + 32, 8));
}

/* Every entry, in order: one processor affinity per vCPU with its node,
 * boot RAM below and above 4 GiB on node 0, each NVDIMM (in list order)
 * Enabled | Non-Volatile on its node, the device-memory region Enabled |
 * Hot Pluggable on the last node but where a boot pc-dimm is. */
static void test_srat(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(4, 8, dimms);
    static const uint32_t nodes[4] = { 0, 2, 1, 2 };
    cfg.numa_nodes = 3;
    cfg.cpu_nodes = nodes;
    cfg.ram_below_4g = 3 * GiB;
    cfg.ram_above_4g = GiB;
    cfg.devmem_base = DEVMEM;
    cfg.devmem_size = 20 * GiB;
    g_autoptr(GArray) t = nv_acpi_build_srat(&cfg);
    check_header(t, "SRAT", 3);
    g_assert_cmpuint(ld32(bytes(t) + 36), ==, 1);
    g_assert_true(all_zero(bytes(t) + 40, 8));
    size_t off = 48;
    for (uint32_t i = 0; i < 4; i++) {
        const uint8_t *e = srat_entry(t, &off, 0, 16);
        g_assert_cmpuint(e[2], ==, nodes[i]);       /* domain [7:0] */
        g_assert_cmpuint(e[3], ==, i);              /* APIC ID */
        g_assert_cmpuint(ld32(e + 4), ==, 1);       /* Enabled */
        g_assert_true(all_zero(e + 8, 8));          /* [31:8], clock */
    }
    check_srat_memory(srat_entry(t, &off, 1, 40), 0, 0, 3 * GiB, 1);
    check_srat_memory(srat_entry(t, &off, 1, 40), 0, 4 * GiB, GiB, 1);
    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->kind == NV_DIMM_NVDIMM) {
            check_srat_memory(srat_entry(t, &off, 1, 40), d->node, d->addr,
                              d->size, 1 | 4);
        }
    }
    /* the region, cut around the boot pc-dimm (slot 4, node 0, at
     * DEVMEM + 4G), which has an entry of its own */
    check_srat_memory(srat_entry(t, &off, 1, 40), 2, DEVMEM, 4 * GiB,
                      1 | 2);
    check_srat_memory(srat_entry(t, &off, 1, 40), 0, DEVMEM + 4 * GiB, GiB,
                      1 | 2);
    check_srat_memory(srat_entry(t, &off, 1, 40), 2, DEVMEM + 5 * GiB,
                      15 * GiB, 1 | 2);
    g_assert_cmpuint(off, ==, t->len);

    /* without pc-dimms: one entry for the whole region (QEMU's) */
    g_autoptr(GPtrArray) nv_only = dimms_new();
    g_ptr_array_add(nv_only, dimm_new(NV_DIMM_NVDIMM, 0, 1, DEVMEM, GiB,
                                      false));
    cfg.dimms = nv_only;
    g_autoptr(GArray) t2 = nv_acpi_build_srat(&cfg);
    off = 48 + 4 * 16 + 2 * 40;
    check_srat_memory(srat_entry(t2, &off, 1, 40), 1, DEVMEM, GiB, 1 | 4);
    check_srat_memory(srat_entry(t2, &off, 1, 40), 2, DEVMEM, 20 * GiB,
                      1 | 2);
    g_assert_cmpuint(off, ==, t2->len);
    cfg.dimms = dimms;

    /* a vCPU on a node the machine lacks is refused */
    static const uint32_t bad[4] = { 0, 0, 3, 0 };
    cfg.cpu_nodes = bad;
    g_autoptr(GError) err = NULL;
    g_assert_null(nv_acpi_build(&cfg, &err));
    g_assert_nonnull(strstr(err->message, "vCPU 2 is on node 3"));
}

/* ---- nv_acpi_build ---- */

static void check_layout(const NvAcpiTables *t, const NvAcpiConfig *cfg,
                         const char *const *sigs)
{
    guint n = g_strv_length((char **)sigs);
    g_assert_cmpuint(t->tables->len, ==, n);
    uint64_t end = cfg->tables_base;
    for (guint i = 0; i < n; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        g_assert_cmpstr(tab->sig, ==, sigs[i]);
        g_assert_cmpmem(tab->data->data, 4, tab->sig, 4);
        g_assert_cmpuint(ld32(bytes(tab->data) + 4), ==, tab->data->len);
        g_assert_cmpuint(sum(bytes(tab->data), tab->data->len), ==, 0);
        g_assert_cmpuint(tab->gpa % 16, ==, 0);
        g_assert_cmpuint(tab->gpa, >=, end);          /* in order, apart */
        g_assert_cmpuint(tab->gpa - end, <, 16);      /* and packed */
        end = tab->gpa + tab->data->len;
    }
    g_assert_cmpuint(end, <=, cfg->tables_base + cfg->tables_max);

    /* the XSDT lists everything but itself and the DSDT, in layout order */
    const NvAcpiTable *x = find_table(t, "XSDT");
    check_header(x->data, "XSDT", 1);
    g_assert_cmpuint(x->data->len, ==, 36 + 8 * (n - 2));
    for (guint i = 1; i + 1 < n; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        g_assert_cmphex(ld64(bytes(x->data) + 36 + 8 * (i - 1)), ==,
                        tab->gpa);
    }

    /* the RSDP points at the XSDT, the FADT at the DSDT */
    const uint8_t *r = bytes(t->rsdp);
    g_assert_cmpuint(t->rsdp->len, ==, 36);
    g_assert_cmpuint(sum(r, 20), ==, 0);
    g_assert_cmpuint(sum(r, 36), ==, 0);
    g_assert_cmphex(ld64(r + 24), ==, x->gpa);
    const NvAcpiTable *f = find_table(t, "FACP");
    const NvAcpiTable *d = find_table(t, "DSDT");
    g_assert_cmphex(ld64(bytes(f->data) + 140), ==, d->gpa);
    g_assert_cmphex(ld32(bytes(f->data) + 40), ==, d->gpa);
}

static void test_build_layout(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(4, 8, dimms);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    const char *const sigs[] = { "DSDT", "FACP", "APIC", "SRAT", "NFIT",
                                 "SSDT", "XSDT", NULL };
    check_layout(t, &cfg, sigs);
    g_assert_cmphex(find_table(t, "DSDT")->gpa, ==, TABLES_BASE);
    check_nfit(find_table(t, "NFIT")->data, &cfg);
    check_header(find_table(t, "SSDT")->data, "SSDT", 2);
}

static void test_build_unaligned_base(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(2, 8, dimms);
    cfg.tables_base = TABLES_BASE + 3;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    const char *const sigs[] = { "DSDT", "FACP", "APIC", "SRAT", "NFIT",
                                 "SSDT", "XSDT", NULL };
    check_layout(t, &cfg, sigs);
    g_assert_cmphex(((NvAcpiTable *)g_ptr_array_index(t->tables, 0))->gpa,
                    ==, TABLES_BASE + 16);
}

static void test_build_no_nvdimm(void)
{
    /* slots but only a pc-dimm: the SSDT (one NVxx per slot), no NFIT */
    g_autoptr(GPtrArray) dimms = dimms_new();
    g_ptr_array_add(dimms, dimm_new(NV_DIMM_PC, 0, 0, DEVMEM, GiB, false));
    NvAcpiConfig cfg = make_cfg(1, 2, dimms);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    const char *const sigs[] = { "DSDT", "FACP", "APIC", "SRAT", "SSDT",
                                 "XSDT", NULL };
    check_layout(t, &cfg, sigs);

    /* no slots, no DIMM list at all: neither */
    NvAcpiConfig bare = make_cfg(1, 0, NULL);
    g_autoptr(NvAcpiTables) b = nv_acpi_build(&bare, &err);
    g_assert_no_error(err);
    const char *const bsigs[] = { "DSDT", "FACP", "APIC", "XSDT", NULL };
    check_layout(b, &bare, bsigs);

    /* -machine nvdimm=off: slots, but no \_SB.NVDR, hence no SSDT */
    NvAcpiConfig off = make_cfg(1, 2, dimms);
    off.nvdimm = false;
    g_autoptr(NvAcpiTables) o = nv_acpi_build(&off, &err);
    g_assert_no_error(err);
    const char *const osigs[] = { "DSDT", "FACP", "APIC", "SRAT", "XSDT",
                                  NULL };
    check_layout(o, &off, osigs);

    /* no slots but two NUMA nodes: the SRAT alone */
    NvAcpiConfig numa = make_cfg(2, 0, NULL);
    numa.numa_nodes = 2;
    g_autoptr(NvAcpiTables) nt = nv_acpi_build(&numa, &err);
    g_assert_no_error(err);
    check_layout(nt, &numa, osigs);
}

static void test_build_too_small(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(4, 8, dimms);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    const NvAcpiTable *last = g_ptr_array_index(t->tables,
                                                t->tables->len - 1);
    uint64_t need = last->gpa + last->data->len - cfg.tables_base;

    cfg.tables_max = need;          /* exactly enough */
    g_autoptr(NvAcpiTables) ok = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    g_assert_nonnull(ok);

    cfg.tables_max = need - 1;      /* one byte short */
    NvAcpiTables *bad = nv_acpi_build(&cfg, &err);
    g_assert_null(bad);
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
    g_autofree char *needs = g_strdup_printf("%" G_GUINT64_FORMAT, need);
    g_assert_nonnull(strstr(err->message, needs));
    g_clear_error(&err);

    cfg.tables_max = 0;
    g_assert_null(nv_acpi_build(&cfg, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
}

static void test_build_bad_config(void)
{
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    g_autoptr(GError) err = NULL;
    struct {
        NvAcpiConfig cfg;
        const char *msg;
    } cases[] = {
        { make_cfg(0, 8, dimms), "0 vCPUs" },
        { make_cfg(256, 8, dimms), "256 vCPUs" },
        { make_cfg(1, 3, dimms), "slot 3" },        /* DIMM in slot 3 */
        { make_cfg(1, 8, dimms), "doorbell" },
        { make_cfg(1, 8, dimms), "flush-hint" },
        { make_cfg(1, 8, dimms), "wraps" },
    };
    cases[3].cfg.dsm_doorbell = UINT64_C(0x100000000);
    cases[4].cfg.flush_hint_base = UINT64_C(0xFFFF9000); /* 8 pages: past */
    cases[5].cfg.tables_base = UINT64_MAX - 10;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvAcpiTables *t = nv_acpi_build(&cases[i].cfg, &err);
        g_assert_null(t);
        g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
        if (!strstr(err->message, cases[i].msg)) {
            g_test_message("case %zu: %s", i, err->message);
            g_assert_not_reached();
        }
        g_clear_error(&err);
    }
    /* the last flush-hint page may end exactly at 4 GiB */
    NvAcpiConfig edge = make_cfg(1, 8, dimms);
    edge.flush_hint_base = UINT64_C(0x100000000) - 8 * 0x1000;
    g_autoptr(NvAcpiTables) ok = nv_acpi_build(&edge, &err);
    g_assert_no_error(err);
    g_assert_nonnull(ok);
}

static void assert_same(const NvAcpiTables *a, const NvAcpiTables *b)
{
    g_assert_cmpmem(a->rsdp->data, a->rsdp->len, b->rsdp->data, b->rsdp->len);
    g_assert_cmpuint(a->tables->len, ==, b->tables->len);
    for (guint i = 0; i < a->tables->len; i++) {
        const NvAcpiTable *x = g_ptr_array_index(a->tables, i);
        const NvAcpiTable *y = g_ptr_array_index(b->tables, i);
        g_assert_cmpstr(x->sig, ==, y->sig);
        g_assert_cmphex(x->gpa, ==, y->gpa);
        g_assert_cmpmem(x->data->data, x->data->len, y->data->data,
                        y->data->len);
    }
}

static void test_build_deterministic(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) d1 = four_nvdimms();
    g_autoptr(GPtrArray) d2 = four_nvdimms();
    NvAcpiConfig c1 = make_cfg(4, 8, d1), c2 = make_cfg(4, 8, d2);
    g_autoptr(NvAcpiTables) a = nv_acpi_build(&c1, &err);
    g_assert_no_error(err);
    g_autoptr(NvAcpiTables) b = nv_acpi_build(&c1, &err);
    g_assert_no_error(err);
    g_autoptr(NvAcpiTables) c = nv_acpi_build(&c2, &err);   /* new DIMMs */
    g_assert_no_error(err);
    assert_same(a, b);
    assert_same(a, c);
}

/* ---- iasl ---- */

/* iasl -d of one table: exit status 0, and no line of its output speaks
 * of an error or a warning (iasl's data-table disassembler checks
 * checksums, lengths and subtable layouts and warns in the output). */
static void iasl_check(const char *iasl, const char *dir, const char *file)
{
    const char *argv[] = { iasl, "-d", file, NULL };
    g_autofree char *out = NULL, *errs = NULL;
    g_autoptr(GError) err = NULL;
    int status = -1;
    g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, 0, NULL, NULL,
                               &out, &errs, &status, &err));
    g_assert_no_error(err);
    g_autofree char *all = g_strconcat(out, errs, NULL);
    g_autofree char *base = g_strndup(file, strlen(file) - 4);
    g_autofree char *dsl = g_strconcat(dir, "/", base, ".dsl", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
    g_autofree char *both = g_strconcat(all, text, NULL);
    g_autofree char *lower = g_ascii_strdown(both, -1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        strstr(lower, "warning") || strstr(lower, "error") ||
        strstr(lower, "invalid") || strstr(lower, "incorrect")) {
        g_test_message("iasl -d %s:\n%s\n%s", file, all, text);
        g_assert_not_reached();
    }
}

static void test_iasl(void)
{
    g_autofree char *iasl = g_find_program_in_path("iasl");
    if (!iasl) {
        g_test_skip("iasl is not installed (apt-get install acpica-tools)");
        return;
    }
    g_autoptr(GPtrArray) dimms = four_nvdimms();
    NvAcpiConfig cfg = make_cfg(4, 8, dimms);
    cfg.nfit_capabilities = NV_NFIT_CAP_CPU_CACHE | NV_NFIT_CAP_MEM_CTRL;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&cfg, &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_dir_make_tmp("nvemu-acpi-XXXXXX", &err);
    g_assert_no_error(err);
    for (guint i = 0; i < t->tables->len; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        g_autofree char *name = g_strdup_printf("%s.dat", tab->sig);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_assert_true(g_file_set_contents(path, tab->data->data,
                                          tab->data->len, NULL));
        iasl_check(iasl, dir, name);
    }
    nv_test_rm_dir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/rsdp", test_rsdp);
    g_test_add_func("/acpi/xsdt", test_xsdt);
    g_test_add_func("/acpi/fadt", test_fadt);
    g_test_add_func("/acpi/fadt/dsdt-above-4g", test_fadt_dsdt_above_4g);
    g_test_add_func("/acpi/rtc", test_rtc);
    g_test_add_func("/acpi/madt/1-cpu", test_madt_1cpu);
    g_test_add_func("/acpi/madt/4-cpus", test_madt_4cpus);
    g_test_add_func("/acpi/madt/255-cpus", test_madt_255cpus);
    g_test_add_func("/acpi/dsdt", test_dsdt);
    g_test_add_func("/acpi/nfit/one", test_nfit_one);
    g_test_add_func("/acpi/nfit/from-opts", test_nfit_from_opts);
    g_test_add_func("/acpi/nfit/four-two-nodes", test_nfit_four);
    g_test_add_func("/acpi/nfit/slot-order", test_nfit_slot_order);
    g_test_add_func("/acpi/nfit/pc-dimm-only", test_nfit_pc_dimm_only);
    g_test_add_func("/acpi/nfit/serial", test_serial);
    g_test_add_func("/acpi/srat", test_srat);
    g_test_add_func("/acpi/build/layout", test_build_layout);
    g_test_add_func("/acpi/build/unaligned-base", test_build_unaligned_base);
    g_test_add_func("/acpi/build/no-nvdimm", test_build_no_nvdimm);
    g_test_add_func("/acpi/build/too-small", test_build_too_small);
    g_test_add_func("/acpi/build/bad-config", test_build_bad_config);
    g_test_add_func("/acpi/build/deterministic", test_build_deterministic);
    g_test_add_func("/acpi/iasl", test_iasl);
    return g_test_run();
}
