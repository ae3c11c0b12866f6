/*
 * tests/test-prealloc.c — hostmem's start-time guarantees: prealloc=on
 * (blocks reserved, existing bytes kept, ENOSPC at start on a really full
 * filesystem), one file per use (same-file detection through symlinks, hard
 * links and not-yet-created paths), and removal of exactly the files a
 * failed start created.
 */
#include "hostmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static NvHostMem *hm_from(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static NvHostMem *hm_from(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse(text, "qom-type", &err);
    g_assert_no_error(err);
    NvHostMem *hm = nv_hostmem_new_from_opts(o, &err);
    g_assert_no_error(err);
    return hm;
}

static void write_pattern(const char *path, size_t size)
{
    g_autofree uint8_t *buf = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(i * 13 + 5);
    }
    g_assert_true(g_file_set_contents(path, (char *)buf, (gssize)size, NULL));
}

static bool has_pattern(const char *path, size_t size)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &buf, &len, NULL) || len != size) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        if ((uint8_t)buf[i] != (uint8_t)(i * 13 + 5)) {
            return false;
        }
    }
    return true;
}

static uint64_t allocated(const char *path)
{
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    return (uint64_t)st.st_blocks * 512;
}

/* A new file: sparse without prealloc, every block allocated with it. */
static void test_prealloc_new_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    g_autofree char *sparse = g_build_filename(dir, "sparse.img", NULL);
    g_autofree char *full = g_build_filename(dir, "full.img", NULL);
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) a = hm_from("memory-backend-file,id=a,mem-path=%s,"
                                     "size=8M,share=on", sparse);
    g_assert_true(nv_hostmem_realize(a, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(allocated(sparse), <, 8 * MiB);

    g_autoptr(NvHostMem) b = hm_from("memory-backend-file,id=b,mem-path=%s,"
                                     "size=8M,share=on,prealloc=on", full);
    g_assert_true(b->cfg.prealloc);
    g_assert_true(nv_hostmem_realize(b, &err));
    g_assert_no_error(err);
    g_test_message("allocated: sparse %" G_GUINT64_FORMAT ", prealloc %"
                   G_GUINT64_FORMAT, allocated(sparse), allocated(full));
    g_assert_cmpuint(allocated(full), >=, 8 * MiB);
    nv_hostmem_free(g_steal_pointer(&a));
    nv_hostmem_free(g_steal_pointer(&b));
    nv_test_rm_dir(dir);
}

/* An existing file with data and a hole: the hole gets blocks, every byte
 * reads as before, the size is unchanged. */
static void test_prealloc_existing_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "user.img", NULL);
    write_pattern(path, 1 * MiB);
    g_assert_cmpint(truncate(path, 4 * MiB), ==, 0); /* 3M hole after it */
    uint64_t before = allocated(path);
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) hm = hm_from("memory-backend-file,id=u,mem-path=%s,"
                                      "share=on,prealloc=on", path);
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    nv_hostmem_free(g_steal_pointer(&hm));

    g_assert_cmpuint(before, <, 4 * MiB);
    g_assert_cmpuint(allocated(path), >=, 4 * MiB);
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    g_assert_cmpuint(len, ==, 4 * MiB);
    g_assert_cmpint(truncate(path, 1 * MiB), ==, 0);
    g_assert_true(has_pattern(path, 1 * MiB));
    for (gsize i = 1 * MiB; i < len; i++) {
        g_assert_cmpint(buf[i], ==, 0);
    }
    nv_test_rm_dir(dir);
}

/* RAM: every page resident once realized. */
static void test_prealloc_ram(void)
{
    for (int share = 0; share < 2; share++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(NvHostMem) hm = hm_from("memory-backend-ram,id=r,size=8M,"
                                          "share=%s,prealloc=on",
                                          share ? "on" : "off");
        g_assert_true(nv_hostmem_realize(hm, &err));
        g_assert_no_error(err);
        size_t pages = 8 * MiB / (size_t)sysconf(_SC_PAGESIZE);
        g_autofree unsigned char *vec = g_malloc(pages);
        g_assert_cmpint(mincore(hm->addr, 8 * MiB, vec), ==, 0);
        size_t resident = 0;
        for (size_t i = 0; i < pages; i++) {
            resident += vec[i] & 1;
        }
        g_assert_cmpuint(resident, ==, pages);
        for (size_t i = 0; i < 8 * MiB; i += 4096) {
            g_assert_cmpint(hm->addr[i], ==, 0);
        }
    }
}

