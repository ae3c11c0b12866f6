/*
 * acpi-nfit/nfit.c — the NFIT (NVDIMM Firmware Interface Table, ACPI 6.4
 * §5.2.25): one SPA range, one region mapping, one control region and one
 * flush-hint structure per NVDIMM, then the platform capabilities (if the
 * machine claims a persistence domain).
 *
 * The structure sizes are exactly what Linux's drivers/acpi/nfit accepts:
 * SPA 56 (it rejects any other length unless the 6.4 location cookie is
 * flagged valid), memdev 48 (exact), DCR 80 (32 is the minimum), flush hint
 * 16 + 8 per hint, capabilities 16. All fields little-endian; comments give
 * each field's offset from the start of its structure.
 */
#include "acpi-nfit.h"

#include <stddef.h>
#include <string.h>

enum {
    NFIT_TYPE_SPA = 0,
    NFIT_TYPE_MEMDEV = 1,
    NFIT_TYPE_DCR = 4,
    NFIT_TYPE_FLUSH = 6,
    NFIT_TYPE_CAPS = 7,

    NFIT_SPA_LEN = 56,
    NFIT_MEMDEV_LEN = 48,
    NFIT_DCR_LEN = 80,
    NFIT_FLUSH_LEN = 16,    /* + 8 per hint address */
    NFIT_CAPS_LEN = 16,

    /* SPA flags: bit 1, the proximity domain field is valid. (Bit 2, the
     * 6.4 location cookie, would make the structure 64 bytes.) */
    NFIT_SPA_PROXIMITY_VALID = 1u << 1,
    /* DCR valid fields: bit 0, manufacturing location and date are valid */
    NFIT_DCR_MFG_VALID = 1u << 0,
};

/* DCR identity. These values, like the serial number, go into Linux's
 * interleave-set cookie (nfit_set_info2: serial, vendor, manufacturing date
 * and location), which every namespace label records: changing any of them
 * makes the guest ignore the namespaces it created before. Never change. */
#define NFIT_DCR_REVISION        0x0001
#define NFIT_DCR_SUBSYS_VENDOR   NV_NFIT_VENDOR_ID
#define NFIT_DCR_SUBSYS_DEVICE   NV_NFIT_DEVICE_ID
#define NFIT_DCR_SUBSYS_REVISION 0x0001
#define NFIT_DCR_MFG_LOCATION    0x01
/* SPD bytes 323-324: year and week, BCD: 2024, week 1 */
#define NFIT_DCR_MFG_YEAR        0x24
#define NFIT_DCR_MFG_WEEK        0x01

/*
 * Compile-time checks: the structures as ACPI 6.4 §5.2.25 lays them out
 * (Tables 5.133, 5.135, 5.138, 5.141, 5.142; Linux's struct
 * acpi_nfit_system_address etc. in include/acpi/actbl2.h, packed), against
 * the lengths and the byte offsets the put_*() functions below write.
 */
struct nfit_spa_layout {
    uint16_t type, length, range_index, flags;
    uint32_t reserved, proximity_domain;
    uint8_t range_guid[16];
    uint64_t address, range_length, memory_mapping;
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_spa_layout) == NFIT_SPA_LEN &&
               offsetof(struct nfit_spa_layout, range_index) == 4 &&
               offsetof(struct nfit_spa_layout, flags) == 6 &&
               offsetof(struct nfit_spa_layout, proximity_domain) == 12 &&
               offsetof(struct nfit_spa_layout, range_guid) == 16 &&
               offsetof(struct nfit_spa_layout, address) == 32 &&
               offsetof(struct nfit_spa_layout, range_length) == 40 &&
               offsetof(struct nfit_spa_layout, memory_mapping) == 48,
               "NFIT SPA range structure");

struct nfit_memdev_layout {
    uint16_t type, length;
    uint32_t device_handle;
    uint16_t physical_id, region_id, range_index, region_index;
    uint64_t region_size, region_offset, address;
    uint16_t interleave_index, interleave_ways, flags, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_memdev_layout) == NFIT_MEMDEV_LEN &&
               offsetof(struct nfit_memdev_layout, device_handle) == 4 &&
               offsetof(struct nfit_memdev_layout, physical_id) == 8 &&
               offsetof(struct nfit_memdev_layout, region_id) == 10 &&
               offsetof(struct nfit_memdev_layout, range_index) == 12 &&
               offsetof(struct nfit_memdev_layout, region_index) == 14 &&
               offsetof(struct nfit_memdev_layout, region_size) == 16 &&
               offsetof(struct nfit_memdev_layout, region_offset) == 24 &&
               offsetof(struct nfit_memdev_layout, address) == 32 &&
               offsetof(struct nfit_memdev_layout, interleave_index) == 40 &&
               offsetof(struct nfit_memdev_layout, interleave_ways) == 42 &&
               offsetof(struct nfit_memdev_layout, flags) == 44,
               "NFIT region mapping structure");

