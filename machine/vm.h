/*
 * machine/vm.h — the long-lived machine object (vm.c) and what it is made
 * of below KVM: vCPU parking (park.c) and the KVM memory-slot allocator
 * (slots.c). These need no /dev/kvm and are unit-tested directly; kvm.c
 * uses them.
 *
 * One NvMachine lives for a whole nvemu run (main.c). Each boot builds a
 * fresh board (RAM, devices) and a fresh KVM VM, owned by the machine
 * while it runs; a guest reset tears both down and builds them again, as
 * nvemu always did (QEMU keeps its VM and resets devices and CPUs; doing
 * so here would need every device's reset, for no user-visible gain yet).
 * What must survive a reset lives in the machine: the run state, a pause
 * requested by the monitor, the main-loop context and its sources.
 */
#ifndef NVEMU_VM_H
#define NVEMU_VM_H

#include "boot.h"

/* ---- vCPU parking (park.c) ------------------------------------------- */
/*
 * How every vCPU is brought out of KVM_RUN and held, then let go: the
 * primitive for changing memory slots or the bus under a running guest,
 * and for the monitor's stop/cont. Each vCPU thread calls
 * nv_park_thread_start() once, nv_park_checkpoint() before every
 * KVM_RUN, and nv_park_thread_exit() when it leaves its loop.
 * nv_park_pause() sets a pause and calls @kick for each vCPU not yet
 * parked (kvm.c: immediate_exit = 1 and the kick signal, so KVM_RUN
 * returns at once), then waits until every live vCPU is parked in its
 * checkpoint. Pauses nest: vCPUs run again when each pause was resumed.
 * A pause outlives the vCPU threads (a reset's next boot starts parked).
 */
typedef void (*NvKickFn)(void *opaque, unsigned index);
typedef struct NvPark NvPark;

NvPark *nv_park_new(unsigned nvcpus);
void nv_park_free(NvPark *p);
/* Where kicks go (NULL: nowhere); set while no pause is being taken. */
void nv_park_set_kick(NvPark *p, NvKickFn kick, void *opaque);
void nv_park_thread_start(NvPark *p, unsigned index);
void nv_park_thread_exit(NvPark *p, unsigned index);
/* Blocks while paused; false once nv_park_release() was called: leave. */
bool nv_park_checkpoint(NvPark *p, unsigned index);
/* Returns when every live vCPU is parked (at once if none runs). */
void nv_park_pause(NvPark *p);
void nv_park_resume(NvPark *p);
bool nv_park_paused(NvPark *p);
/* Let parked vCPUs leave their loop (the VM is being torn down); until
 * nv_park_rearm(), checkpoints return false. The pause count stays. */
void nv_park_release(NvPark *p);
void nv_park_rearm(NvPark *p);

/* ---- KVM memory-slot ids (slots.c) ----------------------------------- */

#define NV_SLOTS_MAX 512
typedef struct {
    unsigned limit;                       /* KVM_CAP_NR_MEMSLOTS, capped */
    uint64_t used[NV_SLOTS_MAX / 64];
    uint64_t gpa[NV_SLOTS_MAX];           /* where each id in use maps */
} NvSlots;

void nv_slots_init(NvSlots *s, unsigned limit);
/* The lowest free id (now mapping @gpa), or -1 when all @limit are in
 * use. */
int nv_slots_alloc(NvSlots *s, uint64_t gpa);
void nv_slots_free(NvSlots *s, unsigned id);
/* The id in use that maps @gpa, or -1. */
int nv_slots_find(const NvSlots *s, uint64_t gpa);
unsigned nv_slots_in_use(const NvSlots *s);

/* ---- the KVM VM of one boot (kvm.c) ----------------------------------- */

typedef struct NvVm NvVm;
/* Create the VM (memory slots from @slots, irqchip, PIT), its vCPUs
 * (parked through @park) and start their threads. */
NvVm *nv_vm_start(NvBoard *board, const NvBootInfo *boot, NvPark *park,
                  NvSlots *slots, GError **errp);
