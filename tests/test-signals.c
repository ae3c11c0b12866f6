/*
 * tests/test-signals.c — machine/signals.c without a guest: a stop signal
 * is recorded with its sender and wakes nv_signals_fd() (also SIGINT that
 * was inherited as ignored), QEMU's line, and a SIGBUS in a backend's
 * mapping names the backend in one line and exits 128 + SIGBUS; a raw
 * terminal is restored at exit and on a crash. Each case runs in a
 * subprocess: the handlers are process-wide.
 */
#include "machine.h"
#include "sigbus-trap.h"

#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static bool readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) == 1;
}

static void stop_signal_child(int sig)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_signals_init(&err));
    g_assert_no_error(err);
    g_assert_cmpint(nv_signals_caught(), ==, 0);
    g_assert_null(nv_signals_message());
    g_assert_false(readable(nv_signals_fd()));
    g_assert_cmpint(kill(getpid(), sig), ==, 0);
    g_assert_cmpint(nv_signals_caught(), ==, sig);
    g_assert_true(readable(nv_signals_fd()));
    /* a second signal changes nothing: the first one is reported */
    g_assert_cmpint(kill(getpid(), sig == SIGHUP ? SIGTERM : SIGHUP), ==, 0);
    g_assert_cmpint(nv_signals_caught(), ==, sig);
    g_autofree char *msg = nv_signals_message();
    g_autofree char *want = g_strdup_printf(
        "terminating on signal %d from pid %d (nvemu-test)", sig, getpid());
    g_assert_cmpstr(msg, ==, want);
}

static void test_sigterm(void)
{
    if (g_test_subprocess()) {
        prctl(PR_SET_NAME, "nvemu-test");
        stop_signal_child(SIGTERM);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void test_sighup(void)
{
    if (g_test_subprocess()) {
        prctl(PR_SET_NAME, "nvemu-test");
        stop_signal_child(SIGHUP);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* A script's background job inherits SIGINT ignored; nvemu still stops. */
static void test_sigint_inherited_ignored(void)
{
    if (g_test_subprocess()) {
        prctl(PR_SET_NAME, "nvemu-test");
        signal(SIGINT, SIG_IGN);
        stop_signal_child(SIGINT);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* @n file backends m0.. watched; with @unwatch m0 is unwatched (twice:
 * the second does nothing) before the last one's file shrinks under its
 * mapping: the line names the last one (the watch list was rebuilt
 * without m0, the others kept). */
static void sigbus_case(const char *tag, int n, bool unwatch)
{
    /* The parent's directory; the child (a new exec) finds it by pid. */
    g_autofree char *dir = g_strdup_printf(
        "%s/nvemu-%s-%d", g_get_tmp_dir(), tag,
        g_test_subprocess() ? (int)getppid() : (int)getpid());
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("m%d.img", i);
        g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
    }
    if (g_test_subprocess()) {
        g_autoptr(GError) err = NULL;
        g_assert_true(nv_signals_init(&err));
        NvHostMem *hm = NULL;
        NvHostMem *first = NULL;
        for (int i = 0; i < n; i++) {
            g_autofree char *id = g_strdup_printf("m%d", i);
            NvHostMemConfig c = { .kind = NV_HOSTMEM_FILE, .id = id,
                                  .mem_path = paths->pdata[i],
                                  .size = 4 * MiB, .size_set = true,
                                  .share = true };
            hm = nv_hostmem_new(&c);
            g_assert_true(nv_hostmem_prepare(hm, &err) &&
                          nv_hostmem_realize(hm, &err));
            g_assert_no_error(err);
            nv_signals_watch(hm, NULL);
            first = first ? first : hm;
        }
        if (unwatch) {
            nv_signals_unwatch(first);
            nv_signals_unwatch(first);
        }
        g_assert_cmpint(ftruncate(hm->fd, 0), ==, 0);
        hm->addr[MiB] = 1; /* SIGBUS: the handler exits */
        g_assert_not_reached();
    }
    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
    g_autofree char *last = g_strdup_printf("m%d", n - 1);
    sigbus_trap_assert(last, paths->pdata[n - 1]);
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(unlink(paths->pdata[i]), ==, 0);
    }
    g_assert_cmpint(rmdir(dir), ==, 0);
}

/* nvemu's own access to a page its backend cannot provide (here: the
 * file shrank under the mapping). */
static void test_sigbus_names_backend(void)
{
    sigbus_case("sigbus", 1, false);
}

static void test_sigbus_after_unwatch(void)
{
    sigbus_case("unwatch", 2, true);
}

/* ---- the terminal: raw for the console, restored on every way out ---- */

static bool tty_is_raw(int fd)
{
    struct termios t;
    g_assert_cmpint(tcgetattr(fd, &t), ==, 0);
    return !(t.c_lflag & ICANON) && !(t.c_lflag & ECHO);
}

/* Child: the pty named by $NVEMU_TEST_PTY as stdin, made raw, then
 * @how: "exit" (main() returning an error) or "segv" (a crash). */
static void raw_then(const char *how)
{
    int fd = open(g_getenv("NVEMU_TEST_PTY"), O_RDWR | O_NOCTTY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, STDIN_FILENO), ==, STDIN_FILENO);
    nv_tty_raw();
    g_assert_true(tty_is_raw(STDIN_FILENO));
    fprintf(stderr, "raw-ok\n");
    if (!strcmp(how, "segv")) {
        raise(SIGSEGV);
    }
    exit(1);
}

static void tty_case(const char *how)
{
    if (g_test_subprocess()) {
        raw_then(how);
        return;
    }
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    g_assert_cmpint(master, >=, 0);
    g_assert_cmpint(grantpt(master), ==, 0);
    g_assert_cmpint(unlockpt(master), ==, 0);
    g_setenv("NVEMU_TEST_PTY", ptsname(master), TRUE);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    g_assert_cmpint(slave, >=, 0);
    g_assert_false(tty_is_raw(slave));
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*raw-ok*");
    g_assert_false(tty_is_raw(slave)); /* restored */
    close(slave);
    close(master);
}

static void test_tty_restored_at_exit(void)
{
    tty_case("exit");
}

static void test_tty_restored_on_crash(void)
{
    tty_case("segv");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/signals/sigterm", test_sigterm);
    g_test_add_func("/signals/sighup", test_sighup);
    g_test_add_func("/signals/sigint-inherited-ignored",
                    test_sigint_inherited_ignored);
    g_test_add_func("/signals/sigbus-names-backend",
                    test_sigbus_names_backend);
    g_test_add_func("/signals/sigbus-after-unwatch",
                    test_sigbus_after_unwatch);
    g_test_add_func("/signals/tty-restored-at-exit",
                    test_tty_restored_at_exit);
    g_test_add_func("/signals/tty-restored-on-crash",
                    test_tty_restored_on_crash);
    return g_test_run();
}
