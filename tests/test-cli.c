/*
 * tests/test-cli.c — the nvemu program as a user meets it.
 *
 * Each bad-input case runs the real binary (path in $NVEMU) in a scratch
 * directory holding the case's files, and checks: exit status 1, nothing on
 * stdout, exactly one stderr line "nvemu: ..." naming the option and value,
 * and no file created, truncated, extended or rewritten.
 */
#include "util.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *name;
    uint64_t size;
} FileSpec;

typedef struct {
    const char *test;          /* GTest path under /cli/bad/ */
    FileSpec files[3];         /* created before the run, checked after */
    const char *args[16];      /* nvemu arguments */
    const char *expect[4];     /* substrings the error line must contain */
} BadCase;

#define NVFILE(sz) "memory-backend-file,id=m0,share=on,mem-path=pmem.img" sz
#define M128 (128 * MiB)

static const BadCase bad_cases[] = {
    { "unknown-option", {{0}}, { "-frobnicate" },
      { "unknown option '-frobnicate'" } },
    { "unknown-property", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,colour=red" },
      { "-device nvdimm", "unknown property 'colour'" } },
    { "unknown-object-property", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=1G,speed=fast" },
      { "-object", "unknown property 'speed'" } },
    { "bad-size-suffix", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=pmem.img,size=4Q" },
      { "-object", "size", "'4Q'" } },
    { "bad-ram-size-suffix", {{0}}, { "-m", "1X" }, { "-m 1X", "'1X'" } },
    { "memdev-missing", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-device", "nvdimm,id=nv0" },
      { "-device nvdimm,id=nv0", "memdev= is required" } },
    { "memdev-unknown", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-device", "nvdimm,id=nv0,memdev=nope" },
      { "-device nvdimm,id=nv0", "memdev=nope" } },
    { "memdev-used-twice", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0",
        "-device", "nvdimm,id=nv1,memdev=m0" },
      { "-device nvdimm,id=nv1", "memdev=m0", "already used by -device "
        "nvdimm,id=nv0" } },
    { "duplicate-object-id", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=128M",
        "-object", "memory-backend-ram,id=r0,size=256M" },
      { "-object", "id=r0 is already used" } },
    { "duplicate-device-id", {{0}},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-ram,id=r0,size=128M",
        "-object", "memory-backend-ram,id=r1,size=128M",
        "-device", "pc-dimm,id=d0,memdev=r0",
        "-device", "pc-dimm,id=d0,memdev=r1" },
      { "-device", "id=d0 is already used" } },
    { "label-size-too-small", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=64K" },
      { "-device nvdimm", "label-size=64K", "128K" } },
    { "label-size-too-large", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,label-size=2G" },
      { "-device nvdimm", "label-size=2G", "maximum of 1G" } },
    { "file-too-small-for-label", {{ "pmem.img", M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K" },
      { "-device nvdimm,id=nv0", "memdev=m0 is 128M", "too small",
        "label-size=128K" } },
    { "file-size-differs", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(",size=512M"),
        "-device", "nvdimm,id=nv0,memdev=m0" },
      { "-object memory-backend-file,id=m0", "pmem.img", "512M" } },
    { "missing-file-without-size", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0" },
      { "-object memory-backend-file,id=m0", "pmem.img", "size=" } },
    { "slot-out-of-range", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,slot=2" },
      { "-device nvdimm,id=nv0", "slot=2", "out of range" } },
    { "slot-beyond-maximum", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,slot=300" },
      { "-device", "slot", "'300'" } },
    { "slot-taken", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a,slot=1",
        "-device", "nvdimm,id=nv1,memdev=b,slot=1" },
      { "-device nvdimm,id=nv1", "slot=1", "taken by -device nvdimm,id=nv0" } },
    { "more-dimms-than-slots", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=1,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a",
        "-device", "nvdimm,id=nv1,memdev=b" },
      { "-device nvdimm,id=nv1", "no free slot", "1 slot" } },
    { "over-maxmem", {{ "a.img", 4 * M128 }, { "b.img", 4 * M128 }},
      { "-m", "1G,slots=4,maxmem=1664M",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a",
        "-device", "nvdimm,id=nv1,memdev=b" },
      { "-device nvdimm,id=nv1", "2G", "over maxmem=1664M" } },
    { "node-out-of-range", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,node=1" },
      { "-device nvdimm,id=nv0", "node=1", "out of range" } },
    { "readonly-labels-armed", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", NVFILE(",readonly=on"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K" },
      { "-device nvdimm,id=nv0", "readonly=on", "unarmed=on" } },
    { "duplicate-uuid", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a,uuid=11111111-2222-3333-4444-"
                   "555555555555",
        "-device", "nvdimm,id=nv1,memdev=b,uuid=11111111-2222-3333-4444-"
                   "555555555555" },
      { "-device nvdimm,id=nv1", "uuid=11111111-2222-3333-4444-555555555555",
        "already used by -device nvdimm,id=nv0" } },
    { "maxmem-below-ram", {{0}}, { "-m", "2G,slots=2,maxmem=1G" },
      { "-m 2G,slots=2,maxmem=1G", "maxmem=1G" } },
    { "slots-without-maxmem", {{0}}, { "-m", "1G,slots=2" },
      { "-m 1G,slots=2", "maxmem" } },
    { "smp-zero", {{0}}, { "-smp", "0" }, { "-smp 0" } },
    { "missing-value", {{0}}, { "-m" }, { "-m needs a value" } },
    { "bad-bool", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=x,share=maybe" },
      { "-object", "share", "'maybe'" } },
    /* A guest without kvmclock would hang on nvemu's hardware-reduced
     * machine: refused while parsing, before any file is made. */
    { "append-no-kvmclock", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(",size=256M"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K",
        "-append", "console=ttyS0 no-kvmclock quiet" },
      { "-append", "no-kvmclock would hang this guest", "remove it",
        "tsc_early_khz=" } },
    { "append-nopv", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0", "-append", "nopv" },
      { "-append nopv", "nopv would hang this guest", "remove it" } },
    { "machine-rtc-bad", {{0}}, { "-machine", "rtc=maybe" },
      { "-machine rtc=maybe", "'maybe'" } },
};

