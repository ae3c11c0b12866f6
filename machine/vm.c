/*
 * machine/vm.c — the machine object (vm.h): one per nvemu run, owning the
 * current boot's board and KVM VM, the vCPU parking, the KVM slot ids, the
 * run state and the main thread's event loop.
 *
 * The event loop (a GMainLoop on the machine's own GMainContext) runs on
 * the main thread while a guest runs. Its sources: the power device's
 * eventfd (power-off, reset, a fatal vCPU error), the stop-signal eventfd
 * (signals.c), a once-a-second check for a backing file system that
 * filled up, the console's stdin, and later the monitor's sockets.
 */
#include "vm-int.h"
#include "acpi.h"
#include "boot.h"
#include "daemonize.h"
#include "signals.h"
#include "ged.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <unistd.h>

/*
 * How often the loop looks for a backend whose file system filled up.
 * A guest store to a hole that the host cannot back never reaches KVM_RUN
 * as EFAULT while the guest has interrupts on: KVM turns the failed fault
 * into a host-side async page fault (an "artificial halt" when the guest
 * has no PV async PF), which fails and is retried for ever. Measured in
 * the test host (Linux 6.1), user- and kernel-mode stores: the guest hung
 * until killed, also with KVM_FEATURE_ASYNC_PF, _INT and _VMEXIT cleared
 * from the guest's CPUID. So nvemu watches the file systems instead.
 */
#define UNBACKED_CHECK_MS 1000


const char *nv_run_state_name(NvRunState s)
{
    switch (s) {
    case NV_RUN_PRELAUNCH:
        return "prelaunch";
    case NV_RUN_RUNNING:
        return "running";
    case NV_RUN_PAUSED:
        return "paused";
    case NV_RUN_SHUTDOWN:
        return "shutdown";
    }
    return "unknown";
}

NvMachine *nv_machine_new(NvConfig *cfg)
{
    NvMachine *m = g_new0(NvMachine, 1);
    m->cfg = cfg;
    m->ctx = g_main_context_new();
    g_main_context_push_thread_default(m->ctx);
    g_mutex_init(&m->lock);
    m->park = nv_park_new(cfg->smp);
    nv_slots_init(&m->slots, NV_SLOTS_MAX);
    m->state = NV_RUN_PRELAUNCH;
    nv_hotplug_init(m);
    return m;
}

void nv_machine_free(NvMachine *m)
{
    if (!m) {
        return;
    }
    if (m->console) {
        g_source_destroy(m->console);
        g_source_unref(m->console);
    }
    g_main_context_pop_thread_default(m->ctx);
    g_main_context_unref(m->ctx);
    nv_park_free(m->park);
    nv_hotplug_free(m);
    g_mutex_clear(&m->lock);
    g_free(m->unbacked);
    g_free(m);
}

GMainContext *nv_machine_context(NvMachine *m)
{
    return m->ctx;
}

void nv_machine_lock(NvMachine *m)
{
    g_mutex_lock(&m->lock);
}

void nv_machine_unlock(NvMachine *m)
{
    g_mutex_unlock(&m->lock);
}

/* ---- the console: stdin to the guest's COM1 ---------------------------- */

static gboolean console_in(gint fd, GIOCondition cond, gpointer opaque)
{
    NvMachine *m = opaque;
    uint8_t buf[256];
    (void)cond;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        return G_SOURCE_REMOVE; /* no input (CI runs with none) */
    }
    g_mutex_lock(&m->lock);
    if (m->board) {
        nv_serial_receive(m->board->serial, buf, (size_t)n);
    }
    g_mutex_unlock(&m->lock);
    return G_SOURCE_CONTINUE;
}

