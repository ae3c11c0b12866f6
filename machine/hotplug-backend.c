/*
 * machine/hotplug-backend.c — object-add and object-del on the machine
 * (hotplug.h): memory backends through the same hostmem steps as -object
 * (prepare, then realize, which may create the file).
 */
#include "vm-int.h"
#include "signals.h"
#include "state-file.h"

NvHostMem *nv_machine_find_backend(NvMachine *m, const char *id)
{
    for (guint i = 0; id && i < m->cfg->backends->len; i++) {
        NvHostMem *hm = g_ptr_array_index(m->cfg->backends, i);
        if (g_strcmp0(hm->cfg.id, id) == 0) {
            return hm;
        }
    }
    return NULL;
}

/* ---- backends ------------------------------------------------------------ */

bool nv_machine_add_backend(NvMachine *m, NvHostMem *hm, const char *who,
                            GError **errp)
{
    NvConfig *cfg = m->cfg;
    if (nv_hotplug_refused(m, who, errp)) {
        return false;
    }
    if (nv_machine_find_backend(m, hm->cfg.id)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s: id=%s is already "
                    "used by another object", who, hm->cfg.id);
        return false;
    }
    if (!nv_hostmem_prepare(hm, errp)) {
        nv_error_prefix(errp, "%s", who);
        return false;
    }
    uint64_t limit = cfg->board.phys_limit ? cfg->board.phys_limit
                                           : NV_GUEST_PHYS_LIMIT;
    if (hm->size > limit) {
        g_autofree char *sz = nv_format_size(hm->size);
        g_autofree char *lim = nv_format_size(limit);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE, "%s: size %s is larger "
                    "than the guest physical address limit %s", who, sz, lim);
        return false;
    }
    for (guint i = 0; i < cfg->backends->len; i++) {
        NvHostMem *o = g_ptr_array_index(cfg->backends, i);
        if (nv_hostmem_same_file(hm, o)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s: mem-path=%s "
                        "is the same file as mem-path of object %s (%s)", who,
                        hm->cfg.mem_path, o->cfg.id, o->cfg.mem_path);
            return false;
        }
    }
    for (guint i = 0; i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (nv_state_file_same(d, hm->cfg.mem_path)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s: mem-path=%s "
                        "is the same file as state-file of %s (%s)", who,
                        hm->cfg.mem_path, d->name, d->state_file);
            return false;
        }
        if (d->label_mem && nv_hostmem_same_file(hm, d->label_mem)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s: mem-path=%s "
                        "is the same file as label-file of %s (%s)", who,
                        hm->cfg.mem_path, d->name, d->label_file);
            return false;
        }
    }
    if (!nv_hostmem_realize(hm, errp)) {
        nv_hostmem_remove_created(hm); /* only a file this call created */
        nv_error_prefix(errp, "%s", who);
        return false;
    }
    bool live = nv_hotplug_pause(m); /* a vCPU may walk cfg->backends (EFAULT) */
    g_mutex_lock(&m->lock);
    g_ptr_array_add(cfg->backends, hm);
    g_mutex_unlock(&m->lock);
    if (live) {
        nv_machine_resume(m);
    }
    return true;
}

bool nv_machine_del_backend(NvMachine *m, NvHostMem *hm, GError **errp)
{
    if (nv_hotplug_refused(m, "object-del", errp)) {
        return false;
    }
    if (hm->in_use) {
        const char *user = "a DIMM";
        for (guint i = 0; i < m->cfg->dimms->len; i++) {
            NvDimm *d = g_ptr_array_index(m->cfg->dimms, i);
            if (d->memdev == hm) {
                user = d->name;
            }
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "object-del: object "
                    "'%s' can't be deleted: it is the memdev of %s",
                    hm->cfg.id, user);
        return false;
    }
    nv_signals_unwatch(hm);
    bool live = nv_hotplug_pause(m);
    g_mutex_lock(&m->lock);
    g_ptr_array_remove(m->cfg->backends, hm); /* unmaps; the file stays */
    g_mutex_unlock(&m->lock);
    if (live) {
        nv_machine_resume(m);
    }
    return true;
}