/* ---- running the binary --------------------------------------------- */

static bool run_nvemu(const char *dir, const char *const *args, char **out,
                char **err, int *status)
{
    return nv_test_run("NVEMU", dir, args, out, err, status);
}

/* ---- file fingerprints ---------------------------------------------- */

typedef struct {
    char *name;
    struct stat st;
    guint8 head[4096];
} Fingerprint;

static void make_file(const char *dir, const FileSpec *f)
{
    g_autofree char *path = g_build_filename(dir, f->name, NULL);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    g_assert_cmpint(fd, >=, 0);
    guint8 pattern[4096];
    for (size_t i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (guint8)(i * 7 + 1);
    }
    g_assert_cmpint(pwrite(fd, pattern, sizeof(pattern), 0), ==,
                    sizeof(pattern));
    g_assert_cmpint(ftruncate(fd, (off_t)f->size), ==, 0);
    close(fd);
}

static void fingerprint(const char *dir, const char *name, Fingerprint *fp)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    fp->name = g_strdup(name);
    g_assert_cmpint(stat(path, &fp->st), ==, 0);
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, fp->head, sizeof(fp->head), 0), ==,
                    sizeof(fp->head));
    close(fd);
}

static guint count_entries(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;
    while (g_dir_read_name(d)) {
        n++;
    }
    return n;
}

/* ---- the cases ------------------------------------------------------- */

