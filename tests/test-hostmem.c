/*
 * tests/test-hostmem.c — unit tests for hostmem/: -object parsing, the
 * prepare/realize split (no file touched before realize, none left behind on
 * failure, existing files never resized), mapping modes, persist and its
 * bounds, the RAM backend and device-dax sysfs parsing.
 *
 * Every test works in its own g_dir_make_tmp() directory, removed at the end.
 */
#include "hostmem.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

typedef struct {
    char *dir;
} Scratch;

static Scratch *scratch_new(void)
{
    g_autoptr(GError) err = NULL;
    Scratch *s = g_new0(Scratch, 1);
    s->dir = g_dir_make_tmp("nvemu-hostmem-XXXXXX", &err);
    g_assert_no_error(err);
    return s;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void scratch_free(Scratch *s)
{
    chmod(s->dir, 0700);
    nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_free(s->dir);
    g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Scratch, scratch_free)

static char *in_dir(const Scratch *s, const char *name)
{
    return g_build_filename(s->dir, name, NULL);
}

static NvHostMem *parse_hm(const char *text, GError **errp)
{
    g_autoptr(NvOpts) opts = nv_opts_parse(text, "qom-type", errp);
    return opts ? nv_hostmem_new_from_opts(opts, errp) : NULL;
}

/* A file backend for @path with extra properties, which must parse. */
static NvHostMem *file_hm(const char *path, const char *extra)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = g_strdup_printf(
        "memory-backend-file,id=m0,mem-path=%s%s", path, extra);
    NvHostMem *hm = parse_hm(text, &err);
    g_assert_no_error(err);
    return hm;
}

static void assert_msg(const GError *err, int code, const char *needle)
{
    g_assert_nonnull(err);
    if (!g_error_matches(err, NV_ERROR, code) ||
        !strstr(err->message, needle)) {
        g_test_message("error (code %d) '%s' should be code %d and contain "
                       "'%s'", err->code, err->message, code, needle);
        g_test_fail();
    }
}

/* A file of @size bytes holding a pattern, so content checks mean something. */
static void make_file(const char *path, size_t size)
{
    g_autofree uint8_t *buf = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
    g_autoptr(GError) err = NULL;
    g_file_set_contents(path, (const char *)buf, (gssize)size, &err);
    g_assert_no_error(err);
}

static bool file_has_pattern(const char *path, size_t size)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &buf, &len, NULL) || len != size) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        if ((uint8_t)buf[i] != (uint8_t)(i * 7 + 3)) {
            return false;
        }
    }
    return true;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static void pread_file(const char *path, void *buf, size_t len, off_t off)
{
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, off), ==, (ssize_t)len);
    close(fd);
}

/*
 * The /proc/self/maps line holding @addr: its permissions ("rw-s") and,
 * if @lo/@hi are given, its bounds. NULL when @addr is not mapped.
 */
static char *map_perms_range(const void *addr, uintptr_t *lo, uintptr_t *hi)
{
    g_autofree char *maps = NULL;
    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long a, b;
        char perms[8];
        if (sscanf(*l, "%lx-%lx %7s", &a, &b, perms) == 3 &&
            a <= (uintptr_t)addr && (uintptr_t)addr < b) {
            if (lo && hi) {
                *lo = a;
                *hi = b;
            }
            return g_strdup(perms);
        }
    }
    return NULL;
}

static char *map_perms(const void *addr)
{
    return map_perms_range(addr, NULL, NULL);
}

static void write_text(const char *path, const char *text)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* ---- option parsing ---- */

