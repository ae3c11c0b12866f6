/*
 * machine/board.c — the machine without its CPUs: guest RAM, the DIMMs'
 * mappings, the firmware area and the devices on the I/O bus. The KVM code
 * puts vCPUs on top; the tests drive it directly as the guest would.
 */
#include "board.h"
#include "acpi.h"
#include "flush-hint.h"
#include "memhp.h"

#include <string.h>

/* clear of the doorbell and of the flush-hint pages of every slot */
G_STATIC_ASSERT(NV_MMIO_GED >= NV_MMIO_DSM_DOORBELL + NV_DSM_DOORBELL_SIZE);
G_STATIC_ASSERT(NV_MMIO_FLUSH_HINTS +
                (uint64_t)NV_MAX_SLOTS * NV_FLUSH_HINT_STRIDE <=
                NV_MMIO_DSM_DOORBELL);
G_STATIC_ASSERT(NV_IRQ_GED != NV_IRQ_COM1);
G_STATIC_ASSERT(NV_MMIO_NVDIMM_NOTIFY >= NV_MMIO_MEMHP + 0x1000);
G_STATIC_ASSERT(NV_MMIO_MEMHP >= NV_MMIO_GED + NV_GED_REG_LEN);

/* Devices (the serial from the main loop's console input, too) call this
 * while the VM may be coming or going; the lock keeps fn and opaque
 * together. */
static void board_irq(void *opaque, unsigned irq, bool level)
{
    NvBoard *b = opaque;
    g_mutex_lock(&b->irq_lock);
    if (b->irq) {
        b->irq(b->irq_opaque, irq, level);
    }
    g_mutex_unlock(&b->irq_lock);
}

void nv_board_set_irq(NvBoard *b, NvIrqFn fn, void *opaque)
{
    g_mutex_lock(&b->irq_lock);
    b->irq = fn;
    b->irq_opaque = opaque;
    g_mutex_unlock(&b->irq_lock);
}

/* The DSM asks for Notify (NVxx, 0x81) on the DIMM in @slot: mark it in
 * the pending-notify block, then raise the GED's health event (whose
 * _EVT reads the block); for NV_DSM_NOTIFY_ROOT, Notify (NVDR, 0x81)
 * through the GED's media-error event. Under the DSM lock (a vCPU
 * thread, or the host's commands). */
static void board_dimm_notify(void *opaque, uint32_t slot)
{
    NvBoard *b = opaque;
    if (slot == NV_DSM_NOTIFY_ROOT) {
        nv_ged_raise(b->ged, NV_GED_EVENT_NVDIMM_UC);
        return;
    }
    nv_nvdimm_notify_set(b->nvnotify, slot);
    nv_ged_raise(b->ged, NV_GED_EVENT_NVDIMM_HEALTH);
}

static void board_memhp_ost(void *opaque, uint32_t slot, uint32_t event,
                            uint32_t status)
{
    NvBoard *b = opaque;
    g_mutex_lock(&b->memhp_lock);
    if (b->memhp_ops.ost) {
        b->memhp_ops.ost(b->memhp_ops.opaque, slot, event, status);
    }
    g_mutex_unlock(&b->memhp_lock);
}

static void board_memhp_eject(void *opaque, uint32_t slot)
{
    NvBoard *b = opaque;
    g_mutex_lock(&b->memhp_lock);
    if (b->memhp_ops.eject) {
        b->memhp_ops.eject(b->memhp_ops.opaque, slot);
    }
    g_mutex_unlock(&b->memhp_lock);
}

void nv_board_set_memhp_ops(NvBoard *b, const NvMemhpOps *ops)
{
    g_mutex_lock(&b->memhp_lock);
    b->memhp_ops = ops ? *ops : (NvMemhpOps) { 0 };
    g_mutex_unlock(&b->memhp_lock);
}

/* The controller, with the pc-dimms of the command line already in their
 * slots (enabled, no insert event: the guest finds them at boot). */