static void test_bad(gconstpointer data)
{
    const BadCase *c = data;
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    Fingerprint before[3] = { 0 };
    guint nfiles = 0;

    for (; nfiles < 3 && c->files[nfiles].name; nfiles++) {
        make_file(dir, &c->files[nfiles]);
        fingerprint(dir, c->files[nfiles].name, &before[nfiles]);
    }

    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(dir, c->args, &out, &err, &status));
    g_test_message("stderr: %s", err);

    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(out, ==, "");
    g_assert_true(g_str_has_prefix(err, "nvemu: "));
    const char *nl = strchr(err, '\n');
    g_assert_nonnull(nl);
    g_assert_cmpstr(nl + 1, ==, ""); /* exactly one line */
    for (int i = 0; i < 4 && c->expect[i]; i++) {
        if (!strstr(err, c->expect[i])) {
            g_test_message("expected '%s' in the error line", c->expect[i]);
            g_test_fail();
        }
    }

    /* Nothing created, and the user's files are exactly as they were. */
    g_assert_cmpuint(count_entries(dir), ==, nfiles);
    for (guint i = 0; i < nfiles; i++) {
        Fingerprint after = { 0 };
        fingerprint(dir, before[i].name, &after);
        g_assert_cmpint(after.st.st_size, ==, before[i].st.st_size);
        g_assert_cmpint(after.st.st_mtim.tv_sec, ==,
                        before[i].st.st_mtim.tv_sec);
        g_assert_cmpint(after.st.st_mtim.tv_nsec, ==,
                        before[i].st.st_mtim.tv_nsec);
        g_assert_cmpmem(after.head, sizeof(after.head), before[i].head,
                        sizeof(before[i].head));
        g_free(after.name);
        g_free(before[i].name);
    }
    nv_test_rm_dir(dir);
}

