/*
 * tests/test-kernel-load.c — the kernel loaders beside the plain bzImage
 * path (test-boot.c): an uncompressed vmlinux ELF (machine/boot-elf.c) and
 * a bzImage whose xz or gzip payload nvemu unpacks on the host and caches
 * (machine/kernel-unpack.c). The kernels are hand-made: a small ELF with a
 * text and a bss segment, wrapped in a bzImage header like the kernel
 * build's (payload + 4-byte decompressed size).
 */
#include "machine.h"
#include "testutil.h"

#include <elf.h>
#include <fcntl.h>
#include <lzma.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define SEG0_ADDR (16 * MiB) /* text: 8 KiB of pattern */
#define SEG0_LEN  8192
#define SEG1_ADDR (20 * MiB) /* data: 100 bytes of file, 1 MiB in memory */
#define SEG1_FILE 100
#define SEG1_MEM  MiB
#define ENTRY     (SEG0_ADDR + 0x40)

typedef struct {
    char *dir;
    NvConfig *cfg;
    NvBoard *board;
} Fx;

static void fx_init(Fx *fx, const char *machine)
{
    fx->dir = g_dir_make_tmp("nvemu-kload-XXXXXX", NULL);
    const char *argv[] = { "nvemu", "-m", "64M", "-machine", machine };
    g_autoptr(GError) err = NULL;
    fx->cfg = nv_config_parse(G_N_ELEMENTS(argv), (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(fx->cfg, &err));
    fx->board = nv_board_new(fx->cfg, &err);
    g_assert_no_error(err);
    /* Garbage where the segments go, so zero-fill is checked. */
    memset(nv_board_guest_ptr(fx->board, SEG0_ADDR, 8 * MiB), 0xEE, 8 * MiB);
    g_autofree char *cache = g_build_filename(fx->dir, "cache", NULL);
    g_setenv("NVEMU_CACHE_DIR", cache, TRUE);
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_init(fx, "pc");
}

static void fx_setup_guest_unpack(Fx *fx, gconstpointer data)
{
    (void)data;
    fx_init(fx, "pc,kernel-unpack=guest");
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    g_unsetenv("NVEMU_CACHE_DIR");
    nv_board_free(fx->board);
    nv_config_free(fx->cfg);
    nv_test_rm_dir(fx->dir);
    g_free(fx->dir);
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 31 + 5);
}

/* A vmlinux-like ELF: two PT_LOAD segments at physical addresses, and a
 * PT_NOTE that must be skipped. */
static GByteArray *make_elf(void)
{
    const size_t phoff = sizeof(Elf64_Ehdr), off0 = 4096,
                 off1 = off0 + SEG0_LEN, len = off1 + SEG1_FILE;
    GByteArray *a = g_byte_array_sized_new(len);
    g_byte_array_set_size(a, len);
    memset(a->data, 0, len);
    Elf64_Ehdr eh = {
        .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
        .e_entry = ENTRY, .e_phoff = phoff, .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 3,
    };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    const Elf64_Phdr ph[3] = {
        { .p_type = PT_LOAD, .p_offset = off0, .p_vaddr = 0xffffffff81000000,
          .p_paddr = SEG0_ADDR, .p_filesz = SEG0_LEN, .p_memsz = SEG0_LEN },
        { .p_type = PT_NOTE, .p_offset = 0, .p_paddr = 0, .p_filesz = 8,
          .p_memsz = 8 },
        { .p_type = PT_LOAD, .p_offset = off1, .p_vaddr = 0xffffffff81400000,
          .p_paddr = SEG1_ADDR, .p_filesz = SEG1_FILE, .p_memsz = SEG1_MEM },
    };
    memcpy(a->data, &eh, sizeof(eh));
    memcpy(a->data + phoff, ph, sizeof(ph));
    for (size_t i = 0; i < SEG0_LEN; i++) {
        a->data[off0 + i] = pattern(i);
    }
    memset(a->data + off1, 0xD1, SEG1_FILE);
    return a;
}