static void test_opts_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvHostMem) hm = parse_hm(
        "memory-backend-file,id=mem0,mem-path=/x/a.img,size=4G,share=on,"
        "readonly=off,align=2M,pmem=on", &err);
    g_assert_no_error(err);
    g_assert_cmpint(hm->cfg.kind, ==, NV_HOSTMEM_FILE);
    g_assert_cmpstr(hm->cfg.id, ==, "mem0");
    g_assert_cmpstr(hm->cfg.mem_path, ==, "/x/a.img");
    g_assert_cmpuint(hm->cfg.size, ==, 4 * GiB);
    g_assert_true(hm->cfg.size_set);
    g_assert_true(hm->cfg.share);
    g_assert_false(hm->cfg.readonly);
    g_assert_cmpuint(hm->cfg.align, ==, 2 * MiB);
    g_assert_true(hm->cfg.pmem);
    g_assert_cmpint(hm->fd, ==, -1);
    g_assert_null(hm->addr);

    /* Defaults: as in QEMU, share is off and size comes from the file. */
    g_autoptr(NvHostMem) d = parse_hm("memory-backend-file,id=d,mem-path=b",
                                      &err);
    g_assert_no_error(err);
    g_assert_false(d->cfg.size_set);
    g_assert_false(d->cfg.share);
    g_assert_false(d->cfg.readonly);
    g_assert_false(d->cfg.pmem);
    g_assert_cmpuint(d->cfg.align, ==, 0);
}

static void test_opts_ram(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvHostMem) hm = parse_hm("memory-backend-ram,id=r0,size=512M",
                                       &err);
    g_assert_no_error(err);
    g_assert_cmpint(hm->cfg.kind, ==, NV_HOSTMEM_RAM);
    g_assert_cmpstr(hm->cfg.id, ==, "r0");
    g_assert_null(hm->cfg.mem_path);
    g_assert_cmpuint(hm->cfg.size, ==, 512 * MiB);
}

static void test_opts_errors(void)
{
    static const struct {
        const char *text;
        int code;
        const char *needle;
    } cases[] = {
        { "memory-backend-foo,id=a,size=1G", NV_ERROR_INVALID,
          "unknown object type 'memory-backend-foo' (use memory-backend-file "
          "or memory-backend-ram)" },
        { "memory-backend-file,id=a,mem-path=x,sise=4G", NV_ERROR_INVALID,
          "unknown property 'sise'" },
        { "memory-backend-ram,id=a,size=1G,mem-path=x", NV_ERROR_INVALID,
          "unknown property 'mem-path'" },
        { "memory-backend-file,mem-path=x,size=1G", NV_ERROR_INVALID,
          "property 'id' is required" },
        { "memory-backend-ram,size=1G", NV_ERROR_INVALID,
          "property 'id' is required" },
        { "memory-backend-file,id=a,size=1G", NV_ERROR_INVALID,
          "property 'mem-path' is required" },
        { "memory-backend-ram,id=a", NV_ERROR_INVALID,
          "property 'size' is required" },
        { "memory-backend-file,id=a,mem-path=x,size=4X", NV_ERROR_INVALID,
          "property 'size': invalid size '4X'" },
        { "memory-backend-file,id=a,mem-path=x,size=0", NV_ERROR_INVALID,
          "property 'size': '0' is zero" },
        { "memory-backend-ram,id=a,size=0K", NV_ERROR_INVALID,
          "property 'size': '0K' is zero" },
        { "memory-backend-file,id=a,mem-path=x,share=maybe", NV_ERROR_INVALID,
          "property 'share': 'maybe'" },
        { "memory-backend-file,id=a,mem-path=x,readonly=1", NV_ERROR_INVALID,
          "property 'readonly': '1'" },
        { "memory-backend-file,id=a,mem-path=x,align=3K", NV_ERROR_INVALID,
          "property 'align': '3K' is not a power of two" },
        { "memory-backend-file,id=a,mem-path=x,align=0", NV_ERROR_INVALID,
          "property 'align': '0' is zero" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(NvHostMem) hm = parse_hm(cases[i].text, &err);
        g_assert_null(hm);
        assert_msg(err, cases[i].code, cases[i].needle);
    }
}

/* ---- file backend: prepare and realize ---- */

static void test_create_sparse(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "new.img");
    g_autoptr(GError) err = NULL;
    struct stat st;

    {
        g_autoptr(NvHostMem) hm = file_hm(path, ",size=64M,share=on");
        g_assert_true(nv_hostmem_prepare(hm, &err));
        g_assert_no_error(err);
        /* prepare decides, but creates nothing */
        g_assert_cmpint(access(path, F_OK), ==, -1);
        g_assert_false(hm->exists);
        g_assert_cmpint(hm->ftype, ==, NV_FILE_REGULAR);
        g_assert_cmpuint(hm->size, ==, 64 * MiB);

        g_assert_true(nv_hostmem_realize(hm, &err));
        g_assert_no_error(err);
        g_assert_true(hm->created);
        g_assert_nonnull(hm->addr);
        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_size, ==, 64 * MiB);
        mode_t mask = umask(0);
        umask(mask);
        g_assert_cmpint(st.st_mode & 0777, ==, 0644 & ~mask);
        /* sparse: nothing allocated yet */
        g_assert_cmpint(st.st_blocks * 512, <=, 64 * KiB);
    }
    /* freeing never deletes the file, even one it created */
    g_assert_cmpint(file_size(path), ==, 64 * MiB);

    /* Once it exists the file is reused, not recreated. */
    g_autoptr(NvHostMem) again = file_hm(path, ",size=64M");
    g_assert_true(nv_hostmem_realize(again, &err));
    g_assert_no_error(err);
    g_assert_true(again->exists);
    g_assert_false(again->created);
}