struct nfit_dcr_layout {
    uint16_t type, length, region_index, vendor_id, device_id, revision_id;
    uint16_t subsystem_vendor_id, subsystem_device_id, subsystem_revision_id;
    uint8_t valid_fields, manufacturing_location;
    uint16_t manufacturing_date, reserved;
    uint32_t serial_number;
    uint16_t code, windows;
    uint64_t window_size, command_offset, command_size, status_offset;
    uint64_t status_size;
    uint16_t flags;
    uint8_t reserved1[6];
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_dcr_layout) == NFIT_DCR_LEN &&
               offsetof(struct nfit_dcr_layout, region_index) == 4 &&
               offsetof(struct nfit_dcr_layout, vendor_id) == 6 &&
               offsetof(struct nfit_dcr_layout, device_id) == 8 &&
               offsetof(struct nfit_dcr_layout, revision_id) == 10 &&
               offsetof(struct nfit_dcr_layout, subsystem_vendor_id) == 12 &&
               offsetof(struct nfit_dcr_layout, subsystem_device_id) == 14 &&
               offsetof(struct nfit_dcr_layout, subsystem_revision_id) ==
                   16 &&
               offsetof(struct nfit_dcr_layout, valid_fields) == 18 &&
               offsetof(struct nfit_dcr_layout, manufacturing_location) ==
                   19 &&
               offsetof(struct nfit_dcr_layout, manufacturing_date) == 20 &&
               offsetof(struct nfit_dcr_layout, serial_number) == 24 &&
               offsetof(struct nfit_dcr_layout, code) == 28 &&
               offsetof(struct nfit_dcr_layout, windows) == 30 &&
               offsetof(struct nfit_dcr_layout, window_size) == 32,
               "NFIT control region structure");

struct nfit_flush_layout {
    uint16_t type, length;
    uint32_t device_handle;
    uint16_t hint_count;
    uint8_t reserved[6];
    uint64_t hint_address[];
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_flush_layout) == NFIT_FLUSH_LEN &&
               offsetof(struct nfit_flush_layout, device_handle) == 4 &&
               offsetof(struct nfit_flush_layout, hint_count) == 8 &&
               offsetof(struct nfit_flush_layout, hint_address) == 16,
               "NFIT flush hint address structure");

struct nfit_caps_layout {
    uint16_t type, length;
    uint8_t highest_capability, reserved[3];
    uint32_t capabilities, reserved2;
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_caps_layout) == NFIT_CAPS_LEN &&
               offsetof(struct nfit_caps_layout, highest_capability) == 4 &&
               offsetof(struct nfit_caps_layout, capabilities) == 8,
               "NFIT platform capabilities structure");

static void st8(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

/* "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp" in the EFI GUID byte order (the
 * order of ACPI's ToUUID): dd cc bb aa ff ee hh gg ii jj kk ll mm nn oo pp. */
static void guid_bytes(const char *text, uint8_t out[16])
{
    uint8_t b[16];
    if (!nv_parse_uuid(text, b, NULL)) {
        g_error("nfit: bad GUID \"%s\"", text);
    }
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                       8, 9, 10, 11, 12, 13, 14, 15 };
    for (int i = 0; i < 16; i++) {
        out[i] = b[order[i]];
    }
}

/*
 * The DCR serial number: FNV-1a (32-bit) over the DIMM's 16 uuid bytes.
 *  - Stable: the uuid is either the user's uuid= or derived from the slot
 *    (nvdimm/layout.c), the same on every run; the hash is fixed here.
 *  - Unique: a hash of the whole uuid, not a slice of it, so hand-written
 *    uuids that differ only in their last bytes (...-000000000001,
 *    ...-000000000002) still get different serials. Two uuids differing in
 *    a single byte always do: each FNV-1a step (xor a byte, multiply by an
 *    odd prime mod 2^32) is a bijection of the state. Beyond that, two
 *    DIMMs collide with probability 2^-32 per pair, or when they were given
 *    the same uuid= (which is the user's error).
 * Part of the guest's interleave-set cookie (see NFIT_DCR_*): never change.
 */
uint32_t nv_acpi_nvdimm_serial(const NvDimm *d)
{
    uint32_t h = 2166136261u;         /* FNV offset basis */
    for (int i = 0; i < 16; i++) {
        h ^= d->uuid[i];
        h *= 16777619u;               /* FNV prime */
    }
    return h;
}

