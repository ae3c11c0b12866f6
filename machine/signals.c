/*
 * machine/signals.c — how nvemu stops when told to from outside, what it
 * does when its own access to a backend faults, and the terminal.
 *
 *  - SIGTERM, SIGINT and SIGHUP are caught (always: a script that starts
 *    nvemu in the background has SIGINT ignored, and it must still stop on
 *    it). The handler only records the signal and its sender and makes
 *    nv_signals_fd() readable; the machine's event loop (vm.c) watches
 *    that fd beside the power fd, stops the vCPUs and returns
 *    NV_POWER_SIGNAL; main() persists the
 *    DIMMs and exits 128 + N with QEMU's line "terminating on signal N from
 *    pid P (comm)".
 *  - SIGBUS: nvemu's own load or store to a backend that the host cannot
 *    back (a hole of a sparse file on a full file system, an I/O error)
 *    prints one line naming the backend and exits 128 + SIGBUS.
 *  - The terminal: nv_tty_raw() sets stdin raw for the guest's console and
 *    every exit path restores it (atexit, the signal handlers, and a crash:
 *    SIGSEGV, SIGABRT, SIGQUIT, SIGILL, SIGFPE restore it, then take their
 *    default action).
 */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- the terminal ------------------------------------------------------ */

static struct termios saved_tty;
static volatile sig_atomic_t tty_raw;

void nv_tty_restore(void)
{
    if (tty_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty); /* async-signal-safe */
    }
}

static void crash_handler(int sig)
{
    nv_tty_restore();
    /* SA_RESETHAND made the action the default again: the signal raised
     * here is delivered as we return (a fault or a kill alike). */
    raise(sig);
}

/* Keys go to the guest as typed; Ctrl-C still stops nvemu (ISIG kept). */
void nv_tty_raw(void)
{
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0) {
        return;
    }
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
    t.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0) {
        return;
    }
    tty_raw = 1;
    atexit(nv_tty_restore);
    static const int crash[] = { SIGSEGV, SIGABRT, SIGQUIT, SIGILL, SIGFPE };
    struct sigaction sa = { .sa_handler = crash_handler,
                            .sa_flags = SA_RESETHAND };
    for (size_t i = 0; i < G_N_ELEMENTS(crash); i++) {
        sigaction(crash[i], &sa, NULL);
    }
}

/* ---- SIGTERM, SIGINT, SIGHUP --------------------------------------------- */

static int stop_fd = -1;
static atomic_int stop_signo;
static atomic_int stop_pid;
static char stop_comm[64]; /* the sender's /proc/PID/comm, read at once */

/* Read /proc/@pid/comm into stop_comm with async-signal-safe calls only:
 * in the handler, while the sender most likely still exists. */
static void read_comm(int pid)
{
    char path[32] = "/proc/", digits[12];
    int nd = 0, at = 6;
    do {
        digits[nd++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid && nd < (int)sizeof(digits));
    while (nd) {
        path[at++] = digits[--nd];
    }
    memcpy(path + at, "/comm", sizeof("/comm"));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    ssize_t n = read(fd, stop_comm, sizeof(stop_comm) - 1);
    close(fd);
    while (n > 0 && (stop_comm[n - 1] == '\n' || stop_comm[n - 1] == 0)) {
        n--;
    }
    stop_comm[n > 0 ? n : 0] = 0;
}

static void stop_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int saved = errno;
    int none = 0;
    /* The first signal wins; a second one while nvemu persists changes
     * nothing. si_pid is the sender for kill(2) (SI_USER, SI_QUEUE), 0
     * from the terminal's Ctrl-C (SI_KERNEL). */
    if (atomic_compare_exchange_strong(&stop_signo, &none, sig)) {
        int pid = si && si->si_code <= 0 ? (int)si->si_pid : 0;
        if (pid > 0) {
            read_comm(pid);
        }
        atomic_store(&stop_pid, pid);
        uint64_t one = 1;
        ssize_t n = write(stop_fd, &one, sizeof(one));
        (void)n; /* only EAGAIN at a counter near 2^64 */
    }
    errno = saved;
}

/* ---- SIGBUS on a backend ------------------------------------------------- */

typedef struct {
    uintptr_t start, end;
    char *msg;  /* "nvemu: memory-backend-file ID (PATH): " */
    int fd;     /* for fstatfs(): full file system or not */
} Watched;

static Watched *watched;
static _Atomic size_t n_watched;

static void say(const char *s)
{
    size_t len = strlen(s);
    while (len) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n <= 0) {
            return;
        }
        s += n;
        len -= (size_t)n;
    }
}

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    uintptr_t a = (uintptr_t)si->si_addr;
    size_t n = atomic_load(&n_watched);
    nv_tty_restore();
    for (size_t i = 0; i < n; i++) {
        if (a >= watched[i].start && a < watched[i].end) {
            struct statfs fs;
            bool full = fstatfs(watched[i].fd, &fs) == 0 && fs.f_blocks &&
                        fs.f_bavail == 0;
            say(watched[i].msg);
            say("nvemu's access to it failed (SIGBUS), the host cannot back "
                "it: ");
            say(full ? "No space left on device\n"
                     : "Input/output error (or the file shrank)\n");
            _exit(128 + sig);
        }
    }
    say("nvemu: SIGBUS outside every memory backend: a bug in nvemu\n");
    _exit(128 + sig);
}

char *nv_hostmem_describe(const NvHostMem *hm)
{
    if (hm->cfg.kind == NV_HOSTMEM_FILE) {
        return g_strdup_printf("memory-backend-file %s (%s)", hm->cfg.id,
                               hm->cfg.mem_path);
    }
    return g_strdup_printf("memory-backend-ram %s", hm->cfg.id);
}

