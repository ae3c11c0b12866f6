/*
 * machine/board.c — the machine without its CPUs: guest RAM, the DIMMs'
 * mappings, the firmware area and the devices on the I/O bus. The KVM code
 * puts vCPUs on top; the tests drive it directly as the guest would.
 */
#include "machine.h"

NvBoard *nv_board_new(NvConfig *cfg, GError **errp)
{
    g_autoptr(NvBoard) b = g_new0(NvBoard, 1);
    b->cfg = cfg; /* parsing guaranteed RAM >= NV_RAM_MIN > NV_FW_AREA_SIZE */
    if (!nv_config_realize(cfg, errp)) {
        return NULL;
    }
    NvHostMemConfig ram = {
        .kind = NV_HOSTMEM_RAM, .id = "ram",
        .size = cfg->board.ram_size, .size_set = true, .share = true,
    };
    b->ram = nv_hostmem_new(&ram);
    if (!nv_hostmem_prepare(b->ram, errp) ||
        !nv_hostmem_realize(b->ram, errp)) {
        nv_error_prefix(errp, "guest RAM");
        return NULL;
    }

    b->fw_base = cfg->layout.ram_below_4g - NV_FW_AREA_SIZE;
    b->dsm_mailbox = b->fw_base;
    b->bus = nv_io_bus_new();
    b->dsm = nv_dsm_new(nv_board_guest_ptr(b, b->dsm_mailbox,
                                           NV_DSM_MAILBOX_SIZE), cfg->dimms);
    if (!nv_io_register(b->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL,
                        NV_DSM_DOORBELL_SIZE, "dsm-doorbell",
                        nv_dsm_doorbell_io, b->dsm, errp)) {
        return NULL;
    }
    return g_steal_pointer(&b);
}

void nv_board_free(NvBoard *b)
{
    if (!b) {
        return;
    }
    nv_dsm_free(b->dsm);
    nv_io_bus_free(b->bus);
    nv_hostmem_free(b->ram);
    g_free(b);
}

/* [gpa, gpa+len) inside [base, base+size)? Written so nothing can wrap. */
static bool inside(uint64_t gpa, uint64_t len, uint64_t base, uint64_t size)
{
    return gpa >= base && gpa - base <= size && size - (gpa - base) >= len;
}

uint8_t *nv_board_guest_ptr(NvBoard *b, uint64_t gpa, uint64_t len)
{
    const NvMemLayout *l = &b->cfg->layout;
    if (inside(gpa, len, 0, l->ram_below_4g)) {
        return b->ram->addr + gpa;
    }
    if (inside(gpa, len, 4 * GiB, l->ram_above_4g)) {
        return b->ram->addr + l->ram_below_4g + (gpa - 4 * GiB);
    }
    for (guint i = 0; i < b->cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(b->cfg->dimms, i);
        if (d->memdev->addr && inside(gpa, len, d->addr, d->size)) {
            return d->memdev->addr + (gpa - d->addr);
        }
    }
    return NULL;
}