/* The ELF's segments are in guest RAM, its bss zeroed, entry = e_entry. */
static void assert_elf_loaded(Fx *fx, const NvBootInfo *bi)
{
    g_assert_cmphex(bi->entry, ==, ENTRY);
    const uint8_t *s0 = nv_board_guest_ptr(fx->board, SEG0_ADDR, SEG0_LEN);
    for (size_t i = 0; i < SEG0_LEN; i++) {
        if (s0[i] != pattern(i)) {
            g_error("text byte %zu is %#x", i, s0[i]);
        }
    }
    const uint8_t *s1 = nv_board_guest_ptr(fx->board, SEG1_ADDR, SEG1_MEM);
    g_assert_cmphex(s1[0], ==, 0xD1);
    g_assert_cmphex(s1[SEG1_FILE - 1], ==, 0xD1);
    for (size_t i = SEG1_FILE; i < SEG1_MEM; i += 4093) {
        g_assert_cmphex(s1[i], ==, 0);
    }
    g_assert_cmphex(s1[SEG1_MEM - 1], ==, 0);
    /* nothing written between the segments */
    g_assert_cmphex(*nv_board_guest_ptr(fx->board, SEG0_ADDR + SEG0_LEN, 1),
                    ==, 0xEE);
}

static char *write_file(Fx *fx, const char *name, const void *data, gsize n)
{
    char *path = g_build_filename(fx->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)n, NULL));
    return path;
}

static bool boot(Fx *fx, const char *kernel, const char *initrd,
                 NvBootInfo *bi, GError **errp)
{
    return nv_boot_linux(fx->board, kernel, initrd, "console=ttyS0",
                         NV_ACPI_RSDP_ADDR, bi, errp);
}

/* ---- vmlinux ---------------------------------------------------------- */

static void test_elf(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autoptr(GByteArray) elf = make_elf();
    g_autofree char *k = write_file(fx, "vmlinux", elf->data, elf->len);
    g_autofree char *rd = write_file(fx, "rd", "RD", 2);
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(boot(fx, k, rd, &bi, &err));
    g_assert_no_error(err);
    assert_elf_loaded(fx, &bi);

    /* a setup header made up for it: HdrS, 2.15, loader 0xFF, 64-bit */
    const uint8_t *zp = nv_board_guest_ptr(fx->board, NV_BOOT_ZERO_PAGE, 4096);
    g_assert_cmphex(nv_ld16(zp + 0x1FE), ==, 0xAA55);
    g_assert_cmpmem(zp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(nv_ld16(zp + 0x206), ==, 0x020F);
    g_assert_cmphex(zp[0x210], ==, 0xFF);
    g_assert_cmphex(nv_ld32(zp + 0x228), ==, NV_BOOT_CMDLINE);
    g_assert_cmphex(nv_ld64(zp + 0x250), ==, NV_BOOT_SETUP_DATA);
    /* the initrd above the kernel's last byte */
    uint32_t at = nv_ld32(zp + 0x218);
    g_assert_cmpuint(at, >=, SEG1_ADDR + SEG1_MEM);
    g_assert_cmpmem(nv_board_guest_ptr(fx->board, at, 2), 2, "RD", 2);
}

/* Each broken ELF is refused with a message naming the file, and guest RAM
 * is left as it was. */
static void test_elf_refusals(Fx *fx, gconstpointer data)
{
    (void)data;
    const struct {
        const char *what;
        size_t at;      /* offset of a field to overwrite */
        uint64_t value;
        unsigned width; /* bytes */
        const char *expect;
    } cases[] = {
        { "32-bit", EI_CLASS, ELFCLASS32, 1, "64-bit" },
        { "a .o", offsetof(Elf64_Ehdr, e_type), ET_REL, 2, "executable" },
        { "phoff past EOF", offsetof(Elf64_Ehdr, e_phoff), 1u << 30, 8,
          "program headers" },
        { "segment below 1M", sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, p_paddr),
          0x7000, 8, "outside guest RAM" },
        { "segment past RAM", sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) +
                                  offsetof(Elf64_Phdr, p_paddr),
          63 * MiB, 8, "raise -m" },
        { "address wraps", sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) +
                               offsetof(Elf64_Phdr, p_paddr),
          UINT64_MAX - 100, 8, "outside guest RAM" },
        { "data past EOF", sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, p_filesz),
          1u << 20, 8, "past the end" },
        { "filesz > memsz", sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) +
                                offsetof(Elf64_Phdr, p_memsz),
          SEG1_FILE - 1, 8, "past the end" },
        { "entry outside", offsetof(Elf64_Ehdr, e_entry), 0x500000, 8,
          "entry point" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) elf = make_elf();
        uint64_t v = cases[i].value;
        memcpy(elf->data + cases[i].at, &v, cases[i].width); /* LE host */
        g_autofree char *k = write_file(fx, "bad", elf->data, elf->len);
        NvBootInfo bi;
        g_autoptr(GError) err = NULL;
        g_assert_false(boot(fx, k, NULL, &bi, &err));
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].expect) ||
            !strstr(err->message, "-kernel")) {
            g_test_message("%s: '%s' lacks '%s'", cases[i].what, err->message,
                           cases[i].expect);
            g_test_fail();
        }
        g_assert_cmphex(*nv_board_guest_ptr(fx->board, SEG0_ADDR, 1), ==,
                        0xEE);
    }
}

