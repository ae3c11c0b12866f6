/*
 * machine/hotplug.c — memory hotplug on the machine (hotplug.h): backends
 * and DIMMs added and removed at run time, the hotplug controller's ops
 * (the guest's _OST and eject, on vCPU threads) deferred to the main loop.
 */
#include "vm-int.h"
#include "acpi.h"
#include "flush-hint.h"
#include "memhp.h"
#include "signals.h"
#include "state-file.h"

/* ---- the board's side -------------------------------------------------- */

/* A guest event of @slot handed from a vCPU thread to the main loop. */
typedef struct {
    NvMachine *m;
    gint gen;             /* the board it came from */
    uint32_t slot;
    bool eject;           /* else an _OST (event, status) */
    uint32_t event, status;
    NvDimm *gone;         /* else DEVICE_DELETED of this DIMM (owned) */
} Deferred;

static void report_gone(NvMachine *m, NvDimm *d);

static void deferred_free(gpointer p)
{
    Deferred *x = p;
    nv_dimm_free(x->gone); /* the loop never ran it */
    g_free(x);
}

static void do_eject(NvMachine *m, const Deferred *x);

static gboolean run_deferred(gpointer opaque)
{
    Deferred *x = opaque;
    NvMachine *m = x->m;
    if (x->gone) {
        report_gone(m, g_steal_pointer(&x->gone));
        return G_SOURCE_REMOVE;
    }
    if (x->eject) {
        do_eject(m, x);
        return G_SOURCE_REMOVE;
    }
    m->ost_event[x->slot] = x->event;
    m->ost_status[x->slot] = x->status;
    if (m->events.ost) {
        NvDimm *d = nv_machine_slot_dimm(m, x->slot);
        bool pc = d && d->kind == NV_DIMM_PC; /* NVDIMM slots stay empty */
        m->events.ost(m->events.opaque, x->slot, pc ? d->id : NULL,
                      x->event, x->status);
    }
    return G_SOURCE_REMOVE;
}

/* Queue @x on the machine's context (one idle source each, same priority,
 * so they run in the order they were made); from a vCPU thread, or from a
 * command whose event must follow its reply. */
static void defer(NvMachine *m, Deferred *x)
{
    GSource *s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(s, run_deferred, x, deferred_free);
    g_source_attach(s, m->ctx);
    g_source_unref(s);
}

static void memhp_ost(void *opaque, uint32_t slot, uint32_t event,
                      uint32_t status)
{
    NvMachine *m = opaque;
    if (slot >= m->cfg->board.slots) {
        return;
    }
    Deferred *x = g_new0(Deferred, 1);
    *x = (Deferred) { .m = m, .gen = g_atomic_int_get(&m->boot_gen),
                      .slot = slot, .event = event, .status = status };
    defer(m, x);
}

static void memhp_eject(void *opaque, uint32_t slot)
{
    NvMachine *m = opaque;
    if (slot >= m->cfg->board.slots) {
        return;
    }
    g_atomic_int_inc(&m->eject_queued[slot]);
    Deferred *x = g_new0(Deferred, 1);
    *x = (Deferred) { .m = m, .gen = g_atomic_int_get(&m->boot_gen),
                      .slot = slot, .eject = true };
    defer(m, x);
}

void nv_hotplug_init(NvMachine *m)
{
    uint32_t n = MAX(m->cfg->board.slots, 1);
    m->ost_event = g_new0(uint32_t, n);
    m->ost_status = g_new0(uint32_t, n);
    m->eject_queued = g_new0(gint, n);
    m->memhp_ops = (NvMemhpOps) { .ost = memhp_ost, .eject = memhp_eject,
                                  .opaque = m };
}

void nv_hotplug_free(NvMachine *m)
{
    g_free(m->ost_event);
    g_free(m->ost_status);
    g_free((gpointer)m->eject_queued);
}

void nv_hotplug_board_up(NvMachine *m, NvBoard *b)
{
    g_atomic_int_inc(&m->boot_gen); /* older guests' ejects are stale */
    nv_board_set_memhp_ops(b, &m->memhp_ops);
}

void nv_hotplug_board_down(NvMachine *m, NvBoard *b)
{
    (void)m;
    nv_board_set_memhp_ops(b, NULL);
}

void nv_machine_set_hotplug_events(NvMachine *m, const NvHotplugEvents *ev)
{
    m->events = ev ? *ev : (NvHotplugEvents) { 0 };
}

/* ---- lookups ------------------------------------------------------------- */

NvDimm *nv_machine_find_dimm(NvMachine *m, const char *id)
{
    for (guint i = 0; id && i < m->cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(m->cfg->dimms, i);
        if (g_strcmp0(d->id, id) == 0) {
            return d;
        }
    }
    return NULL;
}