static bool attach_memhp(NvBoard *b, GError **errp)
{
    if (b->cfg->board.slots == 0) {
        return true;
    }
    const NvMemhpOps ops = {
        .ost = board_memhp_ost, .eject = board_memhp_eject, .opaque = b,
    };
    b->memhp = nv_memhp_new(b->cfg->board.slots, &ops);
    for (guint i = 0; i < b->cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(b->cfg->dimms, i);
        if (d->kind == NV_DIMM_PC) {
            nv_memhp_plug(b->memhp, d->slot, d->addr, d->size, d->node,
                          false);
        }
    }
    return nv_memhp_attach(b->bus, b->memhp, errp);
}

static bool attach_flush_hints(NvBoard *b, GError **errp)
{
    for (guint i = 0; i < b->cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(b->cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM &&
            !nv_flush_hint_attach(b->bus, d, errp)) {
            return false;
        }
    }
    return true;
}

NvBoard *nv_board_new(NvConfig *cfg, GError **errp)
{
    g_autoptr(NvBoard) b = g_new0(NvBoard, 1);
    b->cfg = cfg; /* parsing guaranteed RAM >= NV_RAM_MIN > NV_FW_AREA_SIZE */
    g_mutex_init(&b->irq_lock);
    g_mutex_init(&b->memhp_lock);
    if (!nv_config_realize(cfg, errp)) {
        return NULL;
    }
    NvHostMemConfig ram = {
        .kind = NV_HOSTMEM_RAM, .id = "ram",
        .size = cfg->board.ram_size, .size_set = true,
    };
    b->ram = nv_hostmem_new(&ram);
    if (!nv_hostmem_prepare(b->ram, errp) ||
        !nv_hostmem_realize(b->ram, errp)) {
        nv_error_prefix(errp, "guest RAM");
        return NULL;
    }

    b->fw_base = nv_config_fw_base(cfg);
    b->dsm_mailbox = b->fw_base;
    b->bus = nv_io_bus_new();
    b->dsm = nv_dsm_new(nv_board_guest_ptr(b, b->dsm_mailbox,
                                           NV_DSM_MAILBOX_SIZE), cfg->dimms);
    /* What _FIT reads at boot: the NFIT's structures. */
    g_autoptr(GBytes) fit = nv_acpi_fit(cfg);
    nv_dsm_set_fit(b->dsm, g_bytes_get_data(fit, NULL), g_bytes_get_size(fit));
    b->serial = nv_serial_new(cfg->serial == NV_SERIAL_STDIO ? 1
                             : cfg->serial == NV_SERIAL_FILE
                             ? cfg->serial_file.fd : -1,
                              board_irq, b, NV_IRQ_COM1);
    b->ged = nv_ged_new(board_irq, b, NV_IRQ_GED);
    b->nvnotify = nv_nvdimm_notify_new();
    if (cfg->board.slots && cfg->board.nvdimm_enabled) { /* NHLT exists */
        nv_dsm_set_notify(b->dsm, board_dimm_notify, b);
    }
    b->power = nv_power_new(errp);
    if (!b->power) {
        return NULL;
    }
    if (cfg->rtc) {
        b->rtc = nv_rtc_new(NULL, NULL);
        if (!nv_rtc_attach(b->bus, b->rtc, errp)) {
            return NULL;
        }
    }
    if (!nv_io_register(b->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL,
                        NV_DSM_DOORBELL_SIZE, "dsm-doorbell",
                        nv_dsm_doorbell_io, b->dsm, errp) ||
        !nv_ged_attach(b->bus, b->ged, errp) ||
        !nv_nvdimm_notify_attach(b->bus, b->nvnotify, errp) ||
        !nv_serial_attach(b->bus, b->serial, errp) ||
        !nv_power_attach(b->bus, b->power, errp) ||
        !attach_flush_hints(b, errp) ||
        !attach_memhp(b, errp)) {
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
    nv_serial_free(b->serial);
    nv_power_free(b->power);
    nv_ged_free(b->ged);
    nv_nvdimm_notify_free(b->nvnotify);
    nv_memhp_free(b->memhp);
    nv_rtc_free(b->rtc);
    nv_io_bus_free(b->bus);
    nv_hostmem_free(b->ram);
    g_mutex_clear(&b->irq_lock);
    g_mutex_clear(&b->memhp_lock);
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