/* Every vCPU out of KVM_RUN and joined. Idempotent. */
void nv_vm_stop(NvVm *vm);
/* The first fatal vCPU error (a message), or NULL. */
const char *nv_vm_error(NvVm *vm);
/* vCPU @i's thread id (gettid()), or 0 before its thread ran. */
int nv_vm_vcpu_tid(NvVm *vm, unsigned i);
/* A hot-added DIMM's memory slot: [gpa, gpa+size) backed by @hva, and
 * its removal (the slot that maps @gpa). Only with every vCPU parked
 * (nv_park_pause()): KVM must not see a slot change under a running
 * vCPU that nvemu's bus or DSM might be serving. */
bool nv_vm_map(NvVm *vm, uint64_t gpa, uint64_t size, void *hva,
               bool readonly, GError **errp);
bool nv_vm_unmap(NvVm *vm, uint64_t gpa, GError **errp);
void nv_vm_free(NvVm *vm);

/* ---- the machine (vm.c) ----------------------------------------------- */

typedef enum {
    NV_RUN_PRELAUNCH,  /* before the first boot's guest runs */
    NV_RUN_RUNNING,
    NV_RUN_PAUSED,     /* nv_machine_pause() holds the vCPUs */
    NV_RUN_SHUTDOWN,   /* powered off, stopping on a signal, or quitting */
} NvRunState;

/* QEMU's query-status names: "prelaunch", "running", "paused",
 * "shutdown". */
const char *nv_run_state_name(NvRunState s);

typedef struct NvMachine NvMachine;

/* @cfg planned; borrowed for the machine's life. */
NvMachine *nv_machine_new(NvConfig *cfg);
void nv_machine_free(NvMachine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvMachine, nv_machine_free)

/* The main thread's GMainContext (pushed as its thread default by
 * nv_machine_new()): attach monitor sockets here; the sources run on the
 * main thread while a boot runs. */
GMainContext *nv_machine_context(NvMachine *m);
/* The guest console: stdin to the current boot's COM1, a source on the
 * machine's context (none if stdin is not open). */
void nv_machine_attach_console(NvMachine *m);

/* One boot: a fresh board and VM, the guest runs until it powers off or
 * resets, a stop signal, nv_machine_quit(), a fatal vCPU error or a
 * backend the host can no longer back (NV_POWER_NONE with *errp set).
 * *ran is set once the guest is about to run. */
NvPowerRequest nv_machine_boot(NvMachine *m, bool *ran, GError **errp);

/* The coarse lock for device state a monitor command may change (and the
 * current board). Not to be held across nv_machine_pause() or
 * nv_io_unregister() (both wait for vCPUs), and no I/O handler takes it. */
void nv_machine_lock(NvMachine *m);
void nv_machine_unlock(NvMachine *m);

/* The monitor's API; call from the main thread (the monitor's sources).
 * pause: returns with every vCPU out of KVM_RUN and parked (state
 * paused); resume: the matching release. Pauses nest and survive a
 * reset. */
void nv_machine_pause(NvMachine *m);
void nv_machine_resume(NvMachine *m);
/* The guest resets as on its own reset register (a new boot, or exit 0
 * with -no-reboot). False when no guest runs. */
bool nv_machine_request_reset(NvMachine *m);
/* system_powerdown: the GED latches its power-down event and pulses its
 * interrupt; the guest's _EVT notifies its power button (ACPI 0x80) and
 * a guest that listens powers off. False when no guest runs. */
bool nv_machine_request_powerdown(NvMachine *m);
/* Stop the guest; nv_machine_boot() returns NV_POWER_QUIT and nvemu exits
 * 0 after persisting the DIMMs, as QEMU's quit. */
void nv_machine_quit(NvMachine *m);
NvRunState nv_machine_status(NvMachine *m);
/* For queries: each vCPU's thread id (empty array when no guest runs),
 * guest RAM in bytes, the DIMMs (NvDimm *, borrowed). */
GArray *nv_machine_vcpu_tids(NvMachine *m);
uint64_t nv_machine_ram_size(NvMachine *m);
GPtrArray *nv_machine_dimms(NvMachine *m);

#endif