static void test_existing_file(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "old.img");
    g_autoptr(GError) err = NULL;
    make_file(path, 1 * MiB);

    g_autoptr(NvHostMem) same = file_hm(path, ",size=1M");
    g_assert_true(nv_hostmem_prepare(same, &err));
    g_assert_no_error(err);
    g_assert_true(same->exists);
    g_assert_cmpuint(same->size, ==, 1 * MiB);

    /* no size=: the file's size */
    g_autoptr(NvHostMem) hm = file_hm(path, "");
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(hm->size, ==, 1 * MiB);
    g_assert_cmpstr(nv_hostmem_type_name(hm), ==, "regular file");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_assert_false(hm->created);
    g_assert_cmpuint(hm->addr[12345], ==, (uint8_t)(12345 * 7 + 3));
}

static void test_existing_size_mismatch(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "x.img");
    make_file(path, 2 * MiB);

    g_autoptr(NvHostMem) hm = file_hm(path, ",size=4M,share=on");
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_hostmem_prepare(hm, &err));
    g_autofree char *msg = g_strdup_printf(
        "mem-path '%s' is 2M but size=4M: an existing file is never "
        "truncated or extended", path);
    assert_msg(err, NV_ERROR_CONFLICT, msg);
    g_clear_error(&err);

    /* realize re-checks rather than mapping a wrong size */
    g_assert_false(nv_hostmem_realize(hm, &err));
    assert_msg(err, NV_ERROR_CONFLICT, "is 2M but size=4M");
    g_assert_null(hm->addr);
    g_assert_true(file_has_pattern(path, 2 * MiB));
}

static void test_missing_errors(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "none.img");
    g_autofree char *deep = in_dir(s, "no/such/dir/x.img");
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) nosize = file_hm(path, ",share=on");
    g_assert_false(nv_hostmem_prepare(nosize, &err));
    g_autofree char *m1 = g_strdup_printf(
        "mem-path '%s' does not exist and no size= was given to create it",
        path);
    assert_msg(err, NV_ERROR_INVALID, m1);
    g_clear_error(&err);
    g_assert_false(nv_hostmem_realize(nosize, &err));
    g_clear_error(&err);

    g_autoptr(NvHostMem) ro = file_hm(path, ",size=1M,readonly=on");
    g_assert_false(nv_hostmem_prepare(ro, &err));
    assert_msg(err, NV_ERROR_CONFLICT, "readonly=on");
    g_clear_error(&err);

    g_autoptr(NvHostMem) nodir = file_hm(deep, ",size=1M");
    g_assert_false(nv_hostmem_realize(nodir, &err));
    g_autofree char *parent = g_path_get_dirname(deep);
    g_autofree char *m2 = g_strdup_printf("directory '%s' does not exist",
                                          parent);
    assert_msg(err, NV_ERROR_INVALID, m2);

    g_assert_cmpint(access(path, F_OK), ==, -1);
    g_autofree char *no = in_dir(s, "no");
    g_assert_cmpint(access(no, F_OK), ==, -1);
}

