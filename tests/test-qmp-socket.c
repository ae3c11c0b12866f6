/*
 * tests/test-qmp-socket.c — NvQmpServer on real unix sockets in a scratch
 * directory: the socket is 0600, a stale socket is replaced, a live one or
 * a regular file at the path is refused and left as it was, two -qmp
 * sockets at once, a client sending 100 MiB without a newline is closed
 * while another keeps being served, the sockets are removed at the end;
 * and -pidfile.
 */
#include "qmp.h"
#include "testutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

/* Read one CRLF-terminated line, iterating @ctx while waiting (the server
 * runs on this thread). NULL on EOF or reset. */
static char *read_line(GMainContext *ctx, int fd)
{
    GString *s = g_string_new(NULL);
    g_assert_cmpint(fcntl(fd, F_SETFL, O_NONBLOCK), ==, 0);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        char ch;
        ssize_t n = recv(fd, &ch, 1, 0);
        if (n == 1) {
            g_string_append_c(s, ch);
            if (g_str_has_suffix(s->str, "\r\n")) {
                g_string_truncate(s, s->len - 2);
                return g_string_free(s, FALSE);
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            break;
        }
        g_main_context_iteration(ctx, FALSE);
        g_usleep(1000);
    }
    g_string_free(s, TRUE);
    return NULL;
}

static void send_str(int fd, const char *s)
{
    g_assert_cmpint(send(fd, s, strlen(s), MSG_NOSIGNAL), ==, (ssize_t)strlen(s));
}

static void negotiate(GMainContext *ctx, int fd)
{
    g_autofree char *greet = read_line(ctx, fd);
    g_assert_nonnull(greet);
    g_assert_true(g_str_has_prefix(greet, "{\"QMP\":{\"version\":"));
    send_str(fd, "{\"execute\":\"qmp_capabilities\"}\n");
    g_autofree char *r = read_line(ctx, fd);
    g_assert_cmpstr(r, ==, "{\"return\":{}}");
}

/* Serve until @s has @n clients (a probe connection counts until its EOF
 * has been read). */
static void wait_clients(GMainContext *ctx, NvQmpServer *s, unsigned n)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (nv_qmp_client_count(s) != n && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(ctx, FALSE);
        g_usleep(1000);
    }
    g_assert_cmpuint(nv_qmp_client_count(s), ==, n);
}

static bool listen_on(NvQmpServer *s, const char *path, GError **errp)
{
    g_autofree char *arg = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(NvQmpListenConfig) cfg = nv_qmp_parse_option(arg, errp);
    return cfg && nv_qmp_server_listen(s, cfg, errp);
}

