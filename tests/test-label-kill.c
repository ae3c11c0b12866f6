/*
 * tests/test-label-kill.c — kill -9 in the middle of label updates.
 *
 * tests/label-writer builds the real board from a real nvemu command line
 * and streams Set Label Data calls through nv_io_dispatch(); this test
 * starts it, waits until it has acknowledged a random 0-8 Sets, lets it
 * run a random 0-1 ms more, SIGKILLs it and runs `nvemu-label check` on
 * the label area: 400 times in Linux's order, 200 times for whole-area
 * writes, each life continuing from the area the last one left.
 *
 *  - /label-kill/linux-order: namespace create/update/delete in Linux's
 *    order (label into a free slot, then the inactive index block).
 *    Asserted: after every kill `check` passes. That is what nvemu
 *    guarantees (docs/dsm-abi.md): a Set that answered 0 is in the file,
 *    and a Set cut short by the kill touches only the slot or the
 *    inactive index block it was writing, which the current index does not
 *    use.
 *  - /label-kill/whole-area: one 128 KiB Set after another, alternating
 *    between two valid areas A and B. nvemu does not promise a Set is
 *    atomic across its death, so nothing beyond "the writer died of the
 *    kill" is asserted; the counts (A, B, mixed, check failures) are
 *    reported in the TAP output.
 */
#include "label-stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILLS 400       /* Linux-order stream */
#define WHOLE_KILLS 200 /* whole-area stream: a measurement */
#define MAX_ACKS 8        /* acks to wait for before the delay */
#define MAX_DELAY_US 1000 /* then up to this long */

typedef struct {
    unsigned acks[128];   /* per ack byte, over all lives */
    unsigned mid_update;  /* kills after a label write, before its index */
    unsigned check_fail;
    unsigned same_a, same_b, mixed;
    char *first_problem;
} Tally;

static double now_s(void)
{
    return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

/* The writer's next byte; it gets 10 s (it sends hundreds a second). */
static char read_ack(int fd, GPid pid)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char c;
    if (poll(&p, 1, 10000) != 1 || read(fd, &c, 1) != 1) {
        kill(pid, SIGKILL);
        g_error("label-writer sent nothing for 10 s, or died early");
    }
    return c;
}

/* Start the writer, wait for its ready byte, let it stream for a random
 * while, SIGKILL it and count what it acknowledged. */
static void one_life(const char *mode, const char *file, GRand *rand,
                     Tally *t)
{
    g_autofree char *seed = g_strdup_printf("%u", g_rand_int(rand));
    const char *argv[] = { g_getenv("NVEMU_LABEL_WRITER"), mode, file,
                           strcmp(mode, "linux") == 0 ? seed : NULL, NULL };
    g_autoptr(GError) err = NULL;
    GPid pid;
    int out;
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, &out, NULL,
                                           &err));
    g_assert_no_error(err);
    /* Wait for the ready byte and a random number of acks (so the kill
     * lands mid-stream however fast the host is), then a random while. */
    char c = 0, last = 0;
    while (c != LS_ACK_READY) {
        c = read_ack(out, pid);
    }
    for (int skip = g_rand_int_range(rand, 0, MAX_ACKS + 1); skip > 0;
         skip--) {
        last = read_ack(out, pid);
        t->acks[(unsigned char)last & 127]++;
    }
    g_usleep(g_rand_int_range(rand, 0, MAX_DELAY_US));
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    ssize_t n;
    while ((n = read(out, &c, 1)) == 1) {
        t->acks[(unsigned char)c & 127]++;
        last = c;
    }
    g_assert_cmpint(n, ==, 0);
    close(out);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        g_error("label-writer %s ended by itself (status 0x%x) instead of "
                "dying of the kill", mode, status);
    }
    t->mid_update += last == LS_ACK_LABEL;
}

/* `nvemu-label check` on the area; true if clean. */
static bool check(const char *file, Tally *t)
{
    const char *argv[] = { g_getenv("NVEMU_LABEL"), "check", "--label-size",
                           "128K", file, NULL };
    g_autofree char *out = NULL, *errs = NULL;
    g_autoptr(GError) err = NULL;
    gint wait;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &out, &errs, &wait, &err));
    g_assert_no_error(err);
    if (g_spawn_check_wait_status(wait, NULL)) {
        return true;
    }
    t->check_fail++;
    if (!t->first_problem) {
        t->first_problem = g_strdup_printf("%s%s", out, errs);
    }
    return false;
}

static void area_bytes(const char *file, uint8_t *buf)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, LS_AREA, LS_AREA_OFF), ==, LS_AREA);
    close(fd);
}