static void test_not_mappable(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) dir = file_hm(s->dir, "");
    g_assert_false(nv_hostmem_prepare(dir, &err));
    assert_msg(err, NV_ERROR_INVALID, "is not a regular file");
    g_clear_error(&err);

    g_autofree char *empty = in_dir(s, "empty.img");
    make_file(empty, 0);
    g_autoptr(NvHostMem) e = file_hm(empty, "");
    g_assert_false(nv_hostmem_prepare(e, &err));
    assert_msg(err, NV_ERROR_INVALID, "is empty");
    g_clear_error(&err);

    if (access("/dev/null", F_OK) == 0) {
        g_autoptr(NvHostMem) null = file_hm("/dev/null", ",share=on");
        g_assert_false(nv_hostmem_prepare(null, &err));
        assert_msg(err, NV_ERROR_INVALID, "is a character device but not "
                   "device-dax");
    }
}

/*
 * Checks run as an unprivileged user: a read-only file in a read-only
 * directory can be used with readonly=on only, and nothing is created.
 */
static void check_permission_errors(const Scratch *s)
{
    g_autofree char *path = in_dir(s, "ro.img");
    g_autofree char *fresh = in_dir(s, "fresh.img");
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) rw = file_hm(path, ",share=on");
    g_assert_false(nv_hostmem_prepare(rw, &err));
    g_autofree char *m = g_strdup_printf("mem-path '%s': %s", path,
                                         g_strerror(EACCES));
    assert_msg(err, NV_ERROR_IO, m);
    g_clear_error(&err);

    g_autoptr(NvHostMem) ro = file_hm(path, ",share=on,readonly=on");
    g_assert_true(nv_hostmem_realize(ro, &err));
    g_assert_no_error(err);

    g_autoptr(NvHostMem) create = file_hm(fresh, ",size=1M");
    g_assert_false(nv_hostmem_prepare(create, &err));
    assert_msg(err, NV_ERROR_IO, g_strerror(EACCES));
    g_assert_cmpint(access(fresh, F_OK), ==, -1);
}

static void make_readonly_tree(const Scratch *s)
{
    g_autofree char *path = in_dir(s, "ro.img");
    make_file(path, 64 * KiB);
    g_assert_cmpint(chmod(path, 0444), ==, 0);
    g_assert_cmpint(chmod(s->dir, 0555), ==, 0);
}

static bool drop_privileges(void)
{
    return setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
           setresuid(65534, 65534, 65534) == 0;
}

