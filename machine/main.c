/*
 * machine/main.c — the nvemu program: parse, plan, then act (print the
 * memory map, dump the ACPI tables, or boot the guest until it powers off).
 */
#include "machine.h"
#include "monitor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

static int fail(GError *err)
{
    fprintf(stderr, "nvemu: %s\n", err->message);
    return 1;
}

/* Flush every DIMM to its file before saying goodbye. */
static void sync_dimms(NvConfig *cfg)
{
    for (guint i = 0; i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        g_autoptr(GError) err = NULL;
        if (d->memdev->addr &&
            !nv_hostmem_persist(d->memdev, 0, d->memdev->size, &err)) {
            fprintf(stderr, "nvemu: warning: %s: %s\n", d->name, err->message);
        }
    }
}

/* A clean end (poweroff, quit, a stop signal, a boot that never ran):
 * each NVDIMM's state file, if any, says so, and the next start counts no
 * unsafe shutdown. Other ends (a fatal vCPU error after the guest ran,
 * SIGKILL) leave it RUNNING: an unsafe shutdown at the next start. */
static void stop_dimms(NvConfig *cfg)
{
    for (guint i = 0; i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        g_autoptr(GError) err = NULL;
        if (d->kind == NV_DIMM_NVDIMM && !nv_dimm_stop(d, &err)) {
            fprintf(stderr, "nvemu: warning: %s\n", err->message);
        }
    }
}

/* Boot until the guest powers off (or resets, with -no-reboot), quit, a
 * stop signal or an error; the monitor sends the event of each end. */
static int run_boots(NvConfig *cfg, NvMachine *machine, NvMonitor *mon)
{
    g_autoptr(GError) err = NULL;
    bool ran = false;
    for (;;) {
        NvPowerRequest r = nv_machine_boot(machine, &ran, &err);
        if (r == NV_POWER_NONE) {
            /* Failed before the guest ran: leave no file of ours behind. */
            if (ran) {
                sync_dimms(cfg);
            } else {
                stop_dimms(cfg);
                nv_config_remove_created(cfg);
            }
            return fail(err);
        }
        if (r == NV_POWER_SIGNAL) {
            /* As QEMU, but not 0: a script can tell it from a poweroff. */
            g_autofree char *msg = nv_signals_message();
            fprintf(stderr, "nvemu: %s\n", msg);
            sync_dimms(cfg);
            stop_dimms(cfg);
            nv_monitor_boot_ended(mon, r);
            return 128 + nv_signals_caught();
        }
        if (r == NV_POWER_OFF || r == NV_POWER_QUIT || cfg->no_reboot) {
            sync_dimms(cfg);
            stop_dimms(cfg);
            nv_monitor_boot_ended(mon, r);
            return 0;
        }
        nv_monitor_boot_ended(mon, r);
        fprintf(stderr, "nvemu: the guest reset: booting it again\n");
    }
}

static int run_guest(NvConfig *cfg)
{
    g_autoptr(GError) err = NULL;
    if (!cfg->kernel) {
        fprintf(stderr, "nvemu: -kernel is required to boot a guest (or use "
                "--print-memory-map or --dump-acpi DIR)\n");
        return 1;
    }
    /* Files are created and mapped by the first boot's nv_board_new().
     * SIGTERM, SIGINT, SIGHUP stop the guest from now on. */
    if (!nv_signals_init(&err) || !nv_kvm_probe(&err)) {
        return fail(err);
    }
    /* -serial file:, -D; with -daemonize also the backends, so the parent
     * forks only once every file exists. */
    if (!nv_config_open_outputs(cfg, &err) ||
        (cfg->daemonize && (!nv_config_realize(cfg, &err) ||
                            !nv_daemon_start(&err)))) {
        nv_config_remove_created(cfg);
        return fail(err);
    }
    if (cfg->process_name) {
        /* -name process=P: what ps -o comm and top show (15 bytes) */
        prctl(PR_SET_NAME, cfg->process_name, 0, 0, 0);
    }
    /* A closed stdout (nvemu | head) must not kill nvemu before it has
     * flushed the DIMMs: the serial sees EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    g_autoptr(NvMachine) machine = nv_machine_new(cfg);
    /* The monitor (only with -qmp) and -pidfile, after -daemonize forked:
     * both exist once the parent has exited 0. */
    NvMonitor *mon = cfg->qmp->len ? nv_monitor_new(machine, cfg) : NULL;
    if ((mon && !nv_monitor_listen(mon, cfg->qmp, &err)) ||
        (cfg->pidfile && !nv_pidfile_write(cfg->pidfile, &err))) {
        nv_monitor_free(mon); /* removes the sockets it created */
        nv_config_remove_created(cfg);
        return fail(err);
    }
    if (cfg->serial == NV_SERIAL_STDIO) {
        nv_tty_raw();
        nv_machine_attach_console(machine);
    }
    int rc = run_boots(cfg, machine, mon);
    nv_monitor_free(mon); /* sends what is left (SHUTDOWN), closes */
    if (cfg->pidfile) {
        nv_pidfile_remove(cfg->pidfile);
    }
    nv_time_mark("exiting");
    return rc;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) cfg = nv_config_parse(argc, argv, &err);

    if (!cfg) {
        return fail(err);
    }
    if (cfg->help) {
        nv_config_print_usage(stdout);
        return 0;
    }
    if (cfg->version) {
        printf("nvemu %s\n", NVEMU_VERSION);
        return 0;
    }
    if (cfg->check_kvm) {
        if (!nv_kvm_probe(&err)) {
            return fail(err);
        }
        printf("nvemu: /dev/kvm can boot a Linux guest\n");
        return 0;
    }
    nv_time_mark("parsed");
    if (!nv_config_plan(cfg, &err)) {
        return fail(err);
    }
    nv_time_mark("planned");
    if (cfg->print_memory_map) {
        nv_config_print_memory_map(cfg, stdout);
        return 0;
    }
    if (cfg->dump_acpi) {
        return nv_config_dump_acpi(cfg, cfg->dump_acpi, &err) ? 0 : fail(err);
    }
    return run_guest(cfg);
}