/* ACPI 6.4 §5.2.25: System Physical Address (SPA) Range Structure */
static void put_spa(GArray *t, const NvDimm *d, uint16_t spa_index)
{
    uint8_t *p = nv_acpi_table_grow(t, NFIT_SPA_LEN);
    nv_st16(p + 0, NFIT_TYPE_SPA);             /* 0: Type */
    nv_st16(p + 2, NFIT_SPA_LEN);              /* 2: Length */
    nv_st16(p + 4, spa_index);                 /* 4: SPA Range Structure Index */
    nv_st16(p + 6, NFIT_SPA_PROXIMITY_VALID);  /* 6: Flags */
    nv_st32(p + 8, 0);                         /* 8: Reserved */
    nv_st32(p + 12, d->node);                  /* 12: Proximity Domain */
    guid_bytes(NV_NFIT_PMEM_GUID, p + 16);  /* 16: Address Range Type GUID:
                                             *     persistent memory */
    nv_st64(p + 32, d->addr);                  /* 32: SPA Range Base */
    nv_st64(p + 40, d->size);                  /* 40: SPA Range Length */
    nv_st64(p + 48, NV_NFIT_SPA_ATTRS);        /* 48: Address Range Memory
                                             *     Mapping Attribute */
}

/* ACPI 6.4 §5.2.25: NVDIMM Region Mapping Structure */
static void put_memdev(GArray *t, const NvDimm *d, uint16_t spa_index,
                       uint16_t dcr_index)
{
    uint8_t *p = nv_acpi_table_grow(t, NFIT_MEMDEV_LEN);
    nv_st16(p + 0, NFIT_TYPE_MEMDEV);          /* 0: Type */
    nv_st16(p + 2, NFIT_MEMDEV_LEN);           /* 2: Length */
    nv_st32(p + 4, nv_acpi_nvdimm_handle(d->slot)); /* 4: NFIT Device Handle:
                                             *     the NVxx device's _ADR */
    /* 8: NVDIMM Physical ID, the SMBIOS Type 17 handle on real machines.
     * nvemu has no SMBIOS; the slot is the DIMM's stable instance number
     * (Linux shows it as nmemX/nfit/phys_id). */
    nv_st16(p + 8, (uint16_t)d->slot);
    nv_st16(p + 10, 0);                        /* 10: NVDIMM Region ID: the
                                             *     DIMM's only region */
    nv_st16(p + 12, spa_index);                /* 12: SPA Range Structure Index */
    nv_st16(p + 14, dcr_index);                /* 14: NVDIMM Control Region
                                             *     Structure Index */
    nv_st64(p + 16, d->size);                  /* 16: NVDIMM Region Size */
    nv_st64(p + 24, 0);                        /* 24: Region Offset */
    nv_st64(p + 32, 0);                        /* 32: NVDIMM Physical Address
                                             *     Region Base (DPA) */
    nv_st16(p + 40, 0);                        /* 40: Interleave Structure
                                             *     Index: none */
    nv_st16(p + 42, 1);                        /* 42: Interleave Ways */
    nv_st16(p + 44, d->unarmed ? NV_NFIT_FLAG_NOT_ARMED : 0); /* 44: Flags */
    nv_st16(p + 46, 0);                        /* 46: Reserved */
}

/* ACPI 6.4 §5.2.25: NVDIMM Control Region Structure, no block windows */
static void put_dcr(GArray *t, const NvDimm *d, uint16_t dcr_index)
{
    uint8_t *p = nv_acpi_table_grow(t, NFIT_DCR_LEN);
    nv_st16(p + 0, NFIT_TYPE_DCR);             /* 0: Type */
    nv_st16(p + 2, NFIT_DCR_LEN);              /* 2: Length */
    nv_st16(p + 4, dcr_index);                 /* 4: NVDIMM Control Region
                                             *     Structure Index */
    nv_st16(p + 6, NV_NFIT_VENDOR_ID);         /* 6: Vendor ID */
    nv_st16(p + 8, NV_NFIT_DEVICE_ID);         /* 8: Device ID */
    nv_st16(p + 10, NFIT_DCR_REVISION);        /* 10: Revision ID */
    nv_st16(p + 12, NFIT_DCR_SUBSYS_VENDOR);   /* 12: Subsystem Vendor ID */
    nv_st16(p + 14, NFIT_DCR_SUBSYS_DEVICE);   /* 14: Subsystem Device ID */
    nv_st16(p + 16, NFIT_DCR_SUBSYS_REVISION); /* 16: Subsystem Revision ID */
    st8(p + 18, NFIT_DCR_MFG_VALID);        /* 18: Valid Fields */
    st8(p + 19, NFIT_DCR_MFG_LOCATION);     /* 19: Manufacturing Location */
    st8(p + 20, NFIT_DCR_MFG_YEAR);         /* 20: Manufacturing Date, */
    st8(p + 21, NFIT_DCR_MFG_WEEK);         /*     SPD order: year, week */
    nv_st16(p + 22, 0);                        /* 22: Reserved */
    nv_st32(p + 24, nv_acpi_nvdimm_serial(d)); /* 24: Serial Number */
    nv_st16(p + 28, NV_NFIT_FORMAT_CODE);      /* 28: Region Format Interface
                                             *     Code */
    nv_st16(p + 30, 0);                        /* 30: Number of Block Control
                                             *     Windows */
    /* 32..79: block control window size, command/status register offsets
     * and sizes, flags, reserved: zero without block windows. */
}

