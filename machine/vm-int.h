/*
 * machine/vm-int.h — the machine object's fields, shared by the files that
 * make it up: vm.c (boots, the loop, the run state) and hotplug.c (DIMMs
 * and backends added and removed while it runs). Not for other callers:
 * they use vm.h and hotplug.h.
 */
#ifndef NVEMU_VM_INT_H
#define NVEMU_VM_INT_H

#include "hotplug.h"
#include "memhp.h"
#include "vm.h"

struct NvMachine {
    NvConfig *cfg;
    GMainContext *ctx;
    GMainLoop *loop;      /* the current boot's, or NULL */
    GMutex lock;          /* the coarse lock: board, vm, state, devices */
    NvBoard *board;       /* the current boot's, or NULL */
    NvVm *vm;             /* the current boot's, or NULL */
    NvPark *park;
    NvSlots slots;
    NvRunState state;
    gint quit;
    char *unbacked;       /* the loop's finding, or NULL */
    GSource *console;
    /* hotplug.c: */
    gint boot_gen;        /* bumped for every board: stale guest events */
    NvHotplugEvents events;
    NvMemhpOps memhp_ops; /* what the board's controller calls */
    uint32_t *ost_event;  /* each slot's last _OST (event, status) */
    uint32_t *ost_status;
    gint *eject_queued;   /* ejects of the slot waiting for the loop */
};

/* hotplug.c: the board's memory hotplug ops while @m->board runs (set by
 * nv_machine_boot()), and the machine's hotplug state freed. */
void nv_hotplug_board_up(NvMachine *m, NvBoard *b);
void nv_hotplug_board_down(NvMachine *m, NvBoard *b);
void nv_hotplug_init(NvMachine *m);
void nv_hotplug_free(NvMachine *m);
/* An error (true) when the machine has shut down: @who can do nothing. */
bool nv_hotplug_refused(NvMachine *m, const char *who, GError **errp);
/* Park the vCPUs while cfg or the guest's view changes; false (nothing
 * to resume) when no guest runs. */
bool nv_hotplug_pause(NvMachine *m);

#endif
