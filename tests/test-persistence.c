/*
 * tests/test-persistence.c — the persistence domain each backend kind makes
 * nvemu claim in the NFIT (nv_config_nfit_capabilities(), docs/acpi.md):
 * nothing for a regular file, a block device or RAM; memory controller (2)
 * when every NVDIMM is device-dax or a MAP_SYNC file; nvdimm-persistence=
 * overrides. Regular files are real (created and mapped in a temporary
 * directory, which is not DAX); device-dax, block devices and MAP_SYNC
 * cannot be had here, so those cases set the file type or mapping result
 * that prepare or realize would have found.
 */
#include "machine.h"

#include <string.h>
#include <unistd.h>

typedef struct {
    char *dir;
    NvConfig *cfg;
} Fx;

/* A machine with one NVDIMM per backend spec: "file" (a new file in the
 * temporary directory) or "ram"; @machine adds -machine's value. */
static void fx_make(Fx *fx, const char *const *kinds, const char *machine)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup("nvemu"));
    g_ptr_array_add(argv, g_strdup("-m"));
    g_ptr_array_add(argv, g_strdup("256M,slots=4,maxmem=8G"));
    if (machine) {
        g_ptr_array_add(argv, g_strdup("-machine"));
        g_ptr_array_add(argv, g_strdup(machine));
    }
    for (int i = 0; kinds[i]; i++) {
        g_ptr_array_add(argv, g_strdup("-object"));
        if (!strcmp(kinds[i], "ram")) {
            g_ptr_array_add(argv, g_strdup_printf(
                "memory-backend-ram,id=m%d,size=128M", i));
        } else {
            g_ptr_array_add(argv, g_strdup_printf(
                "memory-backend-file,id=m%d,share=on,mem-path=%s/m%d.img,"
                "size=128M", i, fx->dir, i));
        }
        g_ptr_array_add(argv, g_strdup("-device"));
        g_ptr_array_add(argv, g_strdup_printf("nvdimm,id=nv%d,memdev=m%d",
                                              i, i));
    }
    g_autoptr(GError) err = NULL;
    fx->cfg = nv_config_parse((int)argv->len, (char **)argv->pdata, &err);
    g_assert_no_error(err);
    nv_config_plan(fx->cfg, &err);
    g_assert_no_error(err);
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx->dir = g_dir_make_tmp("nvemu-persist-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    g_clear_pointer(&fx->cfg, nv_config_free);
    for (int i = 0; i < 4; i++) {
        g_autofree char *p = g_strdup_printf("%s/m%d.img", fx->dir, i);
        unlink(p);
    }
    g_assert_cmpint(rmdir(fx->dir), ==, 0);
    g_free(fx->dir);
}

static NvHostMem *memdev(Fx *fx, guint i)
{
    return ((NvDimm *)g_ptr_array_index(fx->cfg->dimms, i))->memdev;
}

/* The NFIT nvemu builds for it: its platform capabilities, or -1 when it
 * has no platform capabilities structure. */
static int64_t nfit_caps(Fx *fx)
{
    NvAcpiConfig acpi;
    nv_config_acpi(fx->cfg, &acpi);
    g_autoptr(GArray) t = nv_acpi_build_nfit(&acpi);
    const uint8_t *b = (const uint8_t *)t->data;
    for (guint off = 40; off + 4 <= t->len; off += nv_ld16(b + off + 2)) {
        if (nv_ld16(b + off) == 7) {
            return nv_ld32(b + off + 8);
        }
    }
    return -1;
}

static void test_regular_file(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_make(fx, (const char *const[]) { "file", NULL }, NULL);
    /* planned (what --dump-acpi sees): the file does not exist yet */
    g_assert_false(nv_hostmem_guest_flush_persists(memdev(fx, 0)));
    g_assert_cmpuint(nv_config_nfit_capabilities(fx->cfg), ==, 0);
    g_assert_cmpint(nfit_caps(fx), ==, -1);
    /* realized: a file of a non-DAX file system maps without MAP_SYNC */
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_config_realize(fx->cfg, &err));
    g_assert_no_error(err);
    g_assert_false(memdev(fx, 0)->map_sync);
    g_assert_cmpint(nfit_caps(fx), ==, -1);
    /* the same, existing, file planned again: statx says not DAX */
    g_clear_pointer(&fx->cfg, nv_config_free);
    fx_make(fx, (const char *const[]) { "file", NULL }, NULL);
    g_assert_true(memdev(fx, 0)->exists);
    g_assert_cmpint(nfit_caps(fx), ==, -1);
}

static void test_ram(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_make(fx, (const char *const[]) { "ram", NULL }, NULL);
    g_assert_cmpint(nfit_caps(fx), ==, -1);
}

static void test_block_device(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_make(fx, (const char *const[]) { "file", NULL }, NULL);
    memdev(fx, 0)->ftype = NV_FILE_BLOCK; /* as prepare finds /dev/pmem0 */
    g_assert_cmpint(nfit_caps(fx), ==, -1);
}

static void test_devdax_and_map_sync(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_make(fx, (const char *const[]) { "file", "file", NULL }, NULL);
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_config_realize(fx->cfg, &err));
    g_assert_no_error(err);
    NvHostMem *dax = memdev(fx, 0), *f = memdev(fx, 1);
    dax->ftype = NV_FILE_DEVDAX; /* as prepare finds /dev/dax0.0 */
    /* one device-dax, one regular file: the weaker one decides */
    g_assert_true(nv_hostmem_guest_flush_persists(dax));
    g_assert_false(nv_hostmem_guest_flush_persists(f));
    g_assert_cmpint(nfit_caps(fx), ==, -1);
    /* the file mapped with MAP_SYNC (a DAX file system): both persist */
    f->map_sync = true;
    g_assert_cmpint(nfit_caps(fx), ==, NV_NFIT_CAP_MEM_CTRL);
    f->map_sync = false;
    g_assert_cmpint(nfit_caps(fx), ==, -1);
}

static void test_override(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_make(fx, (const char *const[]) { "file", "ram", NULL },
            "nvdimm-persistence=cpu");
    g_assert_cmpint(nfit_caps(fx), ==,
                    NV_NFIT_CAP_CPU_CACHE | NV_NFIT_CAP_MEM_CTRL);
    g_clear_pointer(&fx->cfg, nv_config_free);
    fx_make(fx, (const char *const[]) { "file", "ram", NULL },
            "nvdimm-persistence=mem-ctrl");
    g_assert_cmpint(nfit_caps(fx), ==, NV_NFIT_CAP_MEM_CTRL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/persistence/regular-file", test_regular_file);
    ADD("/persistence/ram", test_ram);
    ADD("/persistence/block-device", test_block_device);
    ADD("/persistence/devdax-and-map-sync", test_devdax_and_map_sync);
    ADD("/persistence/override", test_override);
    return g_test_run();
}
