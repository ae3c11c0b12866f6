/*
 * tests/test-label-fullfs.c — label I/O on a filesystem that is really
 * full, no stubs.
 *
 * Each case runs in a subprocess that enters a private mount namespace
 * (unshare(CLONE_NEWNS) as root, else a user namespace mapping us to root)
 * and mounts a small tmpfs there; the test process itself is not touched,
 * and the mount dies with the subprocess. The subprocess builds the board
 * from a real nvemu command line with the label area in a sparse file on
 * that tmpfs (a backing file's tail, or a label-file=), fills the
 * filesystem, and drives Get/Set Label Data through nv_io_dispatch() as
 * the guest's _DSM AML does: a Get of a hole works; a Set needing a new
 * page answers status 4 and leaves the old bytes; a Set into space already
 * allocated still works. The parent checks the subprocess was not killed
 * (a store into the mapping would have been a SIGBUS) and printed the one
 * warning line per failed Set. Where no namespace can be made the cases
 * are skipped, saying why.
 */
#include "dsm-guest.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR_ENV "NVEMU_FULLFS_DIR"
#define LSIZE (128 * KiB)

static bool write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text);
}

/* A private mount namespace with a @size tmpfs on @dir; NULL on success,
 * else why not (static text plus errno). */
static char *enter_tmpfs(const char *dir, const char *size)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (uid != 0 || unshare(CLONE_NEWNS) != 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            return g_strdup_printf("unshare(CLONE_NEWUSER|CLONE_NEWNS): %s",
                                   g_strerror(errno));
        }
        g_autofree char *um = g_strdup_printf("0 %u 1", (unsigned)uid);
        g_autofree char *gm = g_strdup_printf("0 %u 1", (unsigned)gid);
        if (!write_text("/proc/self/setgroups", "deny") ||
            !write_text("/proc/self/uid_map", um) ||
            !write_text("/proc/self/gid_map", gm)) {
            return g_strdup_printf("uid/gid map of a user namespace: %s",
                                   g_strerror(errno));
        }
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        return g_strdup_printf("making / private: %s", g_strerror(errno));
    }
    g_autofree char *opt = g_strdup_printf("size=%s,mode=0700", size);
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opt) != 0) {
        return g_strdup_printf("mount -t tmpfs on %s: %s", dir,
                               g_strerror(errno));
    }
    return NULL;
}

/* Can a child make the namespace and the mount? NULL if yes, else why. */
static char *probe(const char *dir)
{
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(p[0]);
        char *why = enter_tmpfs(dir, "1m");
        if (why && write(p[1], why, strlen(why)) < 0) {
            _exit(2);
        }
        _exit(why ? 1 : 0);
    }
    close(p[1]);
    char buf[256] = { 0 };
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    int st;
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        return NULL;
    }
    return g_strdup(n > 0 ? buf : "the probe child failed");
}

/* Write until the filesystem says ENOSPC; the filler is left in place. */
static void fill(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "filler", NULL);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    static uint8_t chunk[64 * 1024];
    memset(chunk, 0xff, sizeof(chunk));
    ssize_t n;
    while ((n = write(fd, chunk, sizeof(chunk))) > 0) {
    }
    g_assert_cmpint(n, ==, -1);
    g_assert_cmpint(errno, ==, ENOSPC);
    close(fd);
    struct statvfs sv;
    g_assert_cmpint(statvfs(dir, &sv), ==, 0);
    g_assert_cmpuint(sv.f_bavail, ==, 0);
}

static void unfill(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "filler", NULL);
    g_assert_cmpint(unlink(path), ==, 0);
}

/* What the file holds at [off, off + len). */
static void file_bytes(const char *path, uint64_t off, uint8_t *buf,
                       size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, (off_t)off), ==, (ssize_t)len);
    close(fd);
}

/* The subprocess: everything on a full tmpfs. @tail: labels in the
 * backing file's tail, else in a label file. */
