/*
 * machine/acpi.c — the ACPI view of a planned machine, and --dump-acpi.
 */
#include "acpi.h"
#include "flush-hint.h"
#include "aml.h"
#include "ged.h"
#include "nvdimm-notify.h"
#include "memhp.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000 /* linux/stat.h, Linux 5.8 */
#endif

bool nv_hostmem_guest_flush_persists(const NvHostMem *hm)
{
    switch (hm->ftype) {
    case NV_FILE_DEVDAX:
        return true;
    case NV_FILE_REGULAR:
        if (hm->addr) {
            return hm->map_sync; /* realized: what the mapping is */
        }
        if (hm->cfg.share && !hm->cfg.readonly && hm->exists) {
            /* Not mapped yet (--dump-acpi): realize maps a DAX file with
             * MAP_SYNC. A file not created yet counts as not DAX. */
            struct statx stx;
            return statx(AT_FDCWD, hm->cfg.mem_path, 0, STATX_BASIC_STATS,
                         &stx) == 0 &&
                   (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
                   (stx.stx_attributes & STATX_ATTR_DAX);
        }
        return false;
    default:
        return false; /* RAM, or a block device (its page cache) */
    }
}

uint32_t nv_config_nfit_capabilities(const NvConfig *cfg)
{
    switch (cfg->persistence) {
    case NV_PERSIST_CPU:
        return NV_NFIT_CAP_CPU_CACHE | NV_NFIT_CAP_MEM_CTRL;
    case NV_PERSIST_MEM_CTRL:
        return NV_NFIT_CAP_MEM_CTRL;
    case NV_PERSIST_AUTO:
        break;
    }
    /* The weakest NVDIMM decides for the machine. */
    bool any = false;
    for (guint i = 0; i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind != NV_DIMM_NVDIMM || !d->memdev) {
            continue;
        }
        if (!nv_hostmem_guest_flush_persists(d->memdev)) {
            return 0;
        }
        any = true;
    }
    return any ? NV_NFIT_CAP_MEM_CTRL : 0;
}

/* The devices' own DSDT fragments, in the DSDT's order. */
static void board_dsdt_devices(NvAml *sb, const void *opaque)
{
    const NvConfig *cfg = opaque;
    aml_append(sb, nv_serial_aml());
    if (cfg->rtc) {
        aml_append(sb, nv_rtc_aml());
    }
    uint32_t events = 0;
    if (cfg->board.slots > 0) {
        aml_append(sb, nv_memhp_aml(cfg->board.slots));
        events |= NV_GED_EVENT_MEMORY;
        if (cfg->board.nvdimm_enabled) {
            /* \_SB.NVDR exists: hotplug (_FIT), health (NHLT), media
             * errors (Notify 0x81 on the root) */
            events |= NV_GED_EVENT_NVDIMM | NV_GED_EVENT_NVDIMM_HEALTH |
                      NV_GED_EVENT_NVDIMM_UC;
        }
    }
    aml_append(sb, nv_ged_aml(events));
}

void nv_config_acpi(const NvConfig *cfg, NvAcpiConfig *acpi)
{
    uint64_t fw = nv_config_fw_base(cfg);
    *acpi = (NvAcpiConfig) {
        .ncpus = cfg->smp,
        .numa_nodes = cfg->board.numa_nodes,
        .cpu_nodes = cfg->cpu_node,
        .ram_below_4g = cfg->layout.ram_below_4g,
        .ram_above_4g = cfg->layout.ram_above_4g,
        .devmem_base = cfg->layout.devmem_base,
        .devmem_size = cfg->layout.devmem_size,
        .slots = cfg->board.slots,
        .nvdimm = cfg->board.nvdimm_enabled,
        .dimms = cfg->dimms,
        .nfit_capabilities = nv_config_nfit_capabilities(cfg),
        .tables_base = fw + NV_ACPI_TABLES_OFFSET,
        .tables_max = NV_FW_AREA_SIZE - NV_ACPI_TABLES_OFFSET,
        .dsm_mailbox = fw,
        .dsm_doorbell = NV_MMIO_DSM_DOORBELL,
        .flush_hint_base = NV_MMIO_FLUSH_HINTS,
        .pm_io_base = NV_PIO_PM_BASE,
        .rtc_io = cfg->rtc ? NV_PIO_RTC : 0,
        .rtc_century = cfg->rtc ? NV_RTC_CENTURY : 0,
        .ged_base = NV_MMIO_GED,
        .ged_irq = NV_IRQ_GED,
        .nvdimm_notify_base = cfg->board.slots && cfg->board.nvdimm_enabled
                                  ? NV_MMIO_NVDIMM_NOTIFY : 0,
        .dsdt_devices = board_dsdt_devices,
        .dsdt_devices_opaque = cfg,
    };
}

GBytes *nv_acpi_fit(const NvConfig *cfg)
{
    NvAcpiConfig acpi;
    nv_config_acpi(cfg, &acpi);
    GArray *nfit = nv_acpi_build_nfit(&acpi);
    g_assert(nfit->len >= NV_NFIT_HEADER_SIZE);
    GBytes *fit = g_bytes_new(nfit->data + NV_NFIT_HEADER_SIZE,
                              nfit->len - NV_NFIT_HEADER_SIZE);
    g_array_unref(nfit);
    return fit;
}

static bool write_table(const char *dir, const char *sig, const GArray *data,
                        GError **errp)
{
    g_autofree char *lower = g_ascii_strdown(sig, -1);
    g_autofree char *name = g_strdup_printf("%s.dat", lower);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (!g_file_set_contents(path, (const char *)data->data, data->len,
                             errp)) {
        nv_error_prefix(errp, "--dump-acpi %s", dir);
        return false;
    }
    return true;
}

bool nv_config_dump_acpi(const NvConfig *cfg, const char *dir, GError **errp)
{
    NvAcpiConfig acpi;
    nv_config_acpi(cfg, &acpi);
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&acpi, errp);
    if (!t) {
        return false;
    }
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "--dump-acpi %s: %s", dir,
                    g_strerror(errno));
        return false;
    }
    if (!write_table(dir, "rsdp", t->rsdp, errp)) {
        return false;
    }
    for (guint i = 0; i < t->tables->len; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        if (!write_table(dir, tab->sig, tab->data, errp)) {
            return false;
        }
    }
    return true;
}

bool nv_board_install_acpi(NvBoard *b, GError **errp)
{
    NvAcpiConfig acpi;
    nv_config_acpi(b->cfg, &acpi);
    g_autoptr(NvAcpiTables) t = nv_acpi_build(&acpi, errp);
    if (!t) {
        return false;
    }
    memcpy(nv_board_guest_ptr(b, NV_ACPI_RSDP_ADDR, t->rsdp->len),
           t->rsdp->data, t->rsdp->len);
    for (guint i = 0; i < t->tables->len; i++) {
        const NvAcpiTable *tab = g_ptr_array_index(t->tables, i);
        /* nv_acpi_build() keeps every table inside tables_max */
        memcpy(nv_board_guest_ptr(b, tab->gpa, tab->data->len),
               tab->data->data, tab->data->len);
    }
    return true;
}
