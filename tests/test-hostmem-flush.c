/*
 * tests/test-hostmem-flush.c — a guest flush (nv_hostmem_flush): what each
 * kind of backend needs (none, cpu, msync), the group commit (a flush that
 * arrives during an msync is covered by the next one, and one msync serves
 * every flush that waited for it), and failures reaching every flush an
 * msync was meant to cover.
 */
#include "hostmem.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

static NvHostMem *new_hm(const char *text)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) opts = nv_opts_parse(text, "qom-type", &err);
    g_assert_no_error(err);
    NvHostMem *hm = nv_hostmem_new_from_opts(opts, &err);
    g_assert_no_error(err);
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    return hm;
}

static bool on_tmpfs(const char *dir)
{
    struct statfs sf;
    return statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == TMPFS_MAGIC;
}

/* A scratch file backend in @dir (removed when freed by the caller). */
static NvHostMem *file_in(const char *dir, char **path, const char *extra)
{
    *path = g_strdup_printf("%s/nvemu-flush-%d.img", dir, (int)getpid());
    unlink(*path);
    g_autofree char *text = g_strdup_printf(
        "memory-backend-file,id=m0,mem-path=%s,size=1M%s", *path, extra);
    return new_hm(text);
}

/* A directory on a file system that keeps its files (fsync does work):
 * the build directory, unless it is on tmpfs too. */
static const char *durable_dir(void)
{
    static char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)) || on_tmpfs(cwd)) {
        return NULL;
    }
    return cwd;
}

static void test_classify(void)
{
    g_autoptr(NvHostMem) ram = new_hm("memory-backend-ram,id=r0,size=1M");
    g_assert_cmpint(ram->flush_work, ==, NV_FLUSH_NONE);

    const char *dir = durable_dir();
    if (!dir) {
        g_test_skip("the build directory is on tmpfs");
        return;
    }
    g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
    NvHostMem *shared = file_in(dir, &p1, ",share=on");
    /* not DAX here: msync (a DAX file would be mapped MAP_SYNC: cpu) */
    g_assert_cmpint(shared->flush_work, ==,
                    shared->is_pmem ? NV_FLUSH_CPU : NV_FLUSH_MSYNC);
    g_assert_cmpstr(nv_hostmem_flush_work_name(shared->flush_work), ==,
                    shared->is_pmem ? "cpu" : "msync");
    nv_hostmem_free(shared);
    unlink(p1);
    NvHostMem *priv = file_in(dir, &p2, ",share=off");
    g_assert_cmpint(priv->flush_work, ==, NV_FLUSH_NONE);
    nv_hostmem_free(priv);
    unlink(p2);
    if (!on_tmpfs("/dev/shm")) {
        g_test_skip("no tmpfs at /dev/shm");
        return;
    }
    NvHostMem *shm = file_in("/dev/shm", &p3, ",share=on");
    g_assert_cmpint(shm->flush_work, ==, NV_FLUSH_NONE);
    nv_hostmem_free(shm);
    unlink(p3);
}

/* Nothing to do: no msync, even when persist would fail. */
static void test_none_is_free(void)
{
    g_autoptr(NvHostMem) ram = new_hm("memory-backend-ram,id=r0,size=1M");
    g_autoptr(GError) err = NULL;
    ram->persist_fault = EIO;
    for (int i = 0; i < 1000; i++) {
        g_assert_true(nv_hostmem_flush(ram, &err));
    }
    g_assert_no_error(err);
    g_assert_cmpuint(ram->flush_requests, ==, 1000);
    g_assert_cmpuint(ram->flushes, ==, 0);
    g_assert_cmpuint(ram->flush_started, ==, 0);
}

/* ---- the group commit, with a hook that holds msyncs open ---- */

typedef struct {
    NvHostMem *hm;
    guint hold;          /* hold msync number hold until ... */
    guint until;         /* ... flush_requests reaches this */
    guint64 started_seen[8];
    guint nseen;
} Hold;

static Hold *the_hold;

static void hold_hook(NvHostMem *hm, uint64_t n)
{
    Hold *h = the_hold;
    g_assert_true(h->hm == hm);
    h->started_seen[h->nseen++] = n;
    if (n == h->hold) {
        while (__atomic_load_n(&hm->flush_requests, __ATOMIC_RELAXED) <
               h->until) {
            g_usleep(1000);
        }
        g_usleep(100 * 1000); /* let them reach the wait */
    }
}

