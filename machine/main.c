/*
 * machine/main.c — the nvemu program: parse, plan, then act (print the
 * memory map, dump the ACPI tables, or boot the guest until it powers off).
 */
#include "machine.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

static int fail(GError *err)
{
    fprintf(stderr, "nvemu: %s\n", err->message);
    return 1;
}

/* ---- the console: stdin to the guest's COM1 ---------------------------- */

static G_LOCK_DEFINE(console);
static NvSerial *console_serial; /* the current boot's COM1, under the lock */
static void *console_thread(void *opaque)
{
    (void)opaque;
    uint8_t buf[256];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL; /* no input (CI runs with none): nothing to do */
        }
        G_LOCK(console);
        if (console_serial) {
            nv_serial_receive(console_serial, buf, (size_t)n);
        }
        G_UNLOCK(console);
    }
}

/* ---- booting ----------------------------------------------------------- */

/* One boot: a fresh board (RAM, devices), tables, kernel, run. *ran is
 * set once the guest is about to run. */
static NvPowerRequest boot_once(NvConfig *cfg, bool *ran, GError **errp)
{
    g_autoptr(NvBoard) board = nv_board_new(cfg, errp);
    NvBootInfo boot;
    if (board) {
        for (guint i = 0; i < cfg->dimms->len; i++) {
            NvDimm *d = g_ptr_array_index(cfg->dimms, i);
            nv_signals_watch(d->memdev, NULL); /* a SIGBUS names it */
            if (d->label_mem) {
                g_autofree char *n = g_strdup_printf(
                    "%s: label-file (%s)", d->name, d->label_file);
                nv_signals_watch(d->label_mem, n);
            }
        }
    }
    if (!board || !nv_board_install_acpi(board, errp) ||
        !nv_boot_linux(board, cfg->kernel, cfg->initrd, cfg->append,
                       NV_ACPI_RSDP_ADDR, &boot, errp)) {
        return NV_POWER_NONE;
    }
    G_LOCK(console);
    console_serial = board->serial;
    G_UNLOCK(console);
    *ran = true;
    nv_config_outputs_started(cfg); /* -serial file: truncates now */
    nv_daemon_ready();               /* -daemonize: the parent exits 0 */
    NvPowerRequest r = nv_vm_run(board, &boot, errp);
    G_LOCK(console);
    console_serial = NULL;
    G_UNLOCK(console);
    return r;
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
    if (cfg->serial == NV_SERIAL_STDIO) {
        pthread_t t;
        nv_tty_raw();
        if (pthread_create(&t, NULL, console_thread, NULL) == 0) {
            pthread_detach(t);
        }
    }
    bool ran = false;
    for (;;) {
        NvPowerRequest r = boot_once(cfg, &ran, &err);
        if (r == NV_POWER_NONE) {
            /* Failed before the guest ran: leave no file of ours behind. */
            if (ran) {
                sync_dimms(cfg);
            } else {
                nv_config_remove_created(cfg);
            }
            return fail(err);
        }
        if (r == NV_POWER_SIGNAL) {
            /* As QEMU, but not 0: a script can tell it from a poweroff. */
            g_autofree char *msg = nv_signals_message();
            fprintf(stderr, "nvemu: %s\n", msg);
            sync_dimms(cfg);
            return 128 + nv_signals_caught();
        }
        if (r == NV_POWER_OFF || cfg->no_reboot) {
            sync_dimms(cfg);
            return 0;
        }
        fprintf(stderr, "nvemu: the guest reset: booting it again\n");
    }
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
    if (!nv_config_plan(cfg, &err)) {
        return fail(err);
    }
    if (cfg->print_memory_map) {
        nv_config_print_memory_map(cfg, stdout);
        return 0;
    }
    if (cfg->dump_acpi) {
        return nv_config_dump_acpi(cfg, cfg->dump_acpi, &err) ? 0 : fail(err);
    }
    return run_guest(cfg);
}
