/*
 * tests/test-boot.c — direct Linux boot without KVM: nv_boot_linux() on a
 * small hand-made bzImage, checked in guest memory against the boot
 * protocol (Documentation/arch/x86/boot.rst), and its refusals.
 */
#include "machine.h"
#include "testutil.h"

#include <string.h>
#include <unistd.h>

typedef struct {
    char *dir;
    NvConfig *cfg;
    NvBoard *board;
} Fx;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx->dir = g_dir_make_tmp("nvemu-boot-XXXXXX", NULL);
    const char *argv[] = { "nvemu", "-m", "64M" };
    g_autoptr(GError) err = NULL;
    fx->cfg = nv_config_parse(G_N_ELEMENTS(argv), (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(fx->cfg, &err));
    fx->board = nv_board_new(fx->cfg, &err);
    g_assert_no_error(err);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    nv_board_free(fx->board);
    nv_config_free(fx->cfg);
    nv_test_rm_dir(fx->dir);
    g_free(fx->dir);
}

/* A bzImage as far as the loader cares: setup header + a payload. */
static char *make_bzimage(Fx *fx, const char *name, uint16_t version,
                          uint16_t xloadflags, size_t payload)
{
    const unsigned setup_sects = 4;
    size_t len = (setup_sects + 1) * 512 + payload;
    g_autofree uint8_t *k = g_malloc0(len);
    k[0x1F1] = setup_sects;
    k[0x1FE] = 0x55;
    k[0x1FF] = 0xAA;
    k[0x200] = 0xEB;
    k[0x201] = 0x6A;              /* header runs to 0x26C */
    memcpy(k + 0x202, "HdrS", 4);
    k[0x206] = (uint8_t)version;
    k[0x207] = (uint8_t)(version >> 8);
    k[0x211] = 0x01;              /* LOADED_HIGH */
    memset(k + 0x22C, 0xFF, 3);   /* initrd_addr_max 0x7FFFFFFF */
    k[0x22F] = 0x7F;
    k[0x236] = (uint8_t)xloadflags;
    k[0x238] = 0xFF;              /* cmdline_size 2047 */
    k[0x239] = 0x07;
    for (size_t i = 0; i < payload; i++) {
        k[(setup_sects + 1) * 512 + i] = (uint8_t)(i * 13 + 7);
    }
    char *path = g_build_filename(fx->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, (char *)k, (gssize)len, NULL));
    return path;
}

