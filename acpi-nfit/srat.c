/*
 * acpi-nfit/srat.c — the System Resource Affinity Table (ACPI 6.4 §5.2.16),
 * as QEMU's build_srat() (hw/i386/acpi-build.c) and nvdimm_build_srat()
 * (hw/acpi/nvdimm.c) lay it out:
 *   - a Processor Local APIC/SAPIC Affinity entry per vCPU (APIC ID = the
 *     vCPU's index, as in the MADT) with its node;
 *   - a Memory Affinity entry per boot RAM range (below and above 4 GiB),
 *     node 0, Enabled;
 *   - one per NVDIMM, its node, Enabled | Non-Volatile;
 *   - one spanning the device-memory region (where DIMMs are plugged),
 *     Enabled | Hot Pluggable, on the last node (cut around the pc-dimms
 *     present at boot, which get their own: put_devmem()). QEMU: "Entry is required
 *     for Windows to enable memory hotplug in OS and for Linux to enable
 *     SWIOTLB when booted with less than 4G of RAM."
 * Linux (drivers/acpi/numa/srat.c) prints "SRAT: Node N PXM P [mem ...]
 * hotplug" for the last one and raises max_possible_pfn to its end.
 */
#include "acpi-nfit.h"

#include <stddef.h>

#define SRAT_TYPE_CPU      0
#define SRAT_TYPE_MEMORY   1
#define SRAT_CPU_ENABLED   (1u << 0)

/* The SRAT's header: the table header, u32 "reserved, must be 1" (the
 * table revision of ACPI 1.0's SRAT, kept for compatibility), 8 reserved
 * bytes; then the entries. */
struct acpi_srat_layout {
    uint8_t header[NV_ACPI_HEADER_SIZE];
    uint32_t table_revision;
    uint8_t reserved[8];
} __attribute__((packed));
/* §5.2.16.1 Processor Local APIC/SAPIC Affinity, 16 bytes */
struct acpi_srat_cpu_layout {
    uint8_t type, length, proximity_lo, apic_id;
    uint32_t flags;
    uint8_t sapic_eid, proximity_hi[3];
    uint32_t clock_domain;
} __attribute__((packed));
/* §5.2.16.2 Memory Affinity, 40 bytes */
struct acpi_srat_memory_layout {
    uint8_t type, length;
    uint32_t proximity;
    uint16_t reserved1;
    uint32_t base_lo, base_hi, length_lo, length_hi;
    uint32_t reserved2;
    uint32_t flags;
    uint64_t reserved3;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_srat_layout) == 48 &&
               offsetof(struct acpi_srat_layout, table_revision) == 36,
               "SRAT header");
_Static_assert(sizeof(struct acpi_srat_cpu_layout) == 16 &&
               offsetof(struct acpi_srat_cpu_layout, apic_id) == 3 &&
               offsetof(struct acpi_srat_cpu_layout, flags) == 4 &&
               offsetof(struct acpi_srat_cpu_layout, sapic_eid) == 8 &&
               offsetof(struct acpi_srat_cpu_layout, proximity_hi) == 9 &&
               offsetof(struct acpi_srat_cpu_layout, clock_domain) == 12,
               "SRAT processor affinity");
_Static_assert(sizeof(struct acpi_srat_memory_layout) == 40 &&
               offsetof(struct acpi_srat_memory_layout, proximity) == 2 &&
               offsetof(struct acpi_srat_memory_layout, base_lo) == 8 &&
               offsetof(struct acpi_srat_memory_layout, length_lo) == 16 &&
               offsetof(struct acpi_srat_memory_layout, flags) == 28,
               "SRAT memory affinity");

static void put_cpu(GArray *t, uint32_t apic_id, uint32_t node)
{
    uint8_t *e = nv_acpi_table_grow(t, sizeof(struct acpi_srat_cpu_layout));
    e[0] = SRAT_TYPE_CPU;                   /* 0: Type */
    e[1] = sizeof(struct acpi_srat_cpu_layout); /* 1: Length */
    e[2] = (uint8_t)node;                   /* 2: Proximity Domain [7:0] */
    e[3] = (uint8_t)apic_id;                /* 3: APIC ID */
    nv_st32(e + 4, SRAT_CPU_ENABLED);       /* 4: Flags */
    e[9] = (uint8_t)(node >> 8);            /* 9: Proximity Domain [31:8] */
    e[10] = (uint8_t)(node >> 16);
    e[11] = (uint8_t)(node >> 24);
}