static char *setup_file(char **dir)
{
    if (!g_getenv("NVEMU_LABEL_WRITER") || !g_getenv("NVEMU_LABEL")) {
        return NULL;
    }
    *dir = g_dir_make_tmp("nvemu-kill-XXXXXX", NULL);
    g_assert_nonnull(*dir);
    char *file = g_build_filename(*dir, "pmem0.img", NULL);
    int fd = open(file, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, LS_FILE_SIZE), ==, 0);
    close(fd);
    return file;
}

static void teardown_file(char *dir, char *file)
{
    g_assert_cmpint(unlink(file), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
    g_free(file);
}

static void test_linux_order(void)
{
    g_autofree char *dir = NULL;
    char *file = setup_file(&dir);
    if (!file) {
        g_test_skip("NVEMU_LABEL_WRITER or NVEMU_LABEL is not set");
        return;
    }
    /* `ndctl init-labels --label-version 1.2`, done offline */
    const char *init[] = { g_getenv("NVEMU_LABEL"), "init", "--version=1.2",
                           "--label-size", "128K", file, NULL };
    gint wait;
    g_assert_true(g_spawn_sync(NULL, (char **)init, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               NULL, &wait, NULL));
    g_assert_true(g_spawn_check_wait_status(wait, NULL));

    Tally t = { 0 };
    GRand *rand = g_rand_new_with_seed(g_test_rand_int());
    double t0 = now_s();
    for (unsigned i = 0; i < KILLS; i++) {
        one_life("linux", file, rand, &t);
        if (!check(file, &t)) {
            g_test_message("kill %u: check failed", i + 1);
        }
    }
    double secs = now_s() - t0;
    g_rand_free(rand);
    g_test_message("linux order: %u SIGKILLs in %.1f s; %u label writes and "
                   "%u index writes acknowledged; %u kills landed between a "
                   "label write and its index write; `nvemu-label check` "
                   "failed after %u kills", KILLS, secs, t.acks[LS_ACK_LABEL],
                   t.acks[LS_ACK_INDEX], t.mid_update, t.check_fail);
    if (t.first_problem) {
        g_test_message("first failing check: %s", t.first_problem);
    }
    g_assert_cmpuint(t.check_fail, ==, 0);
    /* the stream really ran, and kills landed inside updates */
    g_assert_cmpuint(t.acks[LS_ACK_LABEL] + t.acks[LS_ACK_INDEX], >=, KILLS);
    g_assert_cmpuint(t.mid_update, >, 0);
    g_free(t.first_problem);
    teardown_file(dir, file);
}

static void test_whole_area(void)
{
    g_autofree char *dir = NULL;
    char *file = setup_file(&dir);
    if (!file) {
        g_test_skip("NVEMU_LABEL_WRITER or NVEMU_LABEL is not set");
        return;
    }
    g_autofree uint8_t *a = g_malloc(LS_AREA), *b = g_malloc(LS_AREA);
    g_autofree uint8_t *got = g_malloc(LS_AREA);
    ls_whole_area(false, a);
    ls_whole_area(true, b);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, a, LS_AREA, LS_AREA_OFF), ==, LS_AREA);
    close(fd);
    Tally t = { 0 };
    GRand *rand = g_rand_new_with_seed(g_test_rand_int());
    double t0 = now_s();
    for (unsigned i = 0; i < WHOLE_KILLS; i++) {
        one_life("whole", file, rand, &t);
        area_bytes(file, got);
        bool is_a = memcmp(got, a, LS_AREA) == 0;
        bool is_b = memcmp(got, b, LS_AREA) == 0;
        t.same_a += is_a;
        t.same_b += is_b;
        t.mixed += !is_a && !is_b;
        bool ok = check(file, &t);
        if (!is_a && !is_b) {
            g_test_message("kill %u: mixed area, check %s", i + 1,
                           ok ? "passed" : "failed");
        }
    }
    double secs = now_s() - t0;
    g_rand_free(rand);
    g_test_message("whole area: %u SIGKILLs in %.1f s; %u 128K Sets "
                   "acknowledged; after the kill the area was A %u times, "
                   "B %u times, a mix of both %u times; `nvemu-label check` "
                   "failed after %u kills (not a guarantee: a Set is not "
                   "atomic across the VMM's death)", WHOLE_KILLS, secs,
                   t.acks[LS_ACK_WHOLE], t.same_a, t.same_b, t.mixed,
                   t.check_fail);
    if (t.first_problem) {
        g_test_message("first failing check: %s", t.first_problem);
    }
    g_assert_cmpuint(t.same_a + t.same_b + t.mixed, ==, WHOLE_KILLS);
    g_assert_cmpuint(t.acks[LS_ACK_WHOLE], >=, WHOLE_KILLS);
    g_free(t.first_problem);
    teardown_file(dir, file);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/label-kill/linux-order", test_linux_order);
    g_test_add_func("/label-kill/whole-area", test_whole_area);
    return g_test_run();
}
