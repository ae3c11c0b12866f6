/*
 * machine/memmap.c — `nvemu --print-memory-map`: the planned guest physical
 * map and, per DIMM, where its bytes and labels live on the host.
 */
#include "board.h"

#define MMIO_HOLE_END (4 * GiB)

static void row(FILE *out, uint64_t start, uint64_t len, const char *what)
{
    g_autofree char *s = nv_format_size(len);
    fprintf(out, "  0x%016" G_GINT64_MODIFIER "x-0x%016" G_GINT64_MODIFIER
            "x  %-8s %s\n", start, start + len - 1, s, what);
}

static const char *file_state(const NvHostMem *hm)
{
    if (hm->cfg.kind == NV_HOSTMEM_RAM) {
        return "";
    }
    return hm->exists ? ", exists" : ", will be created (sparse)";
}

static void print_backend(FILE *out, const NvHostMem *hm)
{
    g_autofree char *size = nv_format_size(hm->size);
    if (hm->cfg.kind == NV_HOSTMEM_RAM) {
        fprintf(out, "    memdev   %s: %s, %s%s\n", hm->cfg.id,
                nv_hostmem_type_name(hm), size,
                hm->cfg.prealloc ? ", prealloc=on" : "");
        return;
    }
    fprintf(out, "    memdev   %s: %s '%s', %s, share=%s%s%s%s\n",
            hm->cfg.id, nv_hostmem_type_name(hm), hm->cfg.mem_path, size,
            hm->cfg.share ? "on" : "off", hm->cfg.readonly ? ", readonly" : "",
            hm->cfg.prealloc ? ", prealloc=on" : "", file_state(hm));
}

static void print_labels(FILE *out, const NvDimm *d)
{
    g_autofree char *ls = nv_format_size(d->label_size);
    if (d->label_size == 0) {
        fprintf(out, "    labels   none (label-size=0: one raw namespace)\n");
    } else if (d->label_mem) {
        fprintf(out, "    labels   %s in label file '%s'%s\n", ls,
                d->label_file, file_state(d->label_mem));
    } else {
        fprintf(out, "    labels   %s at offset 0x%" G_GINT64_MODIFIER
                "x of '%s' (the file's tail)\n", ls, d->label_offset,
                d->memdev->cfg.mem_path ? d->memdev->cfg.mem_path
                                        : d->memdev->cfg.id);
    }
    uint64_t end = d->label_mem || !d->label_size ? d->memdev->size
                                                  : d->label_offset;
    if (end > d->size) {
        g_autofree char *gap = nv_format_size(end - d->size);
        g_autofree char *al = nv_format_size(d->align);
        fprintf(out, "    unused   %s of the backend after pmem (pmem size "
                "rounded down to %s)\n", gap, al);
    }
}

void nv_config_print_memory_map(const NvConfig *cfg, FILE *out)
{
    const NvBoardConfig *b = &cfg->board;
    const NvMemLayout *l = &cfg->layout;
    g_autofree char *ram = nv_format_size(b->ram_size);
    g_autofree char *max = nv_format_size(b->maxmem);

    fprintf(out, "nvemu guest memory map (planned: no file created or "
            "mapped)\n");
    fprintf(out, "machine: %u vCPU%s, RAM %s, %u slot%s, maxmem %s, %u NUMA "
            "node%s, nvdimm=%s\n", cfg->smp, cfg->smp == 1 ? "" : "s", ram,
            b->slots, b->slots == 1 ? "" : "s", max, b->numa_nodes,
            b->numa_nodes == 1 ? "" : "s", b->nvdimm_enabled ? "on" : "off");
    if (cfg->name) {
        g_autofree char *q = nv_quote(cfg->name);
        fprintf(out, "guest name: %s\n", q);
    }
    if (cfg->serial == NV_SERIAL_FILE) {
        g_autofree char *q = nv_quote(cfg->serial_file.path);
        fprintf(out, "console: COM1 to file '%s' (truncated when the guest "
                "starts)\n", q);
    } else {
        fprintf(out, "console: COM1 %s\n", cfg->serial == NV_SERIAL_STDIO
                ? "on stdin/stdout" : "output discarded (-serial none)");
    }
    if (cfg->log_file.path) {
        g_autofree char *q = nv_quote(cfg->log_file.path);
        fprintf(out, "log: -d output appended to '%s'\n", q);
    }
    if (cfg->daemonize) {
        fprintf(out, "daemonize: the shell gets exit 0 once the guest "
                "runs\n");
    }
    fputc('\n', out);

    fprintf(out, "  %-37s  %-8s %s\n", "guest physical range", "size", "what");
    uint64_t fw = nv_config_fw_base(cfg);
    row(out, 0, fw, "RAM");
    row(out, fw, NV_FW_AREA_SIZE, "reserved: DSM mailbox, then ACPI tables");
    row(out, fw, NV_DSM_MAILBOX_SIZE, "  DSM mailbox");
    row(out, NV_LOWMEM_LIMIT, MMIO_HOLE_END - NV_LOWMEM_LIMIT,
        "MMIO hole (IOAPIC, LAPIC, nvemu devices)");
    row(out, NV_MMIO_DSM_DOORBELL, NV_DSM_DOORBELL_SIZE, "  DSM doorbell");
    if (l->ram_above_4g) {
        row(out, 4 * GiB, l->ram_above_4g, "RAM");
    }
    if (l->devmem_size) {
        row(out, l->devmem_base, l->devmem_size,
            "device memory (hotplug region for DIMMs)");
    }
    for (guint i = 0; i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        g_autofree char *what = g_strdup_printf(
            "  slot %u: %s %s, %s", d->slot, nv_dimm_kind_name(d->kind),
            d->id ? d->id : "(no id)",
            d->kind == NV_DIMM_NVDIMM ? "pmem" : "RAM");
        row(out, d->addr, d->size, what);
    }

    for (guint i = 0; i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        g_autofree char *size = nv_format_size(d->size);
        fprintf(out, "\n%s (%s, slot %u, node %u)\n", d->id ? d->id : "(no id)",
                nv_dimm_kind_name(d->kind), d->slot, d->node);
        fprintf(out, "    guest    0x%" G_GINT64_MODIFIER "x-0x%"
                G_GINT64_MODIFIER "x, %s %s\n", d->addr, d->addr + d->size - 1,
                d->kind == NV_DIMM_NVDIMM ? "pmem" : "RAM", size);
        print_backend(out, d->memdev);
        if (d->kind == NV_DIMM_NVDIMM) {
            char uuid[37];
            nv_format_uuid(d->uuid, uuid);
            print_labels(out, d);
            fprintf(out, "    uuid     %s%s%s\n", uuid,
                    d->uuid_set ? "" : " (derived from the slot)",
                    d->unarmed ? ", unarmed" : "");
        }
    }
}