static void test_listen(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-qmp-XXXXXX", NULL);
    g_autofree char *p1 = g_build_filename(dir, "a.sock", NULL);
    g_autofree char *p2 = g_build_filename(dir, "b.sock", NULL);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    NvQmpServer *s = nv_qmp_server_new(ctx);
    g_autoptr(GError) err = NULL;
    mode_t old = umask(0);                /* 0600 whatever the umask */
    g_assert_true(listen_on(s, p1, &err));
    umask(old);
    g_assert_no_error(err);
    g_assert_true(listen_on(s, p2, &err));
    struct stat st;
    g_assert_cmpint(lstat(p1, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);

    /* a second server on a live socket: refused, the first still works */
    NvQmpServer *s2 = nv_qmp_server_new(ctx);
    g_assert_false(listen_on(s2, p1, &err));
    g_autofree char *busy = g_strdup_printf(
        "-qmp unix:%s: another process is listening on it", p1);
    g_assert_cmpstr(err->message, ==, busy);
    g_clear_error(&err);
    nv_qmp_server_free(s2);
    g_assert_true(g_file_test(p1, G_FILE_TEST_EXISTS));

    int a = connect_to(p1), b = connect_to(p2);
    negotiate(ctx, a);
    negotiate(ctx, b);
    /* the refused server's probe connected once and went away */
    wait_clients(ctx, s, 2);
    nv_qmp_emit_event(s, "STOP", NULL);
    g_autofree char *ea = read_line(ctx, a), *eb = read_line(ctx, b);
    g_assert_true(g_str_has_prefix(ea, "{\"event\":\"STOP\",\"timestamp\":"));
    g_assert_cmpstr(ea, ==, eb);

    /* a client gone mid-command is dropped; b goes on */
    send_str(a, "{\"execute\":\"query-vers");
    close(a);
    wait_clients(ctx, s, 1);
    send_str(b, "{\"execute\":\"query-version\",\"id\":\"b\"}");
    g_autofree char *rb = read_line(ctx, b);
    g_assert_true(g_str_has_suffix(rb, "\"id\":\"b\"}"));
    close(b);
    nv_qmp_server_free(s);
    /* the server removes its own sockets */
    g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
    nv_test_rm_dir(dir);
}

static void test_stale_and_foreign(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-qmp-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "stale.sock", NULL);
    g_autofree char *file = g_build_filename(dir, "notes.txt", NULL);
    g_autofree char *sub = g_build_filename(dir, "subdir", NULL);
    /* a stale socket: bound, never listening, its process gone */
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, sock, sizeof(sa.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    close(fd);
    g_assert_cmpint(chmod(sock, 0755), ==, 0);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, -1);
    g_assert_cmpint(errno, ==, ECONNREFUSED);
    close(fd);

    g_autoptr(GMainContext) ctx = g_main_context_new();
    NvQmpServer *s = nv_qmp_server_new(ctx);
    g_autoptr(GError) err = NULL;
    g_assert_true(listen_on(s, sock, &err));
    g_assert_no_error(err);
    struct stat after;
    g_assert_cmpint(lstat(sock, &after), ==, 0);
    g_assert_cmpint(after.st_mode & 07777, ==, 0600);   /* a new socket */
    int c = connect_to(sock);
    negotiate(ctx, c);
    close(c);

    /* a regular file and a directory at the path: refused, untouched */
    g_assert_true(g_file_set_contents(file, "keep me\n", -1, NULL));
    g_assert_false(listen_on(s, file, &err));
    g_autofree char *want = g_strdup_printf(
        "-qmp unix:%s: the path exists and is not a socket; nvemu leaves it "
        "alone", file);
    g_assert_cmpstr(err->message, ==, want);
    g_clear_error(&err);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "keep me\n");
    g_assert_cmpint(mkdir(sub, 0700), ==, 0);
    g_assert_false(listen_on(s, sub, &err));
    g_clear_error(&err);
    g_assert_true(g_file_test(sub, G_FILE_TEST_IS_DIR));
    /* a path too long for sun_path */
    g_autofree char *lng = g_strnfill(200, 'x');
    g_autofree char *longp = g_build_filename(dir, lng, NULL);
    g_assert_false(listen_on(s, longp, &err));
    g_assert_nonnull(strstr(err->message, "longer than 107 bytes"));
    g_clear_error(&err);
    nv_qmp_server_free(s);
    g_assert_cmpint(rmdir(sub), ==, 0);
    nv_test_rm_dir(dir);
}

static void *flood(void *data)
{
    int fd = GPOINTER_TO_INT(data);
    size_t csz = 1024 * 1024;
    char *chunk = g_malloc(csz);
    memset(chunk, 'x', csz);
    memcpy(chunk, "{\"execute\":\"", 12);
    size_t sent = 0;
    for (int i = 0; i < 100; i++) {
        ssize_t n = send(fd, chunk, csz, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += (size_t)n;
        memset(chunk, 'x', 12);
    }
    g_free(chunk);
    return GSIZE_TO_POINTER(sent);
}

static void test_long_line_socket(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-qmp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "q.sock", NULL);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    NvQmpServer *s = nv_qmp_server_new(ctx);
    g_assert_true(listen_on(s, path, NULL));
    int good = connect_to(path), bad = connect_to(path);
    negotiate(ctx, good);
    g_autofree char *greet = read_line(ctx, bad);
    g_assert_nonnull(greet);
    g_assert_cmpint(fcntl(bad, F_SETFL, 0), ==, 0);  /* blocking sends */
    GThread *t = g_thread_new("flood", flood, GINT_TO_POINTER(bad));
    wait_clients(ctx, s, 1);
    size_t sent = GPOINTER_TO_SIZE(g_thread_join(t));
    g_test_message("the flooding client got %zu bytes in before the close",
                   sent);
    g_assert_cmpuint(sent, <, 100 * 1024 * 1024);
    close(bad);
    send_str(good, "{\"execute\":\"query-commands\",\"id\":1}");
    g_autofree char *r = read_line(ctx, good);
    g_assert_true(g_str_has_prefix(r, "{\"return\":[{\"name\":"));
    close(good);
    nv_qmp_server_free(s);
    nv_test_rm_dir(dir);
}