static void put_memory(GArray *t, uint64_t base, uint64_t len, uint32_t node,
                       uint32_t flags)
{
    uint8_t *e = nv_acpi_table_grow(t,
                                    sizeof(struct acpi_srat_memory_layout));
    e[0] = SRAT_TYPE_MEMORY;                /* 0: Type */
    e[1] = sizeof(struct acpi_srat_memory_layout); /* 1: Length */
    nv_st32(e + 2, node);                   /* 2: Proximity Domain */
    nv_st32(e + 8, (uint32_t)base);         /* 8: Base Address Low */
    nv_st32(e + 12, (uint32_t)(base >> 32));/* 12: Base Address High */
    nv_st32(e + 16, (uint32_t)len);         /* 16: Length Low */
    nv_st32(e + 20, (uint32_t)(len >> 32)); /* 20: Length High */
    nv_st32(e + 28, flags);                 /* 28: Flags */
}

static gint by_addr(gconstpointer a, gconstpointer b)
{
    const NvDimm *x = *(NvDimm *const *)a, *y = *(NvDimm *const *)b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The device-memory region, Enabled | Hot Pluggable on the last node. A
 * pc-dimm present at boot is RAM in the e820 map (machine/boot.c), so
 * Linux takes its node from the SRAT entry covering it: it gets an entry
 * of its own (its node, also Hot Pluggable) and the region's entry is cut
 * around it, since Linux refuses overlapping entries of different nodes
 * on RAM (numa_cleanup_meminfo()). Without boot pc-dimms this is QEMU's
 * one entry.
 */
static void put_devmem(GArray *t, const NvAcpiConfig *cfg)
{
    const uint32_t flags = NV_SRAT_MEM_ENABLED | NV_SRAT_MEM_HOTPLUGGABLE;
    uint32_t last = cfg->numa_nodes ? cfg->numa_nodes - 1 : 0;
    uint64_t pos = cfg->devmem_base;
    uint64_t end = cfg->devmem_base + cfg->devmem_size;
    g_autoptr(GPtrArray) pcs = g_ptr_array_new();
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_PC && d->size) {
            g_ptr_array_add(pcs, d);
        }
    }
    g_ptr_array_sort(pcs, by_addr);
    for (guint i = 0; i < pcs->len; i++) {
        const NvDimm *d = g_ptr_array_index(pcs, i);
        if (d->addr < pos || d->addr + d->size > end) {
            continue; /* the planner keeps DIMMs apart and inside */
        }
        if (d->addr > pos) {
            put_memory(t, pos, d->addr - pos, last, flags);
        }
        put_memory(t, d->addr, d->size, d->node, flags);
        pos = d->addr + d->size;
    }
    if (end > pos) {
        put_memory(t, pos, end - pos, last, flags);
    }
}

bool nv_acpi_wants_srat(const NvAcpiConfig *cfg)
{
    return cfg->slots > 0 || cfg->numa_nodes > 1;
}

GArray *nv_acpi_build_srat(const NvAcpiConfig *cfg)
{
    GArray *t = g_array_new(FALSE, TRUE, 1);
    /* Revision 3: ACPI 6.x */
    nv_acpi_table_header(t, "SRAT", 3, "NVEMSRAT");
    uint8_t *h = nv_acpi_table_grow(t, 12);
    nv_st32(h, 1);                          /* 36: reserved, 1 */

    for (uint32_t i = 0; i < cfg->ncpus; i++) {
        put_cpu(t, i, cfg->cpu_nodes ? cfg->cpu_nodes[i] : 0);
    }
    /* Boot RAM: all of it on node 0 (docs/acpi.md). */
    if (cfg->ram_below_4g) {
        put_memory(t, 0, cfg->ram_below_4g, 0, NV_SRAT_MEM_ENABLED);
    }
    if (cfg->ram_above_4g) {
        put_memory(t, 4 * GiB, cfg->ram_above_4g, 0, NV_SRAT_MEM_ENABLED);
    }
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM) {
            put_memory(t, d->addr, d->size, d->node,
                       NV_SRAT_MEM_ENABLED | NV_SRAT_MEM_NON_VOLATILE);
        }
    }
    if (cfg->devmem_size) {
        put_devmem(t, cfg);
    }
    nv_acpi_table_finalize(t);
    return t;
}
