/*
 * machine/cmdline-qemu.c — options QEMU users' scripts pass, accepted where
 * they have an obvious meaning on nvemu and refused with one line where
 * they do not (README "QEMU options nvemu accepts"; nvemu --help):
 *
 *   -accel kvm, -cpu host|max, -name, -display/-vga/-net/-nic/-monitor
 *   none, -nodefaults, -no-user-config, -no-hpet, -serial, -daemonize,
 *   -D FILE, -rtc base=utc, -boot (ignored: direct kernel boot).
 *
 * Also the files these options make nvemu write (-serial file:, -D).
 */
#include "cmdline-qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool only_none(const char *arg, const char *what, GError **errp)
{
    if (strcmp(arg, "none")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu has no %s: only 'none' is accepted", what);
        return false;
    }
    return true;
}

static bool opt_display(NvConfig *c, const char *a, GError **e)
{
    (void)c;
    return only_none(a, "display", e);
}

static bool opt_vga(NvConfig *c, const char *a, GError **e)
{
    (void)c;
    return only_none(a, "graphics card", e);
}

static bool opt_net(NvConfig *c, const char *a, GError **e)
{
    (void)c;
    return only_none(a, "network device", e);
}

static bool opt_monitor(NvConfig *c, const char *a, GError **e)
{
    (void)c;
    if (strcmp(a, "none")) {
        g_set_error(e, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu has no human monitor: only 'none' is accepted "
                    "(for QMP use -qmp)");
        return false;
    }
    return true;
}

/* -accel kvm[,kernel-irqchip=on]; -accel tcg and the rest are refused. */
static bool opt_accel(NvConfig *c, const char *arg, GError **errp)
{
    (void)c;
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "accel", errp);
    if (!o) {
        return false;
    }
    const char *accel = nv_opts_get(o, "accel");
    if (g_strcmp0(accel, "kvm")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nvemu runs on KVM only (use -accel kvm)");
        return false;
    }
    const char *irqchip = nv_opts_get(o, "kernel-irqchip");
    if (irqchip && strcmp(irqchip, "on")) {
        g_autofree char *q = nv_quote(irqchip);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "kernel-irqchip=%s: nvemu always uses KVM's in-kernel "
                    "irqchip (on)", q);
        return false;
    }
    return nv_opts_check_unused(o, errp);
}

/* The guest's CPUID is KVM_GET_SUPPORTED_CPUID (machine/kvm.c): that is
 * QEMU's -cpu host (and max, on KVM), and nothing else. */
static bool opt_cpu(NvConfig *c, const char *arg, GError **errp)
{
    (void)c;
    if (strchr(arg, ',')) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "CPU features cannot be changed: the guest gets every "
                    "feature KVM supports on this host (use -cpu host)");
        return false;
    }
    if (strcmp(arg, "host") && strcmp(arg, "max")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "named CPU models are not emulated: the guest gets the "
                    "host CPU as KVM offers it (use -cpu host or max)");
        return false;
    }
    return true;
}

/* -name [guest=]NAME[,process=P][,debug-threads=on|off] */
static bool opt_name(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "guest", errp);
    bool debug_threads = false; /* accepted; nvemu's threads keep the name */
    if (o && !*arg) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "an empty name");
        return false;
    }
    if (!o || !nv_opts_get_bool(o, "debug-threads", &debug_threads, errp)) {
        return false;
    }
    const char *guest = nv_opts_get(o, "guest");
    const char *process = nv_opts_get(o, "process");
    if (!nv_opts_check_unused(o, errp)) {
        return false;
    }
    if ((guest && !*guest) || (process && !*process)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "an empty name");
        return false;
    }
    if (guest) {
        g_free(cfg->name);
        cfg->name = g_strdup(guest);
    }
    if (process) {
        g_free(cfg->process_name);
        cfg->process_name = g_strdup(process);
    }
    return true;
}