static void test_layout(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *kernel = make_bzimage(fx, "bz", 0x020F, 0x1, 100000);
    g_autofree char *initrd = g_build_filename(fx->dir, "rd", NULL);
    g_assert_true(g_file_set_contents(initrd, "INITRD!", 7, NULL));
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_boot_linux(fx->board, kernel, initrd, "console=ttyS0",
                                NV_ACPI_RSDP_ADDR, &bi, &err));
    g_assert_no_error(err);
    g_assert_cmphex(bi.entry, ==, NV_BOOT_KERNEL + 0x200);
    g_assert_cmphex(bi.boot_params, ==, NV_BOOT_ZERO_PAGE);

    /* the payload at 1M, byte for byte */
    uint8_t *kmem = nv_board_guest_ptr(fx->board, NV_BOOT_KERNEL, 100000);
    for (size_t i = 0; i < 100000; i += 997) {
        g_assert_cmpuint(kmem[i], ==, (uint8_t)(i * 13 + 7));
    }
    uint8_t *zp = nv_board_guest_ptr(fx->board, NV_BOOT_ZERO_PAGE, 4096);
    g_assert_cmphex(rd64(zp + 0x070), ==, NV_ACPI_RSDP_ADDR);
    g_assert_cmphex(zp[0x210], ==, 0xFF);                 /* type_of_loader */
    g_assert_cmphex(rd32(zp + 0x202), ==, 0x53726448);    /* HdrS copied */
    g_assert_cmphex(rd32(zp + 0x228), ==, NV_BOOT_CMDLINE);
    g_assert_cmpstr((char *)nv_board_guest_ptr(fx->board, NV_BOOT_CMDLINE, 14),
                    ==, "console=ttyS0");
    /* initrd: page aligned, below the firmware area, holding the bytes */
    uint32_t rd = rd32(zp + 0x218);
    g_assert_cmpuint(rd32(zp + 0x21C), ==, 7);
    g_assert_cmpuint(rd % 4096, ==, 0);
    g_assert_cmpuint(rd + 7, <=, fx->board->fw_base);
    g_assert_cmpmem(nv_board_guest_ptr(fx->board, rd, 7), 7, "INITRD!", 7);
    /* setup_data: one SETUP_RNG_SEED (type 9) of 32 random bytes */
    g_assert_cmphex(rd64(zp + 0x250), ==, NV_BOOT_SETUP_DATA);
    const uint8_t *sd = nv_board_guest_ptr(fx->board, NV_BOOT_SETUP_DATA, 48);
    g_assert_cmphex(rd64(sd), ==, 0);
    g_assert_cmpuint(rd32(sd + 8), ==, 9);
    g_assert_cmpuint(rd32(sd + 12), ==, 32);
    static const uint8_t zeros[32];
    g_assert_true(memcmp(sd + 16, zeros, 32) != 0);

    /* e820: RAM, reserved BIOS area, RAM, reserved firmware area */
    g_assert_cmpuint(zp[0x1E8], ==, 4);
    static const struct { uint64_t addr, size; uint32_t type; } want[] = {
        { 0, NV_BOOT_EBDA, 1 },
        { NV_BOOT_EBDA, NV_BOOT_KERNEL - NV_BOOT_EBDA, 2 },
        { NV_BOOT_KERNEL, 63 * MiB - NV_BOOT_KERNEL, 1 },
        { 63 * MiB, NV_FW_AREA_SIZE, 2 },
    };
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = zp + 0x2D0 + i * 20;
        g_assert_cmphex(rd64(e), ==, want[i].addr);
        g_assert_cmphex(rd64(e + 8), ==, want[i].size);
        g_assert_cmpuint(rd32(e + 16), ==, want[i].type);
    }

    /* identity map: PML4[0] -> PDPT, PDPT[3] -> 4th PD, its last 2M page */
    uint8_t *pt = nv_board_guest_ptr(fx->board, NV_BOOT_PML4, 6 * 4096);
    g_assert_cmphex(rd64(pt) & ~0xFFFull, ==, NV_BOOT_PML4 + 4096);
    g_assert_cmphex(rd64(pt + 4096 + 3 * 8) & ~0xFFFull, ==,
                    NV_BOOT_PML4 + 5 * 4096);
    g_assert_cmphex(rd64(pt + 5 * 4096 + 511 * 8), ==,
                    (4 * GiB - 2 * MiB) | 0x83);
    /* the GDT's __BOOT_CS is 64-bit code */
    uint8_t *gdt = nv_board_guest_ptr(fx->board, NV_BOOT_GDT, 32);
    g_assert_cmphex(rd64(gdt + NV_BOOT_CS), ==, 0x00AF9B000000FFFFull);
    /* the reset vector writes the FADT reset register */
    uint8_t *rv = nv_board_guest_ptr(fx->board, NV_BOOT_RESET_VECTOR, 16);
    static const uint8_t stub[] = { 0xBA, 0x02, 0x06, 0xB0, 0x01, 0xEE };
    g_assert_cmpmem(rv, sizeof(stub), stub, sizeof(stub));
}

/* A pc-dimm is RAM in the e820 map at its planned address; an NVDIMM is
 * not in it at all. */
