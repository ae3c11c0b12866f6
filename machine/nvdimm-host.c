/*
 * machine/nvdimm-host.c — an NVDIMM's run-time state from the host
 * (nvdimm-host.h): the machine's lock, then the current board's DSM lock.
 */
#include "nvdimm-host.h"
#include "vm-int.h"

bool nv_machine_set_health(NvMachine *m, NvDimm *d, const NvHealthUpdate *u,
                           NvDsmNotifyMode notify, const char *who,
                           bool *notified, GError **errp)
{
    g_assert(d->kind == NV_DIMM_NVDIMM);
    if (nv_hotplug_refused(m, who, errp)) {
        return false;
    }
    g_mutex_lock(&m->lock);
    if (m->board) {
        *notified = nv_dsm_update_health(m->board->dsm, d, u, notify);
    } else {
        /* no guest, no vCPU: nothing to lock against, no one to tell */
        NvDimmHealth *h = &d->state.health;
        uint32_t count = h->shutdown_count;
        uint8_t state = h->shutdown_state;
        nv_health_apply(h, u);
        if (h->shutdown_count != count || h->shutdown_state != state) {
            g_autoptr(GError) err = NULL;
            if (!nv_dimm_save_state(d, &err)) {
                g_printerr("nvemu: warning: %s\n", err->message);
            }
        }
        *notified = false;
    }
    g_mutex_unlock(&m->lock);
    return true;
}

void nv_machine_read_health(NvMachine *m, NvDimm *d, NvDimmHealth *out)
{
    g_mutex_lock(&m->lock);
    if (m->board) {
        nv_dsm_read_health(m->board->dsm, d, out);
    } else {
        *out = d->state.health;
    }
    g_mutex_unlock(&m->lock);
}