/* ---- bzImage unpacked on the host -------------------------------------- */

static GByteArray *xz(const GByteArray *in)
{
    GByteArray *out = g_byte_array_sized_new(in->len + 4096);
    g_byte_array_set_size(out, in->len + 4096);
    size_t pos = 0;
    g_assert_cmpint(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL,
                                            in->data, in->len, out->data,
                                            &pos, out->len), ==, LZMA_OK);
    g_byte_array_set_size(out, (guint)pos);
    uint8_t size[4];
    nv_st32(size, in->len); /* the kernel build's size_append */
    g_byte_array_append(out, size, 4);
    return out;
}

/* gzip's own trailer ends in ISIZE, the decompressed size. */
static GByteArray *gz(const GByteArray *in)
{
    z_stream z = { 0 };
    g_assert_cmpint(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                 Z_DEFAULT_STRATEGY), ==, Z_OK);
    GByteArray *out = g_byte_array_sized_new(in->len + 4096);
    g_byte_array_set_size(out, in->len + 4096);
    z.next_in = in->data;
    z.avail_in = in->len;
    z.next_out = out->data;
    z.avail_out = out->len;
    g_assert_cmpint(deflate(&z, Z_FINISH), ==, Z_STREAM_END);
    g_byte_array_set_size(out, (guint)z.total_out);
    deflateEnd(&z);
    return out;
}

/* A bzImage (protocol 2.15, 64-bit entry) around @payload. */
static char *make_bzimage(Fx *fx, const char *name, const GByteArray *payload)
{
    const unsigned setup_sects = 4;
    const size_t pm = (setup_sects + 1) * 512, payload_off = 0x100;
    size_t len = pm + payload_off + payload->len;
    g_autofree uint8_t *k = g_malloc0(len);
    k[0x1F1] = setup_sects;
    nv_st16(k + 0x1FE, 0xAA55);
    k[0x200] = 0xEB;
    k[0x201] = 0x6A;
    memcpy(k + 0x202, "HdrS", 4);
    nv_st16(k + 0x206, 0x020F);
    nv_st32(k + 0x22C, 0x7FFFFFFF);  /* initrd_addr_max */
    nv_st16(k + 0x236, 0x1);          /* XLF_KERNEL_64 */
    nv_st32(k + 0x238, 2047);         /* cmdline_size */
    nv_st32(k + 0x248, payload_off);  /* relative to the protected-mode code */
    nv_st32(k + 0x24C, payload->len);
    nv_st32(k + 0x260, 32 * MiB);     /* init_size */
    memcpy(k + pm + payload_off, payload->data, payload->len);
    return write_file(fx, name, k, len);
}