/* nvemu has one COM1: -serial stdio|mon:stdio|none|null|file:PATH, once. */
static bool opt_serial(NvConfig *cfg, const char *arg, GError **errp)
{
    if (cfg->serial_given) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "nvemu has one serial port (COM1): give -serial once");
        return false;
    }
    cfg->serial_given = true;
    if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio")) {
        cfg->serial = NV_SERIAL_STDIO;
    } else if (!strcmp(arg, "none") || !strcmp(arg, "null")) {
        cfg->serial = NV_SERIAL_NONE;
    } else if (g_str_has_prefix(arg, "file:") && arg[5]) {
        cfg->serial = NV_SERIAL_FILE;
        g_free(cfg->serial_file.path);
        cfg->serial_file.path = g_strdup(arg + 5);
    } else {
        g_autofree char *q = nv_quote(arg);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "'%s' is not supported (use stdio, mon:stdio, file:PATH, "
                    "null or none)", q);
        return false;
    }
    return true;
}

static bool opt_log_file(NvConfig *cfg, const char *arg, GError **errp)
{
    if (!*arg) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "an empty file name");
        return false;
    }
    g_free(cfg->log_file.path);
    cfg->log_file.path = g_strdup(arg);
    return true;
}

/* nvemu's CMOS RTC counts host UTC time (devices/rtc.c) and raises no
 * interrupt: base=utc, clock=host and driftfix=none say just that. */
static bool opt_rtc(NvConfig *c, const char *arg, GError **errp)
{
    (void)c;
    g_autoptr(NvOpts) o = nv_opts_parse(arg, NULL, errp);
    if (!o) {
        return false;
    }
    static const struct {
        const char *key, *value, *why;
    } keys[] = {
        { "base", "utc", "the RTC keeps UTC (localtime or a start date is "
          "not supported)" },
        { "clock", "host", "the RTC follows the host's clock" },
        { "driftfix", "none", "the RTC raises no interrupts to slew" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        const char *v = nv_opts_get(o, keys[i].key);
        if (v && strcmp(v, keys[i].value)) {
            g_autofree char *q = nv_quote(v);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s=%s: only %s=%s: %s", keys[i].key, q, keys[i].key,
                        keys[i].value, keys[i].why);
            return false;
        }
    }
    return nv_opts_check_unused(o, errp);
}

/* -boot: the firmware's boot order. nvemu boots -kernel directly, with no
 * firmware: the keys are checked and have no effect. */
static bool opt_boot(NvConfig *c, const char *arg, GError **errp)
{
    (void)c;
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "order", errp);
    bool b = false;
    uint64_t ms = 0;
    if (!o || !nv_opts_get_bool(o, "menu", &b, errp) ||
        !nv_opts_get_bool(o, "strict", &b, errp) ||
        !nv_opts_get_uint(o, "splash-time", UINT32_MAX, &ms, NULL, errp) ||
        !nv_opts_get_uint(o, "reboot-timeout", UINT32_MAX, &ms, NULL, errp)) {
        return false;
    }
    const char *drives[] = { nv_opts_get(o, "order"), nv_opts_get(o, "once") };
    for (size_t i = 0; i < G_N_ELEMENTS(drives); i++) {
        const char *d = drives[i];
        if (d && (!*d || strspn(d, "abcdefghijklmnop") != strlen(d))) {
            g_autofree char *q = nv_quote(d);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s=%s: drives are letters a to p", i ? "once" :
                        "order", q);
            return false;
        }
    }
    return nv_opts_check_unused(o, errp);
}

#define FLAG(fn, field)                                              \
    static bool fn(NvConfig *c, const char *a, GError **e)           \
    {                                                                \
        (void)a, (void)e;                                            \
        c->field = true;                                             \
        return true;                                                 \
    }
FLAG(opt_nodefaults, nodefaults)
FLAG(opt_daemonize, daemonize)

/* -no-user-config (nvemu reads no configuration file), -no-hpet (it has
 * no HPET): true here already. */
static bool opt_true_already(NvConfig *c, const char *a, GError **e)
{
    (void)c, (void)a, (void)e;
    return true;
}

const NvOptDef nv_qemu_options[] = {
    { "accel", true, opt_accel },
    { "cpu", true, opt_cpu },
    { "name", true, opt_name },
    { "display", true, opt_display },
    { "vga", true, opt_vga },
    { "net", true, opt_net },
    { "nic", true, opt_net },
    { "monitor", true, opt_monitor },
    { "serial", true, opt_serial },
    { "D", true, opt_log_file },
    { "rtc", true, opt_rtc },
    { "boot", true, opt_boot },
    { "nodefaults", false, opt_nodefaults },
    { "daemonize", false, opt_daemonize },
    { "no-user-config", false, opt_true_already },
    { "no-hpet", false, opt_true_already },
};
const size_t nv_qemu_options_len = G_N_ELEMENTS(nv_qemu_options);