static gpointer flush_thread(gpointer opaque)
{
    NvHostMem *hm = opaque;
    g_autoptr(GError) err = NULL;
    bool ok = nv_hostmem_flush(hm, &err);
    g_assert_no_error(err);
    return GINT_TO_POINTER(ok);
}

/* A share=on file backend whose flush is an msync, its file already
 * unlinked (the mapping keeps it); NULL, the test skipped, where the build
 * directory is on tmpfs or DAX. */
static NvHostMem *msync_backend(void)
{
    const char *dir = durable_dir();
    if (!dir) {
        g_test_skip("the build directory is on tmpfs");
        return NULL;
    }
    g_autofree char *path = NULL;
    NvHostMem *hm = file_in(dir, &path, ",share=on");
    unlink(path);
    if (hm->flush_work != NV_FLUSH_MSYNC) {
        nv_hostmem_free(hm);
        g_test_skip("the build directory is on DAX");
        return NULL;
    }
    return hm;
}

static void test_group_commit(void)
{
    g_autoptr(NvHostMem) hm = msync_backend();
    if (!hm) {
        return;
    }
    Hold h = { .hm = hm, .hold = 1, .until = 2 };
    the_hold = &h;
    hm->flush_hook = hold_hook;

    /* A starts msync 1, which is held until B has called: B must not
     * count on msync 1 (it may have passed B's stores) and gets msync 2. */
    GThread *a = g_thread_new("a", flush_thread, hm);
    while (__atomic_load_n(&hm->flush_requests, __ATOMIC_RELAXED) < 1 ||
           h.nseen < 1) {
        g_usleep(1000);
    }
    GThread *b = g_thread_new("b", flush_thread, hm);
    g_assert_true(GPOINTER_TO_INT(g_thread_join(a)));
    g_assert_true(GPOINTER_TO_INT(g_thread_join(b)));
    g_assert_cmpuint(hm->flush_started, ==, 2);
    g_assert_cmpuint(hm->flush_done, ==, 2);
    g_assert_cmpuint(hm->flushes, ==, 2);

    /* C starts msync 3, held until D, E and F have called: the three
     * wait, and msync 4 covers all of them. */
    h.hold = 3;
    h.until = 6;
    GThread *t[4];
    t[0] = g_thread_new("c", flush_thread, hm);
    while (h.nseen < 3) {
        g_usleep(1000);
    }
    for (int i = 1; i < 4; i++) {
        t[i] = g_thread_new("def", flush_thread, hm);
    }
    for (int i = 0; i < 4; i++) {
        g_assert_true(GPOINTER_TO_INT(g_thread_join(t[i])));
    }
    g_assert_cmpuint(hm->flush_requests, ==, 6);
    g_assert_cmpuint(hm->flush_started, ==, 4);
    g_assert_cmpuint(hm->flushes, ==, 4);
    g_assert_cmpuint(h.nseen, ==, 4);

    /* Alone, each flush is its own msync, with nothing dirty too. */
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_hostmem_flush(hm, &err));
    g_assert_true(nv_hostmem_flush(hm, &err));
    g_assert_cmpuint(hm->flushes, ==, 6);
    hm->flush_hook = NULL;
}

/* A failed msync fails the flushes it was meant to cover, and the next
 * good one succeeds again. */
static void test_failure(void)
{
    g_autoptr(NvHostMem) hm = msync_backend();
    if (!hm) {
        return;
    }
    g_autoptr(GError) err = NULL;
    hm->persist_fault = EIO;
    g_assert_false(nv_hostmem_flush(hm, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "m0"));
    g_clear_error(&err);
    hm->persist_fault = 0;
    g_assert_true(nv_hostmem_flush(hm, &err));
    g_assert_no_error(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hostmem/flush/classify", test_classify);
    g_test_add_func("/hostmem/flush/none-is-free", test_none_is_free);
    g_test_add_func("/hostmem/flush/group-commit", test_group_commit);
    g_test_add_func("/hostmem/flush/failure", test_failure);
    return g_test_run();
}