static void run_full(bool tail)
{
    const char *dir = g_getenv(DIR_ENV);
    g_assert_nonnull(dir);
    char *why = enter_tmpfs(dir, "4m");
    if (why) {
        g_error("%s", why); /* the probe said this works */
    }
    g_autofree char *img = g_build_filename(dir, "pmem0.img", NULL);
    g_autofree char *lf = g_build_filename(dir, "nv0.labels", NULL);
    /* tail: 129M file, labels in its last 128K, 128M of pmem. */
    g_autofree char *obj = g_strdup_printf(
        "memory-backend-file,id=m0,share=on,mem-path=%s,size=%s", img,
        tail ? "129M" : "128M");
    g_autofree char *dev = tail
        ? g_strdup("nvdimm,id=nv0,memdev=m0,label-size=128K")
        : g_strdup_printf("nvdimm,id=nv0,memdev=m0,label-file=%s,"
                          "label-size=128K", lf);
    const char *argv[] = { "nvemu", "-m", "128M,slots=2,maxmem=4G",
                           "-object", obj, "-device", dev };
    const char *lpath = tail ? img : lf;
    const uint64_t base = tail ? 129 * MiB - LSIZE : 0;
    NvTestGuest g;
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_tg_open(&g, G_N_ELEMENTS(argv), argv, &err));
    g_assert_no_error(err);

    /* The model of the area: page 0 written before the fill, the rest a
     * hole. */
    g_autofree uint8_t *model = g_malloc0(LSIZE);
    g_autofree uint8_t *buf = g_malloc(LSIZE);
    memset(model, 0xa5, 4096);
    g_assert_cmpuint(nv_tg_set_label(&g, 1, 0, 4096, model), ==, NV_DSM_OK);
    fill(dir);

    /* Get of a hole, and of the whole area: fine. */
    memset(buf, 0x77, LSIZE);
    g_assert_cmpuint(nv_tg_get_label(&g, 1, 0x10000, 4096, buf), ==,
                     NV_DSM_OK);
    g_assert_cmpmem(buf, 4096, model + 0x10000, 4096);
    g_assert_cmpuint(nv_tg_get_label(&g, 1, 0, LSIZE, buf), ==, NV_DSM_OK);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);

    /* Set into a hole: no page to be had. Error status, area unchanged. */
    uint8_t lab[300];
    memset(lab, 0x3c, sizeof(lab));
    g_assert_cmpuint(nv_tg_set_label(&g, 1, 0x10000, 256, lab), ==,
                     NV_DSM_HW_ERROR);
    /* Straddling the written page and a hole: the first 96 bytes reach
     * the file, the rest cannot; the 96 are put back. */
    g_assert_cmpuint(nv_tg_set_label(&g, 1, 4000, 300, lab), ==,
                     NV_DSM_HW_ERROR);
    g_assert_cmpuint(nv_tg_get_label(&g, 1, 0, LSIZE, buf), ==, NV_DSM_OK);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);
    file_bytes(lpath, base, buf, LSIZE);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);

    /* A Set into space the file already has needs no new page. */
    memcpy(model + 100, lab, 200);
    g_assert_cmpuint(nv_tg_set_label(&g, 1, 100, 200, lab), ==, NV_DSM_OK);
    g_assert_cmpuint(nv_tg_get_label(&g, 1, 0, LSIZE, buf), ==, NV_DSM_OK);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);

    /* Room again: the same Set now goes through. */
    unfill(dir);
    memcpy(model + 0x10000, lab, 256);
    g_assert_cmpuint(nv_tg_set_label(&g, 1, 0x10000, 256, lab), ==,
                     NV_DSM_OK);
    g_assert_cmpuint(nv_tg_get_label(&g, 1, 0, LSIZE, buf), ==, NV_DSM_OK);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);
    file_bytes(lpath, base, buf, LSIZE);
    g_assert_cmpmem(buf, LSIZE, model, LSIZE);
    nv_tg_close(&g);
}

static void test_full(gconstpointer data)
{
    bool tail = GPOINTER_TO_INT(data);
    if (g_test_subprocess()) {
        run_full(tail);
        return;
    }
    g_autofree char *dir = g_dir_make_tmp("nvemu-fullfs-XXXXXX", NULL);
    g_assert_nonnull(dir);
    g_autofree char *why = probe(dir);
    if (why) {
        g_assert_cmpint(rmdir(dir), ==, 0);
        g_autofree char *msg = g_strdup_printf("no private tmpfs: %s", why);
        g_test_skip(msg);
        return;
    }
    g_setenv(DIR_ENV, dir, TRUE);
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_unsetenv(DIR_ENV);
    /* The mount died with the subprocess: the directory here is empty. */
    g_assert_cmpint(rmdir(dir), ==, 0);
    g_test_trap_assert_passed();
    g_autofree char *want = g_strdup_printf(
        "*nvemu: warning: nvdimm nv0: label write of 256 bytes at 0x10000 to "
        "%s/%s failed: No space left on device\n"
        "nvemu: warning: nvdimm nv0: label write of 300 bytes at 0xfa0 to "
        "%s/%s failed: No space left on device\n", dir,
        tail ? "pmem0.img" : "nv0.labels", dir,
        tail ? "pmem0.img" : "nv0.labels");
    g_test_trap_assert_stderr(want);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/label-fullfs/file-tail", GINT_TO_POINTER(1),
                         test_full);
    g_test_add_data_func("/label-fullfs/label-file", GINT_TO_POINTER(0),
                         test_full);
    return g_test_run();
}