/* Whether a child can become "nobody" (not in every container). */
static bool can_drop_privileges(void)
{
    int status = 0;
    pid_t pid = fork();
    if (pid == 0) {
        _exit(drop_privileges() ? 0 : 1);
    }
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

static void test_permission(void)
{
    if (geteuid() != 0 || g_test_subprocess()) {
        /* in the subprocess: root bypasses permissions, so be "nobody" */
        g_assert_true(geteuid() != 0 || drop_privileges());
        g_autoptr(Scratch) s = scratch_new();
        make_readonly_tree(s);
        check_permission_errors(s);
        return;
    }
    if (!can_drop_privileges()) {
        g_test_skip("running as root, which bypasses file permissions, and "
                    "cannot switch to an unprivileged user");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

/* ---- mapping modes ---- */

static void test_map_sync_fallback(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "plain.img");
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) hm = file_hm(path, ",size=2M,share=on");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    if (hm->map_sync) {
        g_test_skip("the scratch directory is on a DAX filesystem");
        return;
    }
    g_assert_false(hm->is_pmem);
    g_assert_nonnull(hm->note);
    g_assert_nonnull(strstr(hm->note, "not on a DAX filesystem"));
    g_assert_cmpstr(nv_hostmem_type_name(hm), ==, "regular file");

    /* pmem=on is a claim the file cannot honour: warn on stderr */
    if (g_test_subprocess()) {
        g_autoptr(NvHostMem) p = file_hm(path, ",share=on,pmem=on");
        g_assert_true(nv_hostmem_realize(p, NULL));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("nvemu: warning: *not on a DAX filesystem*");
}

static void test_share_on_persist(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "shared.img");
    g_autoptr(GError) err = NULL;
    static const char msg[] = "written through the mapping";
    char back[sizeof(msg)] = { 0 };

    g_autoptr(NvHostMem) hm = file_hm(path, ",size=1M,share=on");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    char *mapped_perms = map_perms(hm->addr);
    g_assert_cmpstr(mapped_perms, ==, "rw-s");
    /* a file without align= is mapped on a 2 MiB boundary too */
    g_assert_cmpuint((uintptr_t)hm->addr % (2 * MiB), ==, 0);
    g_free(mapped_perms);

    /* an unaligned range crossing a page boundary */
    uint64_t off = 2 * 4096 - 5;
    memcpy(hm->addr + off, msg, sizeof(msg));
    g_assert_true(nv_hostmem_persist(hm, off, sizeof(msg), &err));
    g_assert_no_error(err);
    pread_file(path, back, sizeof(back), (off_t)off);
    g_assert_cmpstr(back, ==, msg);

    g_assert_true(nv_hostmem_persist(hm, 0, hm->size, &err));
    g_assert_true(nv_hostmem_persist(hm, 17, 0, &err));
    g_assert_no_error(err);
}

static void test_share_off(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "private.img");
    g_autoptr(GError) err = NULL;
    make_file(path, 256 * KiB);

    g_autoptr(NvHostMem) hm = file_hm(path, "");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_assert_false(hm->is_pmem);
    g_assert_nonnull(hm->note);
    g_assert_nonnull(strstr(hm->note, "share=off"));
    /* the file's content shows through until written */
    g_assert_cmpuint(hm->addr[100], ==, (uint8_t)(100 * 7 + 3));

    memset(hm->addr, 0xee, hm->size);
    g_assert_true(nv_hostmem_persist(hm, 0, hm->size, &err));
    g_assert_no_error(err);
    g_clear_pointer(&hm, nv_hostmem_free);
    g_assert_true(file_has_pattern(path, 256 * KiB));
}

static void test_readonly(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "ro.img");
    g_autoptr(GError) err = NULL;
    make_file(path, 128 * KiB);
    g_assert_cmpint(chmod(path, 0444), ==, 0);

    g_autoptr(NvHostMem) hm = file_hm(path, ",share=on,readonly=on");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_autofree char *perms = map_perms(hm->addr);
    g_assert_cmpstr(perms, ==, "r--s");
    g_assert_cmpint(fcntl(hm->fd, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
    g_assert_cmpuint(hm->addr[999], ==, (uint8_t)(999 * 7 + 3));
    g_assert_true(nv_hostmem_persist(hm, 0, 4096, &err));
    g_assert_no_error(err);
}

static void test_align(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "aligned.img");
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) hm = file_hm(path, ",size=4M,share=on,align=2M");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpuint((uintptr_t)hm->addr % (2 * MiB), ==, 0);
    /* exactly the file is mapped: no PROT_NONE slack left around it */
    uintptr_t lo = 0, hi = 0;
    g_autofree char *perms = map_perms_range(hm->addr, &lo, &hi);
    g_assert_cmpstr(perms, ==, "rw-s");
    g_assert_cmpuint(lo, ==, (uintptr_t)hm->addr);
    g_assert_cmpuint(hi, ==, (uintptr_t)hm->addr + 4 * MiB);
    hm->addr[hm->size - 1] = 1;
}