/* The acceptance example: two nvdimms and a pc-dimm. */
static void test_memory_map(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    FileSpec existing = { "nv1.img", 4 * GiB };
    make_file(dir, &existing);
    const char *args[] = {
        "-m", "1G,slots=4,maxmem=16G", "--print-memory-map",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=pmem0.img,"
                   "size=4G",
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=nv1.img",
        "-device", "nvdimm,id=nv1,memdev=mem1,label-file=nv1.labels",
        "-object", "memory-backend-ram,id=ram2,size=1G",
        "-device", "pc-dimm,id=d2,memdev=ram2",
        NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_test_message("%s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");

    /* RAM, the device-memory region (base 4G, 15G + 4 x 1G slack) and each DIMM
     * at the next 128M-aligned address with its pmem size. */
    static const char *const lines[] = {
        "0x0000000000000000-0x000000003fefffff  1023M    RAM",
        "0x000000003ff00000-0x000000003fffffff  1M       reserved: DSM mailbox",
        "0x000000003ff00000-0x000000003ff20fff  132K       DSM mailbox",
        "0x00000000feb00000-0x00000000feb00003  4B         DSM doorbell",
        "0x0000000100000000-0x00000005bfffffff  19G      device memory",
        "0x0000000100000000-0x00000001f7ffffff  3968M      slot 0: nvdimm nv0, "
        "pmem",
        "0x00000001f8000000-0x00000002f7ffffff  4G         slot 1: nvdimm nv1, "
        "pmem",
        "0x00000002f8000000-0x0000000337ffffff  1G         slot 2: pc-dimm d2, "
        "RAM",
        "labels   128K at offset 0xfffe0000 of 'pmem0.img' (the file's tail)",
        "labels   128K in label file 'nv1.labels', will be created",
        "'pmem0.img', 4G, share=on, will be created (sparse)",
        "'nv1.img', 4G, share=on, exists",
        "unused   130944K of the backend after pmem",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        if (!strstr(out, lines[i])) {
            g_test_message("missing: %s", lines[i]);
            g_test_fail();
        }
    }
    /* A dry run: neither pmem0.img nor nv1.labels was created. */
    g_assert_cmpuint(count_entries(dir), ==, 1);
    nv_test_rm_dir(dir);
}

/* -machine rtc=off: no CMOS RTC in the tables (the FADT says "not
 * present" and names no century byte; no PNP0B00 device in the DSDT);
 * the default has one. */
static void test_rtc_off(void)
{
    static const guint8 pnp0b00[] = { 0x0C, 0x41, 0xD0, 0x0B, 0x00 };
    for (int off = 0; off <= 1; off++) {
        g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
        const char *args[] = { "--dump-acpi", "acpi", "-machine",
                               off ? "rtc=off" : "rtc=on", NULL };
        g_autofree char *out = NULL, *err = NULL;
        g_autofree char *facp = NULL, *dsdt = NULL;
        gsize facp_len = 0, dsdt_len = 0;
        int status = -1;
        g_assert_true(run_nvemu(dir, args, &out, &err, &status));
        g_assert_cmpint(status, ==, 0);
        g_autofree char *fp = g_build_filename(dir, "acpi", "facp.dat", NULL);
        g_autofree char *dp = g_build_filename(dir, "acpi", "dsdt.dat", NULL);
        g_assert_true(g_file_get_contents(fp, &facp, &facp_len, NULL));
        g_assert_true(g_file_get_contents(dp, &dsdt, &dsdt_len, NULL));
        g_assert_cmpuint(facp_len, ==, 276);
        g_assert_cmphex((guint8)facp[108], ==, off ? 0 : 0x32); /* CENTURY */
        g_assert_cmphex((guint8)facp[109] & 0x20, ==, off ? 0x20 : 0);
        g_assert_true(!memmem(dsdt, dsdt_len, pnp0b00, sizeof(pnp0b00)) ==
                      !!off);
        nv_test_rm_dir(dir);
    }
}

/* no-kvmclock with the TSC rate given (tsc_early_khz=) is accepted: that
 * guest boots (tests/test-guest-clock.sh). */
static void test_append_tsc_khz(void)
{
    const char *args[] = { "--print-memory-map", "-append",
                           "console=ttyS0 no-kvmclock tsc_early_khz=2596126",
                           NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(NULL, args, &out, &err, &status));
    g_test_message("%s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
}

static void test_help_version(void)
{
    const char *help[] = { "--help", NULL }, *ver[] = { "-version", NULL };
    g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
    int status = -1;
    g_assert_true(run_nvemu(NULL, help, &out, &err, &status));
    g_assert_cmpint(status, ==, 0);
    g_assert_nonnull(strstr(out, "-device nvdimm,memdev=ID"));
    g_assert_nonnull(strstr(out, "--print-memory-map"));
    g_assert_true(run_nvemu(NULL, ver, &out2, &err2, &status));
    g_assert_cmpint(status, ==, 0);
    g_assert_true(g_str_has_prefix(out2, "nvemu "));
}

/* --check-kvm: either this /dev/kvm can boot Linux, or one line says why
 * and where to go instead (on this project's machines: PVM-based KVM). */
static void test_check_kvm(void)
{
    const char *args[] = { "--check-kvm", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(NULL, args, &out, &err, &status));
    g_test_message("status %d: %s%s", status, out, err);
    if (status == 0) {
        g_assert_cmpstr(out, ==, "nvemu: /dev/kvm can boot a Linux guest\n");
        return;
    }
    g_assert_cmpint(status, ==, 1);
    g_assert_true(g_str_has_prefix(err, "nvemu: "));
    g_assert_nonnull(strstr(err, "/dev/kvm"));
    g_assert_nonnull(strstr(err, "tools/test-host/run"));
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("NVEMU")) {
        g_printerr("set NVEMU to the nvemu binary\n");
        return 1;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cli/bad/%s",
                                                bad_cases[i].test);
        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    g_test_add_func("/cli/memory-map", test_memory_map);
    g_test_add_func("/cli/help-version", test_help_version);
    g_test_add_func("/cli/rtc-off", test_rtc_off);
    g_test_add_func("/cli/append-tsc-khz", test_append_tsc_khz);
    g_test_add_func("/cli/check-kvm", test_check_kvm);
    return g_test_run();
}
