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

/* Take the DSM lock of the running board, if any (machine lock held). */
static NvDsm *dsm_lock(NvMachine *m)
{
    NvDsm *dsm = m->board ? m->board->dsm : NULL;
    if (dsm) {
        nv_dsm_lock(dsm);
    }
    return dsm;
}

bool nv_machine_media_error(NvMachine *m, NvDimm *d, bool remove,
                            uint64_t off, uint64_t len, bool notify,
                            const char *who, bool *notified,
                            uint64_t *cleared, GError **errp)
{
    *notified = false;
    if (cleared) {
        *cleared = 0;
    }
    if (nv_hotplug_refused(m, who, errp)) {
        return false;
    }
    g_mutex_lock(&m->lock);
    NvDsm *dsm = dsm_lock(m);
    bool ok = true;
    if (!d) {
        uint64_t spa = off;
        d = nv_media_find_spa(m->cfg->dimms, spa, len, &off);
        if (!d) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s: guest physical range 0x%" G_GINT64_MODIFIER
                        "x length 0x%" G_GINT64_MODIFIER "x is not inside "
                        "one NVDIMM", who, spa, len);
            ok = false;
        }
    } else if (!d->state.realized) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s: %s is not set up before the first boot (give "
                    "-device nvdimm,media-error=OFFSET:LENGTH)", who,
                    d->name);
        ok = false;
    }
    if (ok) {
        ok = remove ? nv_dimm_media_remove(d, off, len, cleared, errp)
                    : nv_dimm_media_add(d, off, len, notify, errp);
        if (!ok) {
            g_prefix_error(errp, "%s: ", who);
        }
    }
    if (ok && !remove && notify && dsm) {
        nv_dsm_notify_uc_error(dsm);
        *notified = true;
    }
    if (dsm) {
        nv_dsm_unlock(dsm);
    }
    g_mutex_unlock(&m->lock);
    return ok;
}

void nv_machine_media_errors(NvMachine *m, NvMediaErrorFn fn, void *opaque)
{
    g_mutex_lock(&m->lock);
    NvDsm *dsm = dsm_lock(m);
    for (guint i = 0; i < m->cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(m->cfg->dimms, i);
        guint n;
        const NvMediaError *e = nv_dimm_media_errors(d, &n);
        for (guint j = 0; j < n; j++) {
            fn(opaque, d, &e[j]);
        }
    }
    if (dsm) {
        nv_dsm_unlock(dsm);
    }
    g_mutex_unlock(&m->lock);
}