/* Mapping fails after realize created the file: the file goes away again. */
static void test_realize_failure_cleans_up(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "doomed.img");
    g_autoptr(GError) err = NULL;

    /* 2^60 bytes of address space cannot be reserved */
    g_autoptr(NvHostMem) hm = file_hm(path, ",size=1M,share=on,align=1E");
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_false(nv_hostmem_realize(hm, &err));
    assert_msg(err, NV_ERROR_IO, "cannot map 1M of mem-path");
    g_assert_false(hm->created);
    g_assert_cmpint(hm->fd, ==, -1);
    /* on a 2 MiB boundary, so KVM can map it with 2 MiB pages */
    g_assert_cmpuint((uintptr_t)hm->addr % (2 * MiB), ==, 0);
    g_assert_cmpint(access(path, F_OK), ==, -1);
}

/* ---- persist ---- */

static void test_persist_bounds(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvHostMem) hm = parse_hm("memory-backend-ram,id=b,size=1M",
                                       &err);
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    static const struct {
        uint64_t off, len;
    } bad[] = {
        { 1 * MiB, 1 },
        { 1 * MiB + 4096, 0 },
        { 1, UINT64_MAX },
        { UINT64_MAX, 2 },
        { 4096, 1 * MiB },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(nv_hostmem_persist(hm, bad[i].off, bad[i].len, &err));
        assert_msg(err, NV_ERROR_RANGE, "past its end");
        g_clear_error(&err);
    }
    g_assert_true(nv_hostmem_persist(hm, 1 * MiB, 0, &err));
    g_assert_true(nv_hostmem_persist(hm, 0, 1 * MiB, &err));
    g_assert_no_error(err);
}

static void test_persist_fault(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *path = in_dir(s, "fault.img");
    g_autoptr(GError) err = NULL;

    g_autoptr(NvHostMem) hm = file_hm(path, ",size=64K,share=on");
    g_assert_true(nv_hostmem_realize(hm, &err));
    hm->persist_fault = EIO;
    g_assert_false(nv_hostmem_persist(hm, 0, 4096, &err));
    assert_msg(err, NV_ERROR_IO, g_strerror(EIO));
    g_assert_nonnull(strstr(err->message, "'m0'"));
    g_clear_error(&err);
    hm->persist_fault = 0;
    g_assert_true(nv_hostmem_persist(hm, 0, 4096, &err));
    g_assert_no_error(err);
}

/* ---- RAM backend ---- */

/* The VmFlags line of the /proc/self/smaps mapping that holds @addr. */
static char *smaps_vmflags(const void *addr)
{
    g_autofree char *smaps = NULL;
    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(smaps, "\n", -1);
    bool inside = false;
    for (char **l = lines; *l; l++) {
        unsigned long lo, hi;
        if (sscanf(*l, "%lx-%lx ", &lo, &hi) == 2 && strchr(*l, ' ')) {
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        } else if (inside && g_str_has_prefix(*l, "VmFlags:")) {
            return g_strdup(*l + strlen("VmFlags:"));
        }
    }
    return NULL;
}

