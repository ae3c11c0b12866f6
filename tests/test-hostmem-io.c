/*
 * tests/test-hostmem-io.c — file I/O on a backend (hostmem/hostmem-io.c):
 * which backends have it, that pread/pwrite and the shared mapping see the
 * same bytes both ways, bounds, and the persist-fault hook.
 */
#include "hostmem.h"
#include "testutil.h"

#include <errno.h>
#include <string.h>

static NvHostMem *file_backend(const char *path, bool share, bool readonly)
{
    NvHostMemConfig cfg = {
        .kind = NV_HOSTMEM_FILE, .id = "m0", .mem_path = (char *)path,
        .size = MiB, .size_set = !readonly, .share = share,
        .readonly = readonly,
    };
    NvHostMem *hm = nv_hostmem_new(&cfg);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_hostmem_prepare(hm, &err) &&
                  nv_hostmem_realize(hm, &err));
    g_assert_no_error(err);
    return hm;
}

static void test_which(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-hmio-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "a.img", NULL);
    g_autofree char *b = g_build_filename(dir, "b.img", NULL);
    NvHostMem *shared = file_backend(a, true, false);
    NvHostMem *priv = file_backend(b, false, false);
    NvHostMem *ro = file_backend(a, true, true);
    NvHostMemConfig rc = { .kind = NV_HOSTMEM_RAM, .id = "r0", .size = MiB,
                           .size_set = true, .share = true };
    NvHostMem *ram = nv_hostmem_new(&rc);
    g_assert_true(nv_hostmem_realize(ram, NULL));

    g_assert_true(nv_hostmem_fd_io(shared));
    g_assert_true(nv_hostmem_fd_io(ro));    /* reads, at least */
    g_assert_false(nv_hostmem_fd_io(priv)); /* share=off: private copy */
    g_assert_false(nv_hostmem_fd_io(ram));  /* a memfd, but not a file */
    uint8_t buf[16];
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_hostmem_pread(ram, 0, buf, sizeof(buf), &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
    g_clear_error(&err);
    /* a read-only backend refuses writes with the errno words */
    g_assert_false(nv_hostmem_pwrite(ro, 0, buf, sizeof(buf), NULL, &err));
    g_assert_cmpstr(err->message, ==, g_strerror(EBADF));

    nv_hostmem_free(shared);
    nv_hostmem_free(priv);
    nv_hostmem_free(ro);
    nv_hostmem_free(ram);
    nv_test_rm_dir(dir);
}

static void test_coherent(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-hmio-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "a.img", NULL);
    NvHostMem *hm = file_backend(a, true, false);
    g_autoptr(GError) err = NULL;
    static const char msg[] = "written with pwrite, across a page";
    char back[sizeof(msg)] = { 0 };
    const uint64_t off = 2 * 4096 - 7;
    uint64_t written = 0;

    /* pwrite -> the mapping */
    g_assert_true(nv_hostmem_pwrite(hm, off, msg, sizeof(msg), &written,
                                    &err));
    g_assert_no_error(err);
    g_assert_cmpuint(written, ==, sizeof(msg));
    g_assert_cmpmem(hm->addr + off, sizeof(msg), msg, sizeof(msg));
    uint64_t flushes = hm->flushes;
    g_assert_true(nv_hostmem_sync_written(hm, off, sizeof(msg), &err));
    g_assert_cmpuint(hm->flushes, ==, flushes + 1);
    /* the mapping -> pread */
    memcpy(hm->addr + MiB - 10, "0123456789", 10);
    g_assert_true(nv_hostmem_pread(hm, MiB - 10, back, 10, &err));
    g_assert_cmpmem(back, 10, "0123456789", 10);
    g_assert_true(nv_hostmem_pread(hm, off, back, sizeof(back), &err));
    g_assert_cmpstr(back, ==, msg);

    /* bounds: past the end, wrapping */
    g_assert_false(nv_hostmem_pread(hm, MiB - 1, back, 2, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
    g_clear_error(&err);
    g_assert_false(nv_hostmem_pwrite(hm, UINT64_MAX, msg, 2, &written,
                                     &err));
    g_assert_cmpuint(written, ==, 0);
    g_clear_error(&err);
    /* the test hook fails the sync with the errno words alone */
    hm->persist_fault = EIO;
    g_assert_false(nv_hostmem_sync_written(hm, 0, 1, &err));
    g_assert_cmpstr(err->message, ==, g_strerror(EIO));
    nv_hostmem_free(hm);
    nv_test_rm_dir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hostmem-io/which", test_which);
    g_test_add_func("/hostmem-io/coherent", test_coherent);
    return g_test_run();
}