void nv_signals_watch(const NvHostMem *hm, const char *name)
{
    if (!hm->addr || hm->fd < 0) {
        return;
    }
    size_t n = atomic_load(&n_watched);
    for (size_t i = 0; i < n; i++) {
        if (watched[i].start == (uintptr_t)hm->addr) {
            return; /* realized once, watched once */
        }
    }
    /* Only the main thread adds; the handler reads n_watched entries. A
     * new array is published whole; old ones are kept (a few bytes each). */
    Watched *w = g_new(Watched, n + 1);
    if (n) {
        memcpy(w, watched, n * sizeof(*w));
    }
    g_autofree char *desc = name ? g_strdup(name) : nv_hostmem_describe(hm);
    w[n] = (Watched) {
        .start = (uintptr_t)hm->addr,
        .end = (uintptr_t)hm->addr + hm->size,
        .msg = g_strdup_printf("nvemu: %s: ", desc),
        .fd = hm->fd,
    };
    atomic_store(&n_watched, 0);
    watched = w;
    atomic_store(&n_watched, n + 1);
}

void nv_signals_watch_dimm(const NvDimm *d)
{
    nv_signals_watch(d->memdev, NULL);
    if (d->label_mem) {
        g_autofree char *n = g_strdup_printf("%s: label-file (%s)", d->name,
                                             d->label_file);
        nv_signals_watch(d->label_mem, n);
    }
}

void nv_signals_unwatch(const NvHostMem *hm)
{
    size_t n = atomic_load(&n_watched);
    /* as long as the old array, the tail empty: a handler that read the
     * old count before this array was published stays inside it */
    Watched *w = g_new0(Watched, MAX(n, 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (watched[i].start != (uintptr_t)hm->addr) {
            w[k++] = watched[i]; /* its msg is shared, never freed */
        }
    }
    if (k == n) {
        g_free(w);
        return;
    }
    /* published as watch() does; the old array stays for a handler
     * that may be reading it */
    atomic_store(&n_watched, 0);
    watched = w;
    atomic_store(&n_watched, k);
}

/* ---- set-up -------------------------------------------------------------- */

bool nv_signals_init(GError **errp)
{
    stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "eventfd for signals: %s",
                    g_strerror(errno));
        return false;
    }
    struct sigaction sa = { .sa_sigaction = stop_handler,
                            .sa_flags = SA_SIGINFO | SA_RESTART };
    sigemptyset(&sa.sa_mask);
    static const int stop[] = { SIGTERM, SIGINT, SIGHUP };
    for (size_t i = 0; i < G_N_ELEMENTS(stop); i++) {
        sigaddset(&sa.sa_mask, stop[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(stop); i++) {
        sigaction(stop[i], &sa, NULL); /* even if inherited as SIG_IGN */
    }
    struct sigaction bus = { .sa_sigaction = bus_handler,
                             .sa_flags = SA_SIGINFO };
    sigaction(SIGBUS, &bus, NULL);
    return true;
}

int nv_signals_fd(void)
{
    return stop_fd;
}

int nv_signals_caught(void)
{
    return atomic_load(&stop_signo);
}

char *nv_signals_message(void)
{
    int sig = atomic_load(&stop_signo);
    int pid = atomic_load(&stop_pid);
    if (!sig) {
        return NULL;
    }
    if (pid <= 0) { /* e.g. Ctrl-C at the terminal, as QEMU says it */
        return g_strdup_printf("terminating on signal %d", sig);
    }
    /* Read by the handler; empty if the sender was already gone. */
    return g_strdup_printf("terminating on signal %d from pid %d (%s)", sig,
                           pid, stop_comm[0] ? stop_comm
                                             : "<unknown process>");
}

/* ---- a backend the host can no longer back ------------------------------- */

/* Is @hm a file with holes on a file system with no block left for
 * nvemu? Then the guest's next store to a hole cannot be backed. */
static bool full_with_holes(const NvHostMem *hm)
{
    struct statfs fs;
    struct stat st;
    if (hm->cfg.kind != NV_HOSTMEM_FILE || hm->ftype != NV_FILE_REGULAR ||
        hm->fd < 0 || hm->cfg.readonly || fstatfs(hm->fd, &fs) != 0 ||
        fstat(hm->fd, &st) != 0 || fs.f_blocks == 0) {
        return false;
    }
    /* root may use the blocks reserved for it (ext4's 5%) */
    uint64_t left = geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    return left == 0 && (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size;
}

char *nv_config_unbacked(const NvConfig *cfg, bool efault)
{
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        g_autofree char *name = nv_hostmem_describe(d->memdev);
        if (full_with_holes(d->memdev)) {
            g_string_free(all, true);
            /* Said as it is: the guest may not have hit a hole yet, but
             * its next store to one would hang it. */
            return g_strdup_printf("%s: the host can no longer back the "
                                   "guest's %s (the file has holes and its "
                                   "file system is full): %s", name,
                                   d->kind == NV_DIMM_NVDIMM ? "pmem"
                                                             : "memory",
                                   g_strerror(ENOSPC));
        }
        if (d->memdev->cfg.kind == NV_HOSTMEM_FILE) {
            g_string_append_printf(all, "%s%s", all->len ? ", " : "", name);
        }
    }
    if (!efault) {
        g_string_free(all, true);
        return NULL;
    }
    /* KVM could not fault a page in, and no file system is full: an I/O
     * error (or a file cut short under nvemu) behind one of the files. */
    char *msg = g_strdup_printf("the guest touched memory that the host "
                                "cannot back (KVM_RUN: %s): %s behind %s",
                                g_strerror(EFAULT), g_strerror(EIO),
                                all->len ? all->str : "its RAM");
    g_string_free(all, true);
    return msg;
}