/* ACPI 6.4 §5.2.25: Flush Hint Address Structure, one hint: the slot page */
static void put_flush(GArray *t, const NvAcpiConfig *cfg, const NvDimm *d)
{
    uint8_t *p = nv_acpi_table_grow(t, NFIT_FLUSH_LEN + 8);
    nv_st16(p + 0, NFIT_TYPE_FLUSH);           /* 0: Type */
    nv_st16(p + 2, NFIT_FLUSH_LEN + 8);        /* 2: Length */
    nv_st32(p + 4, nv_acpi_nvdimm_handle(d->slot)); /* 4: NFIT Device Handle */
    nv_st16(p + 8, 1);                         /* 8: Number of Flush Hint
                                             *     Addresses */
    /* 10..15: Reserved */
    nv_st64(p + 16, cfg->flush_hint_base +     /* 16: Flush Hint Address 0 */
                 (uint64_t)d->slot * NV_FLUSH_HINT_STRIDE);
}

/* ACPI 6.4 §5.2.25.9: Platform Capabilities Structure, only when the
 * machine claims a persistence domain (as QEMU: none by default). */
static void put_caps(GArray *t, const NvAcpiConfig *cfg)
{
    uint32_t caps = cfg->nfit_capabilities;
    if (!caps) {
        return;
    }
    uint8_t *p = nv_acpi_table_grow(t, NFIT_CAPS_LEN);
    nv_st16(p + 0, NFIT_TYPE_CAPS);            /* 0: Type */
    nv_st16(p + 2, NFIT_CAPS_LEN);             /* 2: Length */
    st8(p + 4, (uint8_t)(31 - __builtin_clz(caps))); /* 4: Highest Valid
                                             *     Capability (bit) */
    /* 5..7: Reserved */
    nv_st32(p + 8, caps);                      /* 8: Capabilities: bit 0
                                             *     CPU cache flush, bit 1
                                             *     memory-controller flush */
    /* 12..15: Reserved */
}

static gint by_slot(gconstpointer a, gconstpointer b)
{
    const NvDimm *x = *(const NvDimm *const *)a;
    const NvDimm *y = *(const NvDimm *const *)b;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

G_STATIC_ASSERT(NV_NFIT_HEADER_SIZE == NV_ACPI_HEADER_SIZE + 4);

GArray *nv_acpi_build_nfit(const NvAcpiConfig *cfg)
{
    GArray *t = g_array_new(FALSE, TRUE, 1);
    /* Revision 1 (ACPI 6.0 .. 6.5), then 4 reserved bytes (offset 36). */
    nv_acpi_table_header(t, "NFIT", 1, "NVEMNFIT");
    nv_acpi_table_grow(t, 4);

    /* NVDIMMs only, in slot order (the planner made slots unique). */
    g_autoptr(GPtrArray) dimms = g_ptr_array_new();
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM) {
            g_ptr_array_add(dimms, d);
        }
    }
    g_ptr_array_sort(dimms, by_slot);

    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        /* Indices are 1-based (0 means "none"); from the slot, so a DIMM
         * keeps its indices whatever else is plugged. Slots < 256. */
        uint16_t spa_index = (uint16_t)(d->slot + 1);
        uint16_t dcr_index = (uint16_t)(d->slot + 1);
        put_spa(t, d, spa_index);
        put_memdev(t, d, spa_index, dcr_index);
        put_dcr(t, d, dcr_index);
        put_flush(t, cfg, d);
    }
    put_caps(t, cfg);
    nv_acpi_table_finalize(t);
    return t;
}