static char *cached_file(Fx *fx)
{
    g_autofree char *dir = g_build_filename(fx->dir, "cache", "kernels", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name = d ? g_dir_read_name(d) : NULL;
    if (!name) {
        return NULL;
    }
    g_assert_null(g_dir_read_name(d)); /* exactly one entry */
    g_assert_true(g_str_has_suffix(name, ".vmlinux"));
    return g_build_filename(dir, name, NULL);
}

static guint count_cached(Fx *fx)
{
    g_autofree char *dir = g_build_filename(fx->dir, "cache", "kernels", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;
    while (d && g_dir_read_name(d)) {
        n++;
    }
    return n;
}

static void test_unpack(Fx *fx, gconstpointer data)
{
    GByteArray *(*compress)(const GByteArray *) = data;
    g_autoptr(GByteArray) elf = make_elf();
    g_autoptr(GByteArray) payload = compress(elf);
    g_autofree char *k = make_bzimage(fx, "bzImage", payload);
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    g_assert_no_error(err);
    assert_elf_loaded(fx, &bi);
    /* the bzImage's own header, not a made-up one */
    const uint8_t *zp = nv_board_guest_ptr(fx->board, NV_BOOT_ZERO_PAGE, 4096);
    g_assert_cmphex(nv_ld32(zp + 0x260), ==, 32 * MiB);

    /* The vmlinux is in the cache, byte for byte. */
    g_autofree char *cached = cached_file(fx);
    g_assert_nonnull(cached);
    g_autofree char *c = NULL;
    gsize clen = 0;
    g_assert_true(g_file_get_contents(cached, &c, &clen, NULL));
    g_assert_cmpmem(c, clen, elf->data, elf->len);

    /* The next boot reads the cache: change a text byte there and it shows. */
    c[4096 + 7] ^= 0xFF;
    g_assert_true(g_file_set_contents(cached, c, (gssize)clen, NULL));
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    g_assert_cmphex(*nv_board_guest_ptr(fx->board, SEG0_ADDR + 7, 1), ==,
                    (uint8_t)(pattern(7) ^ 0xFF));

    /* A cache entry of the wrong size is ignored and rewritten. */
    g_assert_true(g_file_set_contents(cached, "short", 5, NULL));
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    assert_elf_loaded(fx, &bi);
    g_free(c);
    c = NULL;
    g_assert_true(g_file_get_contents(cached, &c, &clen, NULL));
    g_assert_cmpuint(clen, ==, elf->len);
}

/* The cache keeps the NV_KERNEL_CACHE_KEEP most recently used kernels:
 * a hit counts as a use, the least recently used goes first. */
static void test_unpack_cache_trim(Fx *fx, gconstpointer data)
{
    (void)data;
    enum { N = NV_KERNEL_CACHE_KEEP + 1 };
    /* the name: CRC-64/XZ (its check value for "123456789") and length */
    g_autofree char *known = nv_kernel_cache_name((const uint8_t *)"123456789",
                                                  9);
    g_assert_cmpstr(known, ==, "995dc9bbdf1939fa-9.vmlinux");
    g_autofree char *dir = g_build_filename(fx->dir, "cache", "kernels", NULL);
    char *kernels[N], *cached[N];
    for (int i = 0; i < N; i++) {
        g_autoptr(GByteArray) elf = make_elf();
        elf->data[3000] = (uint8_t)i; /* padding: another payload, hash */
        g_autoptr(GByteArray) payload = xz(elf);
        g_autofree char *name = g_strdup_printf("bz%d", i);
        kernels[i] = make_bzimage(fx, name, payload);
        g_autofree char *file = nv_kernel_cache_name(payload->data,
                                                     payload->len);
        cached[i] = g_build_filename(dir, file, NULL);
    }
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    /* Fill the cache; give entry i the mtime 1000 + i s, so the order does
     * not depend on the file system's timestamp granularity. */
    for (int i = 0; i < N - 1; i++) {
        g_assert_true(boot(fx, kernels[i], NULL, &bi, &err));
        g_assert_no_error(err);
        struct timespec ts[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
        g_assert_cmpint(utimensat(AT_FDCWD, cached[i], ts, 0), ==, 0);
    }
    g_assert_cmpuint(count_cached(fx), ==, N - 1);
    /* A hit on kernel 0 makes it the most recently used. */
    g_assert_true(boot(fx, kernels[0], NULL, &bi, &err));
    struct stat st;
    g_assert_cmpint(stat(cached[0], &st), ==, 0);
    g_assert_cmpint(st.st_mtime, >, 1000 + N);
    /* One more kernel: kernel 1, now the least recently used, goes. */
    g_assert_true(boot(fx, kernels[N - 1], NULL, &bi, &err));
    g_assert_cmpuint(count_cached(fx), ==, NV_KERNEL_CACHE_KEEP);
    g_assert_false(g_file_test(cached[1], G_FILE_TEST_EXISTS));
    for (int i = 0; i < N; i++) {
        if (i != 1) {
            g_assert_true(g_file_test(cached[i], G_FILE_TEST_EXISTS));
        }
    }
    for (int i = 0; i < N; i++) {
        g_free(kernels[i]);
        g_free(cached[i]);
    }
}

/* kernel-unpack=guest: the payload goes to 1 MiB untouched, entry at the
 * decompressor's startup_64; nothing is cached. */
static void test_unpack_guest(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autoptr(GByteArray) elf = make_elf();
    g_autoptr(GByteArray) payload = xz(elf);
    g_autofree char *k = make_bzimage(fx, "bzImage", payload);
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    g_assert_no_error(err);
    g_assert_cmphex(bi.entry, ==, NV_BOOT_KERNEL + 0x200);
    g_assert_cmpmem(nv_board_guest_ptr(fx->board, NV_BOOT_KERNEL + 0x100,
                                       payload->len),
                    payload->len, payload->data, payload->len);
    g_autofree char *cached = cached_file(fx);
    g_assert_null(cached);
}

/* NVEMU_CACHE_DIR="" unpacks every time and writes nothing. */
static void test_unpack_no_cache(Fx *fx, gconstpointer data)
{
    (void)data;
    g_setenv("NVEMU_CACHE_DIR", "", TRUE);
    g_autoptr(GByteArray) elf = make_elf();
    g_autoptr(GByteArray) payload = gz(elf);
    g_autofree char *k = make_bzimage(fx, "bzImage", payload);
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    assert_elf_loaded(fx, &bi);
    g_autofree char *cached = cached_file(fx);
    g_assert_null(cached);
}

/* A payload that does not decompress, or lies about its size, is an error
 * naming the file; another format boots as a bzImage (the guest unpacks). */
static void test_unpack_bad(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autoptr(GByteArray) elf = make_elf();
    const struct {
        const char *what;
        int compressor; /* 0 xz, 1 gzip */
        long flip;      /* byte to invert, from the payload's start (<0: end) */
        uint32_t size;  /* 0: keep the declared size */
        const char *expect;
    } cases[] = {
        { "xz corrupt", 0, 40, 0, "does not decompress" },
        { "xz size too small", 0, -1, 100, "larger than" },
        { "xz size too big", 0, -1, 1000000, "smaller than" },
        { "xz size absurd", 0, -1, 0xFFFFFFFF, "implausible" },
        { "gzip corrupt", 1, 30, 0, "does not decompress" },
        { "gzip size too small", 1, -1, 100, "gzip" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) p = cases[i].compressor ? gz(elf) : xz(elf);
        if (cases[i].flip >= 0) {
            p->data[cases[i].flip] ^= 0xFF;
        }
        if (cases[i].size) {
            nv_st32(p->data + p->len - 4, cases[i].size);
        }
        g_autofree char *k = make_bzimage(fx, "bad", p);
        NvBootInfo bi;
        g_autoptr(GError) err = NULL;
        g_assert_false(boot(fx, k, NULL, &bi, &err));
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].expect) ||
            !strstr(err->message, k)) {
            g_test_message("%s: '%s' lacks '%s'", cases[i].what, err->message,
                           cases[i].expect);
            g_test_fail();
        }
    }
    /* zstd magic: not ours to unpack, booted as a bzImage */
    g_autoptr(GByteArray) zst = g_byte_array_new();
    const uint8_t magic[] = { 0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4,
                              5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 1, 0 };
    g_byte_array_append(zst, magic, sizeof(magic));
    g_autofree char *k = make_bzimage(fx, "zst", zst);
    NvBootInfo bi;
    g_autoptr(GError) err = NULL;
    g_assert_true(boot(fx, k, NULL, &bi, &err));
    g_assert_no_error(err);
    g_assert_cmphex(bi.entry, ==, NV_BOOT_KERNEL + 0x200);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/kernel-load/elf", Fx, NULL, fx_setup, test_elf, fx_teardown);
    g_test_add("/kernel-load/elf-refusals", Fx, NULL, fx_setup,
               test_elf_refusals, fx_teardown);
    g_test_add("/kernel-load/unpack-xz", Fx, xz, fx_setup, test_unpack,
               fx_teardown);
    g_test_add("/kernel-load/unpack-gzip", Fx, gz, fx_setup, test_unpack,
               fx_teardown);
    g_test_add("/kernel-load/unpack-cache-trim", Fx, NULL, fx_setup,
               test_unpack_cache_trim, fx_teardown);
    g_test_add("/kernel-load/unpack-guest", Fx, NULL, fx_setup_guest_unpack,
               test_unpack_guest, fx_teardown);
    g_test_add("/kernel-load/unpack-no-cache", Fx, NULL, fx_setup,
               test_unpack_no_cache, fx_teardown);
    g_test_add("/kernel-load/unpack-bad", Fx, NULL, fx_setup, test_unpack_bad,
               fx_teardown);
    return g_test_run();
}