bool nv_qemu_options_finish(NvConfig *cfg, GError **errp)
{
    if (cfg->daemonize && cfg->nographic) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-daemonize cannot be used with -nographic (use -serial "
                    "file:PATH or none)");
        return false;
    }
    if (cfg->daemonize && cfg->serial_given &&
        cfg->serial == NV_SERIAL_STDIO) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-daemonize cannot be used with -serial stdio (use "
                    "-serial file:PATH or none)");
        return false;
    }
    /* As QEMU: without -serial, -nodefaults leaves no console, and a
     * daemon has no terminal for one. */
    if ((cfg->nodefaults || cfg->daemonize) && !cfg->serial_given) {
        cfg->serial = NV_SERIAL_NONE;
    }
    return true;
}

/* ---- the files these options write ------------------------------------- */

static FILE *debug_log; /* -D: the open log, else NULL */

FILE *nv_debug_log(void)
{
    return debug_log ? debug_log : stderr;
}

static void out_close(NvOutFile *f)
{
    if (debug_log && f->fd >= 0 && fileno(debug_log) == f->fd) {
        fclose(debug_log);
        debug_log = NULL;
    } else if (f->fd >= 0) {
        close(f->fd);
    }
    f->fd = -1;
}

void nv_out_file_free(NvOutFile *f)
{
    out_close(f);
    g_clear_pointer(&f->path, g_free);
}

static void out_remove_created(NvOutFile *f)
{
    out_close(f);
    if (!f->created) {
        return;
    }
    f->created = false;
    struct stat st; /* still the file this start made? */
    if (lstat(f->path, &st) == 0 && st.st_dev == f->dev &&
        st.st_ino == f->ino) {
        unlink(f->path);
    }
}

void nv_config_remove_outputs(NvConfig *cfg)
{
    out_remove_created(&cfg->serial_file);
    out_remove_created(&cfg->log_file);
}

/* Open for writing; create (and remember so) if missing. Never truncates:
 * -serial file: truncates later, once the guest runs. O_NONBLOCK: a FIFO
 * without a reader is an error, not a hang. */
static bool out_open(NvOutFile *f, const char *opt, int flags, GError **errp)
{
    flags |= O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    f->created = true;
    f->fd = open(f->path, flags | O_CREAT | O_EXCL, 0666);
    if (f->fd < 0 && errno == EEXIST) {
        f->created = false;
        f->fd = open(f->path, flags);
    }
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) < 0 ||
        fcntl(f->fd, F_SETFL, flags & O_APPEND) < 0) {
        int err = errno;
        g_autofree char *q = nv_quote(f->path);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s%s: %s", opt, q,
                    g_strerror(err));
        if (f->fd < 0) {
            f->created = false;
        }
        return false;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return true;
}

bool nv_config_open_outputs(NvConfig *cfg, GError **errp)
{
    if (cfg->serial == NV_SERIAL_FILE && cfg->serial_file.fd < 0 &&
        !out_open(&cfg->serial_file, "-serial file:", 0, errp)) {
        nv_config_remove_outputs(cfg);
        return false;
    }
    /* The -d log appends: an existing file is never truncated. */
    if (cfg->log_file.path && cfg->log_file.fd < 0) {
        if (!out_open(&cfg->log_file, "-D ", O_APPEND, errp)) {
            nv_config_remove_outputs(cfg);
            return false;
        }
        debug_log = fdopen(cfg->log_file.fd, "a");
        if (!debug_log) {
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "-D: %s",
                        g_strerror(errno));
            nv_config_remove_outputs(cfg);
            return false;
        }
        setvbuf(debug_log, NULL, _IOLBF, 0);
    }
    return true;
}

void nv_config_outputs_started(NvConfig *cfg)
{
    static bool done;
    NvOutFile *f = &cfg->serial_file;
    struct stat st;
    if (done || f->fd < 0 || f->created) {
        done = true;
        return;
    }
    done = true;
    if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) &&
        ftruncate(f->fd, 0) < 0) {
        g_autofree char *q = nv_quote(f->path);
        fprintf(stderr, "nvemu: warning: -serial file:%s: %s\n", q,
                g_strerror(errno));
    }
}