static void test_ram(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvHostMem) hm = parse_hm("memory-backend-ram,id=r0,size=2M",
                                       &err);
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_no_error(err);
    g_assert_null(hm->addr);
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpint(hm->ftype, ==, NV_FILE_NONE);
    g_assert_cmpstr(nv_hostmem_type_name(hm), ==, "RAM");
    g_assert_false(hm->is_pmem);
    g_assert_cmpuint(hm->size, ==, 2 * MiB);

    g_assert_cmpuint(hm->addr[hm->size - 1], ==, 0);
    memset(hm->addr, 0x5a, hm->size);
    g_assert_cmpuint(hm->addr[hm->size - 1], ==, 0x5a);
    g_assert_true(nv_hostmem_persist(hm, 0, hm->size, &err));
    g_assert_no_error(err);

    /* share=off (the default): private anonymous memory, no fd, advised
     * for transparent huge pages ("hg" in smaps' VmFlags) */
    g_assert_cmpint(hm->fd, ==, -1);
    /* on a 2 MiB boundary, so KVM can map it with 2 MiB pages */
    g_assert_cmpuint((uintptr_t)hm->addr % (2 * MiB), ==, 0);
    g_autofree char *flags = smaps_vmflags(hm->addr);
    g_assert_nonnull(flags);
    g_assert_nonnull(strstr(flags, " hg"));

    /* share=on: a named memfd, recognisable in /proc */
    g_autoptr(NvHostMem) sh = parse_hm("memory-backend-ram,id=r0,size=2M,"
                                       "share=on", &err);
    g_assert_true(nv_hostmem_realize(sh, &err));
    g_assert_no_error(err);
    g_autofree char *fdlink = g_strdup_printf("/proc/self/fd/%d", sh->fd);
    g_autofree char *target = g_file_read_link(fdlink, NULL);
    g_assert_nonnull(target);
    g_assert_nonnull(strstr(target, "memfd:nvemu:r0"));
    sh->addr[0] = 1;
    g_assert_cmpuint(sh->addr[0], ==, 1);
    g_assert_cmpuint((uintptr_t)sh->addr % (2 * MiB), ==, 0);
}

/* ---- device-dax sysfs ---- */

static void test_devdax_geometry(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *dev = in_dir(s, "dev/char/252:3");
    g_autofree char *size = g_build_filename(dev, "size", NULL);
    g_autofree char *align = g_build_filename(dev, "device/align", NULL);
    g_autoptr(GError) err = NULL;
    uint64_t sz = 1, al = 1;

    write_text(size, "4294967296\n");
    write_text(align, "2097152\n");
    g_assert_true(nv_hostmem_devdax_geometry(s->dir, 252, 3, &sz, &al, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(sz, ==, 4 * GiB);
    g_assert_cmpuint(al, ==, 2 * MiB);

    /* older kernels have no align attribute */
    g_assert_cmpint(unlink(align), ==, 0);
    g_assert_true(nv_hostmem_devdax_geometry(s->dir, 252, 3, &sz, &al, &err));
    g_assert_cmpuint(al, ==, 0);

    g_assert_false(nv_hostmem_devdax_geometry(s->dir, 252, 4, &sz, &al,
                                              &err));
    assert_msg(err, NV_ERROR_IO, "dev/char/252:4/size");
    g_clear_error(&err);

    static const char *const garbage[] = { "12abc\n", "", "\n", " 4096",
                                           "4096\n\n", "-1\n" };
    for (size_t i = 0; i < G_N_ELEMENTS(garbage); i++) {
        write_text(size, garbage[i]);
        g_assert_false(nv_hostmem_devdax_geometry(s->dir, 252, 3, &sz, &al,
                                                  &err));
        assert_msg(err, NV_ERROR_INVALID, size);
        g_clear_error(&err);
    }

    write_text(size, "4096");
    write_text(align, "3000\n");
    g_assert_false(nv_hostmem_devdax_geometry(s->dir, 252, 3, &sz, &al, &err));
    assert_msg(err, NV_ERROR_INVALID, "not a power of two");
}

/* ---- block device ---- */

/* Attach @backing to a free loop device; NULL (with *why) if we cannot. */
static char *loop_attach(const char *backing, int *loop_fd, const char **why)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        *why = "no usable /dev/loop-control (needs root)";
        return NULL;
    }
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    close(ctl);
    char *dev = g_strdup_printf("/dev/loop%d", n);
    int fd = n < 0 ? -1 : open(dev, O_RDWR | O_CLOEXEC);
    int bfd = open(backing, O_RDWR | O_CLOEXEC);
    if (fd < 0 || bfd < 0 || ioctl(fd, LOOP_SET_FD, bfd) != 0) {
        *why = "cannot set up a loop device here";
        if (fd >= 0) {
            close(fd);
        }
        if (bfd >= 0) {
            close(bfd);
        }
        g_free(dev);
        return NULL;
    }
    close(bfd);
    /* detach by itself when closed, even if this test dies half-way */
    struct loop_info64 info = { .lo_flags = LO_FLAGS_AUTOCLEAR };
    ioctl(fd, LOOP_SET_STATUS64, &info);
    *loop_fd = fd;
    return dev;
}