static void test_e820_dimms(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-e820-XXXXXX", NULL);
    g_autofree char *img = g_build_filename(dir, "pmem.img", NULL);
    g_autofree char *obj = g_strdup_printf(
        "memory-backend-file,id=f0,share=on,mem-path=%s,size=256M", img);
    const char *argv[] = { "nvemu", "-m", "64M,slots=2,maxmem=1G",
                           "-object", "memory-backend-ram,id=r0,size=128M",
                           "-device", "pc-dimm,id=d0,memdev=r0",
                           "-object", obj,
                           "-device", "nvdimm,id=nv0,memdev=f0" };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) cfg = nv_config_parse(G_N_ELEMENTS(argv),
                                              (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(cfg, &err));
    g_autoptr(NvBoard) b = nv_board_new(cfg, &err);
    g_assert_no_error(err);
    g_autoptr(GArray) map = nv_board_e820(b);
    NvDimm *d0 = g_ptr_array_index(cfg->dimms, 0);
    NvDimm *nv0 = g_ptr_array_index(cfg->dimms, 1);
    guint found = 0;
    for (guint i = 0; i < map->len; i++) {
        const NvE820Entry *e = &g_array_index(map, NvE820Entry, i);
        if (e->addr == d0->addr) {
            g_assert_cmpuint(e->size, ==, 128 * MiB);
            g_assert_cmpuint(e->type, ==, NV_E820_RAM);
            found++;
        }
        g_assert_false(e->addr < nv0->addr + nv0->size &&
                       nv0->addr < e->addr + e->size);
    }
    g_assert_cmpuint(found, ==, 1);
    g_clear_pointer(&b, nv_board_free);
    g_assert_cmpint(unlink(img), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

static void test_refusals(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *old = make_bzimage(fx, "old", 0x020B, 0x1, 4096);
    g_autofree char *no64 = make_bzimage(fx, "no64", 0x020F, 0x0, 4096);
    g_autofree char *ok = make_bzimage(fx, "ok", 0x020F, 0x1, 4096);
    g_autofree char *junk = g_build_filename(fx->dir, "junk", NULL);
    g_autofree char *junkdata = g_malloc(8192);
    memset(junkdata, 'j', 8192);
    g_assert_true(g_file_set_contents(junk, junkdata, 8192, NULL));
    g_autofree char *tiny = g_build_filename(fx->dir, "tiny", NULL);
    g_assert_true(g_file_set_contents(tiny, "not a kernel", -1, NULL));
    g_autofree char *big = g_build_filename(fx->dir, "big", NULL);
    g_autofree char *bigdata = g_malloc0(80 * MiB);
    g_assert_true(g_file_set_contents(big, bigdata, 80 * MiB, NULL));
    g_autofree char *longline = g_malloc(3000);
    memset(longline, 'x', 2999);
    longline[2999] = 0;

    static const char *const missing = "/nonexistent/bzImage";
    const struct {
        const char *kernel, *initrd, *cmdline, *expect;
    } cases[] = {
        { junk, NULL, "", "not a Linux bzImage" },
        { tiny, NULL, "", "too small" },
        { old, NULL, "", "older than 2.12" },
        { no64, NULL, "", "XLF_KERNEL_64" },
        { missing, NULL, "", "-kernel" },
        { ok, missing, "", "-initrd" },
        { ok, big, "", "does not fit" },
        { ok, NULL, longline, "-append" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvBootInfo bi;
        g_autoptr(GError) err = NULL;
        g_assert_false(nv_boot_linux(fx->board, cases[i].kernel,
                                     cases[i].initrd, cases[i].cmdline,
                                     NV_ACPI_RSDP_ADDR, &bi, &err));
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].expect)) {
            g_test_message("case %zu: '%s' lacks '%s'", i, err->message,
                           cases[i].expect);
            g_test_fail();
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/boot/layout", Fx, NULL, fx_setup, test_layout, fx_teardown);
    g_test_add("/boot/refusals", Fx, NULL, fx_setup, test_refusals,
               fx_teardown);
    g_test_add_func("/boot/e820-dimms", test_e820_dimms);
    return g_test_run();
}