static void test_pidfile(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-pid-XXXXXX", NULL);
    g_autofree char *pf = g_build_filename(dir, "nvemu.pid", NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *mine = g_strdup_printf("%d\n", (int)getpid());
    char *text = NULL;

    g_assert_true(nv_pidfile_write(pf, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(pf, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, mine);
    g_clear_pointer(&text, g_free);
    nv_pidfile_remove(pf);
    g_assert_false(g_file_test(pf, G_FILE_TEST_EXISTS));

    /* an empty file (mktemp) is taken over */
    g_assert_true(g_file_set_contents(pf, "", 0, NULL));
    g_assert_true(nv_pidfile_write(pf, &err));
    nv_pidfile_remove(pf);

    /* the pid of a process that has exited: replaced */
    pid_t child = fork();
    if (child == 0) {
        _exit(0);
    }
    g_assert_cmpint(waitpid(child, NULL, 0), ==, child);
    g_autofree char *dead = g_strdup_printf("%d\n", (int)child);
    g_assert_true(g_file_set_contents(pf, dead, -1, NULL));
    g_assert_true(nv_pidfile_write(pf, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(pf, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, mine);
    g_clear_pointer(&text, g_free);

    /* a live process's pidfile: refused, unchanged */
    g_autofree char *live = g_strdup_printf("%d\n", (int)getppid());
    g_assert_true(g_file_set_contents(pf, live, -1, NULL));
    g_assert_false(nv_pidfile_write(pf, &err));
    g_autofree char *want = g_strdup_printf(
        "-pidfile %s: process %d is still running", pf, (int)getppid());
    g_assert_cmpstr(err->message, ==, want);
    g_clear_error(&err);
    g_assert_true(g_file_get_contents(pf, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, live);
    g_clear_pointer(&text, g_free);
    /* and not removed at exit: it is not ours */
    nv_pidfile_remove(pf);
    g_assert_true(g_file_test(pf, G_FILE_TEST_EXISTS));

    /* a file that is not a pidfile: refused, untouched */
    g_assert_true(g_file_set_contents(pf, "my notes\n", -1, NULL));
    g_assert_false(nv_pidfile_write(pf, &err));
    g_assert_nonnull(strstr(err->message, "is not a pidfile"));
    g_clear_error(&err);
    g_assert_true(g_file_get_contents(pf, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "my notes\n");
    g_clear_pointer(&text, g_free);
    g_assert_cmpint(unlink(pf), ==, 0);

    /* a missing directory: one line, nothing left behind */
    g_autofree char *nodir = g_build_filename(dir, "no", "x.pid", NULL);
    g_assert_false(nv_pidfile_write(nodir, &err));
    g_assert_null(strchr(err->message, '\n'));
    g_clear_error(&err);
    nv_test_rm_dir(dir);   /* fails if a temporary file was left */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-socket/listen", test_listen);
    g_test_add_func("/qmp-socket/stale-and-foreign", test_stale_and_foreign);
    g_test_add_func("/qmp-socket/long-line", test_long_line_socket);
    g_test_add_func("/qmp-socket/pidfile", test_pidfile);
    return g_test_run();
}