static void test_block_device(void)
{
    g_autoptr(Scratch) s = scratch_new();
    g_autofree char *backing = in_dir(s, "loop.img");
    g_autoptr(GError) err = NULL;
    const char *why = NULL;
    int loop_fd = -1;
    static const char msg[] = "through a block device";
    char back[sizeof(msg)] = { 0 };

    make_file(backing, 8 * MiB);
    g_autofree char *dev = loop_attach(backing, &loop_fd, &why);
    if (!dev) {
        g_test_skip(why);
        return;
    }
    g_autoptr(NvHostMem) wrong = file_hm(dev, ",size=4M,share=on");
    g_assert_false(nv_hostmem_prepare(wrong, &err));
    assert_msg(err, NV_ERROR_CONFLICT, "is 8M but size=4M");
    g_clear_error(&err);

    NvHostMem *hm = file_hm(dev, ",share=on");
    g_assert_true(nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpint(hm->ftype, ==, NV_FILE_BLOCK);
    g_assert_cmpstr(nv_hostmem_type_name(hm), ==, "block device");
    g_assert_cmpuint(hm->size, ==, 8 * MiB);
    memcpy(hm->addr + 5 * MiB, msg, sizeof(msg));
    g_assert_true(nv_hostmem_persist(hm, 5 * MiB, sizeof(msg), &err));
    g_assert_no_error(err);
    nv_hostmem_free(hm);

    ioctl(loop_fd, LOOP_CLR_FD, 0);
    close(loop_fd);
    pread_file(backing, back, sizeof(back), 5 * MiB);
    g_assert_cmpstr(back, ==, msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hostmem/opts/file", test_opts_file);
    g_test_add_func("/hostmem/opts/ram", test_opts_ram);
    g_test_add_func("/hostmem/opts/errors", test_opts_errors);
    g_test_add_func("/hostmem/file/create-sparse", test_create_sparse);
    g_test_add_func("/hostmem/file/existing", test_existing_file);
    g_test_add_func("/hostmem/file/size-mismatch",
                    test_existing_size_mismatch);
    g_test_add_func("/hostmem/file/missing", test_missing_errors);
    g_test_add_func("/hostmem/file/not-mappable", test_not_mappable);
    g_test_add_func("/hostmem/file/permission", test_permission);
    g_test_add_func("/hostmem/file/map-sync-fallback", test_map_sync_fallback);
    g_test_add_func("/hostmem/file/share-on-persist", test_share_on_persist);
    g_test_add_func("/hostmem/file/share-off", test_share_off);
    g_test_add_func("/hostmem/file/readonly", test_readonly);
    g_test_add_func("/hostmem/file/align", test_align);
    g_test_add_func("/hostmem/file/realize-failure-cleans-up",
                    test_realize_failure_cleans_up);
    g_test_add_func("/hostmem/file/block-device", test_block_device);
    g_test_add_func("/hostmem/persist/bounds", test_persist_bounds);
    g_test_add_func("/hostmem/persist/fault", test_persist_fault);
    g_test_add_func("/hostmem/ram", test_ram);
    g_test_add_func("/hostmem/devdax/geometry", test_devdax_geometry);
    return g_test_run();
}