NvDimm *nv_machine_slot_dimm(NvMachine *m, uint32_t slot)
{
    for (guint i = 0; i < m->cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(m->cfg->dimms, i);
        if (d->slot == slot) {
            return d;
        }
    }
    return NULL;
}

bool nv_machine_unplug_pending(NvMachine *m, const NvDimm *d)
{
    if (d->kind != NV_DIMM_PC || d->slot >= m->cfg->board.slots) {
        return false;
    }
    g_mutex_lock(&m->lock);
    bool pending = g_atomic_int_get(&m->eject_queued[d->slot]) > 0 ||
                   (m->board && nv_memhp_unplug_pending(m->board->memhp,
                                                        d->slot));
    g_mutex_unlock(&m->lock);
    return pending;
}

void nv_machine_slot_ost(NvMachine *m, uint32_t slot, uint32_t *event,
                         uint32_t *status)
{
    bool in = slot < m->cfg->board.slots;
    *event = in ? m->ost_event[slot] : 0;
    *status = in ? m->ost_status[slot] : 0;
}

bool nv_hotplug_refused(NvMachine *m, const char *who, GError **errp)
{
    NvRunState s = nv_machine_status(m);
    if (s == NV_RUN_SHUTDOWN) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "%s: the machine has "
                    "shut down", who);
        return true;
    }
    return false;
}

/* The vCPUs parked while cfg or the guest's view changes (none run in
 * prelaunch: nothing to wait for). */
bool nv_hotplug_pause(NvMachine *m)
{
    bool live = m->board != NULL; /* set and cleared on this thread only */
    if (live) {
        nv_machine_pause(m);
    }
    return live;
}

/* ---- DIMMs -------------------------------------------------------------- */

/* Undo what nv_dimm_plan_add() and nv_dimm_realize() did outside @d. */
static void unplan(NvDimm *d)
{
    nv_dimm_unrealize(d); /* its state file as it was */
    d->memdev->in_use = false;
    d->memdev = NULL;
    if (d->label_mem) {
        nv_hostmem_remove_created(d->label_mem);
    }
}

/* The guest's side of a new DIMM, vCPUs parked, under the lock: its KVM
 * slot, and an NVDIMM's flush-hint page; undone on failure. */
static bool map_dimm(NvMachine *m, NvDimm *d, GError **errp)
{
    if (m->vm && !nv_vm_map(m->vm, d->addr, d->size, d->memdev->addr,
                            d->memdev->cfg.readonly, errp)) {
        return false;
    }
    if (d->kind == NV_DIMM_NVDIMM &&
        !nv_flush_hint_attach(m->board->bus, d, errp)) {
        if (m->vm) {
            nv_vm_unmap(m->vm, d->addr, NULL);
        }
        return false;
    }
    return true;
}

/* The boot's check of state files (each one no other file of the
 * machine's) with @d among the DIMMs. */
static bool state_file_distinct(NvConfig *cfg, NvDimm *d, GError **errp)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new(); /* borrowed, not owned */
    for (guint i = 0; i < cfg->dimms->len; i++) {
        g_ptr_array_add(all, g_ptr_array_index(cfg->dimms, i));
    }
    g_ptr_array_add(all, d);
    return nv_state_files_check(all, cfg->backends, errp);
}

bool nv_machine_plug_dimm(NvMachine *m, NvDimm *d, GError **errp)
{
    NvConfig *cfg = m->cfg;
    if (nv_hotplug_refused(m, d->name, errp)) {
        return false;
    }
    NvDimm *o = d->slot_set ? nv_machine_slot_dimm(m, d->slot) : NULL;
    if (o && nv_machine_unplug_pending(m, o)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "%s: slot=%u: the "
                    "removal of %s is pending (wait for its DEVICE_DELETED)",
                    d->name, d->slot, o->name);
        return false;
    }
    if (!state_file_distinct(cfg, d, errp) ||
        !nv_dimm_plan_add(&cfg->board, cfg->backends, cfg->dimms,
                          &cfg->layout, d, errp)) {
        return false;
    }
    /* Prelaunch: the first board realizes it with the rest (a -object
     * backend is not mapped before that). */
    if (m->board && !nv_dimm_realize(d, errp)) {
        unplan(d);
        return false;
    }
    bool live = nv_hotplug_pause(m);
    g_mutex_lock(&m->lock);
    NvBoard *b = m->board;
    bool ok = !b || map_dimm(m, d, errp);
    if (ok) {
        d->hotplugged = true;
        g_ptr_array_add(cfg->dimms, d); /* the DSM sees it from now on */
        if (b && d->kind == NV_DIMM_PC) {
            nv_memhp_plug(b->memhp, d->slot, d->addr, d->size, d->node, true);
        } else if (b) {
            g_autoptr(GBytes) fit = nv_acpi_fit(cfg);
            gsize len;
            const void *p = g_bytes_get_data(fit, &len);
            nv_dsm_set_fit(b->dsm, p, len);
        }
    }
    g_mutex_unlock(&m->lock);
    if (live) {
        nv_machine_resume(m);
    }
    if (!ok) {
        unplan(d);
        return false;
    }
    if (m->board) {
        nv_signals_watch_dimm(d); /* prelaunch: the first boot does */
    }
    g_mutex_lock(&m->lock);
    if (m->board) {
        nv_ged_raise(m->board->ged, d->kind == NV_DIMM_PC
                     ? NV_GED_EVENT_MEMORY : NV_GED_EVENT_NVDIMM);
    }
    g_mutex_unlock(&m->lock);
    return true;
}