static void test_prealloc_readonly_refused(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse(
        "memory-backend-file,id=m,mem-path=x,readonly=on,prealloc=on",
        "qom-type", &err);
    g_assert_null(nv_hostmem_new_from_opts(o, &err));
    g_assert_nonnull(strstr(err->message, "prealloc=on"));
    g_assert_nonnull(strstr(err->message, "readonly=on"));
}

/*
 * A really full filesystem: a 1M tmpfs in a private mount namespace (a
 * forked child, as root). prealloc=on of a new 4M file fails at realize with
 * ENOSPC naming the file, and the file it created is gone again.
 */
static int enospc_child(const char *dir)
{
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("nvemu-test", dir, "tmpfs", 0, "size=1m") != 0) {
        return 77;
    }
    g_autofree char *path = g_build_filename(dir, "big.img", NULL);
    g_autoptr(GError) err = NULL;
    NvHostMem *hm = hm_from("memory-backend-file,id=mem0,mem-path=%s,size=4M,"
                            "share=on,prealloc=on", path);
    bool ok = nv_hostmem_prepare(hm, &err) && nv_hostmem_realize(hm, &err);
    int rc = 0;
    if (ok) {
        rc = 1;
    } else if (!strstr(err->message, "No space left on device") ||
               !strstr(err->message, path) ||
               !strstr(err->message, "prealloc=on")) {
        g_printerr("unexpected error: %s\n", err->message);
        rc = 2;
    } else if (access(path, F_OK) == 0) {
        rc = 3; /* left behind */
    } else {
        g_printerr("ENOSPC error: %s\n", err->message);
    }
    nv_hostmem_free(hm);
    umount(dir);
    return rc;
}

static void test_prealloc_enospc(void)
{
    if (geteuid() != 0) {
        g_test_skip("needs root for a private tmpfs mount");
        return;
    }
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        _exit(enospc_child(dir));
    }
    int status = 0;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        g_test_skip("cannot mount a tmpfs in a private mount namespace here");
    } else {
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }
    nv_test_rm_dir(dir);
}

/* ---- one file, one use ---- */

static NvHostMem *prepared(const char *id, const char *path, const char *sz)
{
    NvHostMem *hm = hm_from("memory-backend-file,id=%s,mem-path=%s,share=on%s",
                            id, path, sz);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_no_error(err);
    return hm;
}

static void test_same_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "a.img", NULL);
    g_autofree char *b = g_build_filename(dir, "b.img", NULL);
    g_autofree char *sym = g_build_filename(dir, "sym.img", NULL);
    g_autofree char *hard = g_build_filename(dir, "hard.img", NULL);
    g_autofree char *sub = g_build_filename(dir, "sub", NULL);
    g_autofree char *subsym = g_build_filename(dir, "subsym", NULL);
    write_pattern(a, 4096);
    write_pattern(b, 4096);
    g_assert_cmpint(symlink("a.img", sym), ==, 0);
    g_assert_cmpint(link(a, hard), ==, 0);
    g_assert_cmpint(mkdir(sub, 0755), ==, 0);
    g_assert_cmpint(symlink("sub", subsym), ==, 0);
    g_autofree char *dotted = g_strdup_printf("%s/./a.img", dir);
    g_autofree char *new1 = g_build_filename(sub, "new.img", NULL);
    g_autofree char *new2 = g_build_filename(subsym, "new.img", NULL);
    g_autofree char *new3 = g_build_filename(sub, "other.img", NULL);

    g_autoptr(NvHostMem) ha = prepared("a", a, "");
    g_autoptr(NvHostMem) hb = prepared("b", b, "");
    g_autoptr(NvHostMem) hs = prepared("s", sym, "");
    g_autoptr(NvHostMem) hh = prepared("h", hard, "");
    g_autoptr(NvHostMem) hd = prepared("d", dotted, "");
    g_autoptr(NvHostMem) n1 = prepared("n1", new1, ",size=1M");
    g_autoptr(NvHostMem) n2 = prepared("n2", new2, ",size=1M");
    g_autoptr(NvHostMem) n3 = prepared("n3", new3, ",size=1M");

    g_assert_false(nv_hostmem_same_file(ha, hb));
    g_assert_true(nv_hostmem_same_file(ha, hs));  /* symlink */
    g_assert_true(nv_hostmem_same_file(ha, hh));  /* hard link */
    g_assert_true(nv_hostmem_same_file(hd, ha));  /* another spelling */
    g_assert_true(nv_hostmem_same_file(n1, n2));  /* not there yet */
    g_assert_false(nv_hostmem_same_file(n1, n3));
    g_assert_false(nv_hostmem_same_file(n1, ha));
    nv_test_rm_dir(dir);
}