void nv_machine_attach_console(NvMachine *m)
{
    if (m->console || fcntl(STDIN_FILENO, F_GETFD) < 0) {
        return; /* stdin closed: no fd to poll */
    }
    m->console = g_unix_fd_source_new(STDIN_FILENO,
                                      G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(m->console, G_SOURCE_FUNC(console_in), m, NULL);
    g_source_attach(m->console, m->ctx);
}

/* ---- the loop of one boot ---------------------------------------------- */

static gboolean wake_fd(gint fd, GIOCondition cond, gpointer opaque)
{
    NvMachine *m = opaque;
    (void)fd;
    (void)cond;
    g_main_loop_quit(m->loop); /* the fd stays readable: quit at once */
    return G_SOURCE_CONTINUE;
}

static gboolean check_unbacked(gpointer opaque)
{
    NvMachine *m = opaque;
    if (!m->unbacked && (m->unbacked = nv_config_unbacked(m->cfg, false))) {
        g_main_loop_quit(m->loop);
    }
    return G_SOURCE_CONTINUE;
}

static GSource *add_fd(NvMachine *m, int fd)
{
    if (fd < 0) {
        return NULL;
    }
    GSource *s = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(s, G_SOURCE_FUNC(wake_fd), m, NULL);
    g_source_attach(s, m->ctx);
    return s;
}

static void drop_source(GSource *s)
{
    if (s) {
        g_source_destroy(s);
        g_source_unref(s);
    }
}

/* Wait for power-off, reset, a fatal vCPU error, a stop signal or quit;
 * once a second, look for a backend the host can no longer back. */
static void run_loop(NvMachine *m)
{
    GSource *power = add_fd(m, nv_power_fd(m->board->power));
    GSource *sig = add_fd(m, nv_signals_fd());
    GSource *tick = g_timeout_source_new(UNBACKED_CHECK_MS);
    g_source_set_callback(tick, check_unbacked, m, NULL);
    g_source_attach(tick, m->ctx);
    if (!g_atomic_int_get(&m->quit)) {
        g_main_loop_run(m->loop);
    }
    drop_source(power);
    drop_source(sig);
    drop_source(tick);
}

NvPowerRequest nv_machine_boot(NvMachine *m, bool *ran, GError **errp)
{
    NvConfig *cfg = m->cfg;
    nv_time_mark("boot");
    g_autoptr(NvBoard) board = nv_board_new(cfg, errp);
    nv_time_mark("board-ready");
    NvBootInfo boot;
    if (board) {
        for (guint i = 0; i < cfg->dimms->len; i++) {
            NvDimm *d = g_ptr_array_index(cfg->dimms, i);
            nv_signals_watch_dimm(d); /* a SIGBUS names it */
        }
    }
    if (!board || !nv_board_install_acpi(board, errp) ||
        !nv_boot_linux(board, cfg->kernel, cfg->initrd, cfg->append,
                       NV_ACPI_RSDP_ADDR, &boot, errp)) {
        return NV_POWER_NONE;
    }
    *ran = true;
    nv_hotplug_board_up(m, board); /* the guest's _OST and eject reach us */
    nv_time_mark("kernel-loaded");
    nv_config_outputs_started(cfg); /* -serial file: truncates now */
    nv_daemon_ready();               /* -daemonize: the parent exits 0 */
    NvVm *vm = nv_vm_start(board, &boot, m->park, &m->slots, errp);
    if (!vm) {
        nv_hotplug_board_down(m, board);
        return NV_POWER_NONE;
    }
    g_mutex_lock(&m->lock);
    m->board = board;
    m->vm = vm;
    m->loop = g_main_loop_new(m->ctx, FALSE);
    m->state = NV_RUN_RUNNING;
    g_mutex_unlock(&m->lock);
    nv_time_mark("vcpus-started");

    run_loop(m);

    nv_time_mark("guest-stopped");
    nv_vm_stop(vm);
    NvPowerRequest result = NV_POWER_NONE;
    if (m->unbacked) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", m->unbacked);
        g_clear_pointer(&m->unbacked, g_free);
    } else if (nv_vm_error(vm)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", nv_vm_error(vm));
    } else if (nv_signals_caught()) {
        result = NV_POWER_SIGNAL;
    } else if (g_atomic_int_get(&m->quit)) {
        result = NV_POWER_QUIT;
    } else {
        result = nv_power_request(board->power);
    }
    g_mutex_lock(&m->lock);
    if (result != NV_POWER_RESET) {
        m->state = NV_RUN_SHUTDOWN;
    }
    m->board = NULL;
    m->vm = NULL;
    g_clear_pointer(&m->loop, g_main_loop_unref);
    g_mutex_unlock(&m->lock);
    nv_vm_free(vm);                   /* no vCPU calls the ops any more */
    nv_hotplug_board_down(m, board);
    nv_time_mark("vm-freed");
    return result;
}

/* ---- the monitor's API --------------------------------------------------- */

void nv_machine_pause(NvMachine *m)
{
    nv_park_pause(m->park);
}

void nv_machine_resume(NvMachine *m)
{
    nv_park_resume(m->park);
}

bool nv_machine_request_reset(NvMachine *m)
{
    g_mutex_lock(&m->lock);
    bool ok = m->board != NULL;
    if (ok) {
        nv_power_latch(m->board->power, NV_POWER_RESET);
    }
    g_mutex_unlock(&m->lock);
    return ok;
}

bool nv_machine_request_powerdown(NvMachine *m)
{
    /* Under the coarse lock the board cannot go away; the GED takes only
     * its own lock and the board's irq lock, never this one. */
    g_mutex_lock(&m->lock);
    bool ok = m->board != NULL;
    if (ok) {
        nv_ged_raise(m->board->ged, NV_GED_EVENT_POWERDOWN);
    }
    g_mutex_unlock(&m->lock);
    return ok;
}

void nv_machine_quit(NvMachine *m)
{
    g_mutex_lock(&m->lock);
    g_atomic_int_set(&m->quit, 1);
    if (m->board) {
        /* readable power fd: the loop ends even if it has not started
         * running yet (a quit from another thread) */
        nv_power_wake(m->board->power);
    }
    if (m->loop) {
        g_main_loop_quit(m->loop);
    }
    g_mutex_unlock(&m->lock);
}

NvRunState nv_machine_status(NvMachine *m)
{
    g_mutex_lock(&m->lock);
    NvRunState s = m->state;
    g_mutex_unlock(&m->lock);
    if (s == NV_RUN_RUNNING && nv_park_paused(m->park)) {
        s = NV_RUN_PAUSED;
    }
    return s;
}

GArray *nv_machine_vcpu_tids(NvMachine *m)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(int));
    g_mutex_lock(&m->lock);
    for (unsigned i = 0; m->vm && i < m->cfg->smp; i++) {
        int tid = nv_vm_vcpu_tid(m->vm, i);
        g_array_append_val(a, tid);
    }
    g_mutex_unlock(&m->lock);
    return a;
}

uint64_t nv_machine_ram_size(NvMachine *m)
{
    return m->cfg->board.ram_size;
}

GPtrArray *nv_machine_dimms(NvMachine *m)
{
    return m->cfg->dimms;
}