/* Under the lock, vCPUs parked or none: @d leaves cfg->dimms (the
 * caller's now), its backend is free again. */
static void take_out(NvMachine *m, NvDimm *d)
{
    guint i;
    if (g_ptr_array_find(m->cfg->dimms, d, &i)) {
        g_ptr_array_steal_index(m->cfg->dimms, i); /* keeps the order */
    }
    d->memdev->in_use = false;
}

/* DEVICE_DELETED, and @d is freed. */
static void report_gone(NvMachine *m, NvDimm *d)
{
    if (m->events.deleted) {
        m->events.deleted(m->events.opaque, d->id);
    }
    nv_dimm_free(d);
}

bool nv_machine_unplug_dimm(NvMachine *m, NvDimm *d, GError **errp)
{
    if (nv_hotplug_refused(m, "device_del", errp)) {
        return false;
    }
    g_assert(d->kind == NV_DIMM_PC);
    if (nv_machine_unplug_pending(m, d)) {
        /* QEMU's words (qmp_device_del, softmmu/qdev-monitor.c) */
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT, "Device %s is already "
                    "in the process of unplug", d->id);
        return false;
    }
    g_mutex_lock(&m->lock);
    NvBoard *b = m->board;
    bool prelaunch = m->state == NV_RUN_PRELAUNCH;
    if (b) {
        nv_memhp_request_unplug(b->memhp, d->slot);
        nv_ged_raise(b->ged, NV_GED_EVENT_MEMORY);
    } else if (prelaunch) {
        take_out(m, d); /* no guest has seen it: gone at once */
    }
    g_mutex_unlock(&m->lock);
    if (!b && !prelaunch) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "device_del: no guest "
                    "is running (between two boots)");
        return false;
    }
    if (!b) { /* DEVICE_DELETED after the reply, as QEMU's */
        Deferred *x = g_new0(Deferred, 1);
        *x = (Deferred) { .m = m, .gone = d };
        defer(m, x);
    }
    return true;
}

/* The guest ejected @x->slot (_EJ0 after it offlined the memory): on the
 * main loop, vCPUs parked, the KVM slot goes, then the DIMM. */
static void do_eject(NvMachine *m, const Deferred *x)
{
    g_atomic_int_add(&m->eject_queued[x->slot], -1);
    if (x->gen != g_atomic_int_get(&m->boot_gen)) {
        return; /* a reset came between: the new guest has the DIMM */
    }
    NvDimm *d = nv_machine_slot_dimm(m, x->slot);
    if (!d || d->kind != NV_DIMM_PC || !m->board) {
        return; /* the controller ejects only enabled (pc-dimm) slots */
    }
    g_autoptr(GError) err = NULL;
    bool live = nv_hotplug_pause(m);
    g_mutex_lock(&m->lock);
    bool ok = !m->vm || nv_vm_unmap(m->vm, d->addr, &err);
    if (ok) {
        nv_memhp_unplug(m->board->memhp, x->slot);
        take_out(m, d);
    }
    g_mutex_unlock(&m->lock);
    if (live) {
        nv_machine_resume(m);
    }
    if (!ok) {
        /* the guest keeps seeing it; nvemu keeps running */
        g_printerr("nvemu: %s: eject from slot %u: %s\n", d->name, x->slot,
                   err->message);
        return;
    }
    report_gone(m, d);
}

/* ---- tests: a board without vCPUs ----------------------------------------- */

void nv_machine_adopt_board(NvMachine *m, NvBoard *b)
{
    g_mutex_lock(&m->lock);
    m->board = b;
    m->state = NV_RUN_RUNNING;
    g_mutex_unlock(&m->lock);
    nv_hotplug_board_up(m, b);
}

void nv_machine_drop_board(NvMachine *m)
{
    nv_hotplug_board_down(m, m->board);
    g_mutex_lock(&m->lock);
    m->board = NULL;
    g_mutex_unlock(&m->lock);
}