/* remove_created deletes what realize created, never a file that was
 * there before, and not a file someone put in its place meanwhile. */
static void test_remove_created(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    g_autofree char *old = g_build_filename(dir, "old.img", NULL);
    g_autofree char *made = g_build_filename(dir, "made.img", NULL);
    g_autofree char *swapped = g_build_filename(dir, "swapped.img", NULL);
    write_pattern(old, 1 * MiB);
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) ho = prepared("o", old, "");
    g_autoptr(NvHostMem) hm = prepared("m", made, ",size=1M");
    g_autoptr(NvHostMem) hs = prepared("s", swapped, ",size=1M");
    g_assert_true(nv_hostmem_realize(ho, &err));
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_true(nv_hostmem_realize(hs, &err));
    g_assert_no_error(err);
    g_assert_false(ho->created);
    g_assert_true(hm->created);

    /* someone replaces swapped.img with their own file */
    g_assert_cmpint(unlink(swapped), ==, 0);
    write_pattern(swapped, 4096);

    nv_hostmem_remove_created(ho);
    nv_hostmem_remove_created(hm);
    nv_hostmem_remove_created(hs);
    g_assert_null(ho->addr);
    g_assert_cmpint(hm->fd, ==, -1);
    g_assert_true(has_pattern(old, 1 * MiB));
    g_assert_cmpint(access(made, F_OK), ==, -1);
    g_assert_true(has_pattern(swapped, 4096));
    nv_test_rm_dir(dir);
}

/* From 1 GiB up, progress on stderr: when it is not a terminal, a line at
 * the start and every 25%, ending at 100%. Run in a subprocess to see it. */
static void test_prealloc_progress(void)
{
    if (g_test_subprocess()) {
        g_autoptr(GError) err = NULL;
        g_autoptr(NvHostMem) hm = hm_from(
            "memory-backend-file,id=big,mem-path=%s,size=1G,share=on,"
            "prealloc=on", g_getenv("NVEMU_TEST_PATH"));
        g_assert_true(nv_hostmem_realize(hm, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(allocated(g_getenv("NVEMU_TEST_PATH")), >=, GiB);
        return;
    }
    g_autofree char *dir = g_dir_make_tmp("nvemu-prealloc-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "big.img", NULL);
    g_setenv("NVEMU_TEST_PATH", path, TRUE);
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC,
                           G_TEST_SUBPROCESS_INHERIT_STDOUT);
    g_unsetenv("NVEMU_TEST_PATH");
    g_test_trap_assert_passed();
    g_autofree char *want = g_strdup_printf(
        "nvemu: preallocating big (%s): 0%%\n"
        "nvemu: preallocating big (%s): 25%%\n"
        "nvemu: preallocating big (%s): 50%%\n"
        "nvemu: preallocating big (%s): 75%%\n"
        "nvemu: preallocating big (%s): 100%%\n",
        path, path, path, path, path);
    g_test_trap_assert_stderr(want);
    nv_test_rm_dir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/prealloc/new-file", test_prealloc_new_file);
    g_test_add_func("/prealloc/existing-file", test_prealloc_existing_file);
    g_test_add_func("/prealloc/ram", test_prealloc_ram);
    g_test_add_func("/prealloc/readonly-refused",
                    test_prealloc_readonly_refused);
    g_test_add_func("/prealloc/enospc-tmpfs", test_prealloc_enospc);
    g_test_add_func("/prealloc/progress", test_prealloc_progress);
    g_test_add_func("/hostmem/same-file", test_same_file);
    g_test_add_func("/hostmem/remove-created", test_remove_created);
    return g_test_run();
}
