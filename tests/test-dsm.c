/*
 * tests/test-dsm.c — the _DSM mailbox driven the way the guest drives it:
 * write a request into guest RAM at the mailbox address, write the doorbell
 * through nv_io_dispatch() (the vCPU loop's path), read the response.
 *
 * The machine, built from a real command line:
 *   handle 1  nv0  labels in the tail of a.img (128K)
 *   handle 2  nv1  no labels (label-size=0)
 *   handle 3  nv2  1M label file c.labels
 *   handle 4  nv3  read-only backend d.img, unarmed, 128K labels
 *   handle 5  pc4  a pc-dimm: not an NVDIMM
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char *dir;
    NvConfig *cfg;
    NvBoard *board;
    uint8_t *mb; /* the mailbox, as the guest sees it */
} Fx;

static char *path_in(Fx *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

static void write_file(const char *path, uint64_t size, uint64_t pat_off,
                       uint8_t pat)
{
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    uint8_t buf[4096];
    memset(buf, pat, sizeof(buf));
    g_assert_cmpint(pwrite(fd, buf, sizeof(buf), (off_t)pat_off), ==,
                    sizeof(buf));
    close(fd);
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    fx->dir = g_dir_make_tmp("nvemu-dsm-XXXXXX", NULL);
    g_autofree char *a = path_in(fx, "a.img"), *b = path_in(fx, "b.img");
    g_autofree char *c = path_in(fx, "c.img"), *cl = path_in(fx, "c.labels");
    g_autofree char *d = path_in(fx, "d.img");
    /* d.img exists already (read-only): 256M pmem + 128K labels of 0xd5 */
    write_file(d, 256 * MiB + 128 * KiB, 256 * MiB, 0xd5);

    g_autofree char *oa = g_strdup_printf(
        "memory-backend-file,id=m0,share=on,mem-path=%s,size=384M", a);
    g_autofree char *ob = g_strdup_printf(
        "memory-backend-file,id=m1,share=on,mem-path=%s,size=128M", b);
    g_autofree char *oc = g_strdup_printf(
        "memory-backend-file,id=m2,share=on,mem-path=%s,size=128M", c);
    g_autofree char *dc = g_strdup_printf(
        "nvdimm,id=nv2,memdev=m2,label-file=%s,label-size=1M", cl);
    g_autofree char *od = g_strdup_printf(
        "memory-backend-file,id=m3,share=on,readonly=on,mem-path=%s", d);
    const char *argv[] = {
        "nvemu", "-m", "128M,slots=8,maxmem=8G",
        "-object", oa, "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K",
        "-object", ob, "-device", "nvdimm,id=nv1,memdev=m1,label-size=0",
        "-object", oc, "-device", dc,
        "-object", od,
        "-device", "nvdimm,id=nv3,memdev=m3,label-size=128K,unarmed=on",
        "-object", "memory-backend-ram,id=r4,size=128M",
        "-device", "pc-dimm,id=pc4,memdev=r4",
    };
    g_autoptr(GError) err = NULL;
    fx->cfg = nv_config_parse(G_N_ELEMENTS(argv), (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(fx->cfg, &err));
    g_assert_no_error(err);
    fx->board = nv_board_new(fx->cfg, &err);
    g_assert_no_error(err);
    fx->mb = nv_board_guest_ptr(fx->board, fx->board->dsm_mailbox,
                                NV_DSM_MAILBOX_SIZE);
    g_assert_nonnull(fx->mb);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    nv_board_free(fx->board);
    nv_config_free(fx->cfg);
    g_autoptr(GDir) dir = g_dir_open(fx->dir, 0, NULL);
    const char *n;
    while ((n = g_dir_read_name(dir))) {
        g_autofree char *p = path_in(fx, n);
        g_assert_cmpint(unlink(p), ==, 0);
    }
    g_assert_cmpint(rmdir(fx->dir), ==, 0);
    g_free(fx->dir);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void ring(NvBoard *b)
{
    uint8_t db[4] = { 0 };
    g_assert_true(nv_io_dispatch(b->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL, db,
                                 4, true));
}

/* A request whose header claims @in_len bytes of Arg3 while @copy bytes
 * are written (a lying guest claims more than the mailbox holds). */
static uint32_t dsm_call_raw(Fx *fx, uint32_t handle, uint32_t rev,
                             uint32_t fn, const void *in, uint32_t copy,
                             uint32_t in_len, const uint8_t **out)
{
    wr32(fx->mb + NV_DSM_REQ_HANDLE, handle);
    wr32(fx->mb + NV_DSM_REQ_FAMILY,
         handle == 0 ? NV_DSM_FAMILY_ROOT
         : handle == NV_DSM_FIT_HANDLE ? NV_DSM_FAMILY_FIT
                                       : NV_DSM_FAMILY_INTEL);
    wr32(fx->mb + NV_DSM_REQ_REVISION, rev);
    wr32(fx->mb + NV_DSM_REQ_FUNCTION, fn);
    wr32(fx->mb + NV_DSM_REQ_IN_LEN, in_len);
    if (copy) {
        memcpy(fx->mb + NV_DSM_REQ_IN, in, copy);
    }
    ring(fx->board);
    *out = fx->mb + NV_DSM_RESP_OUT;
    return rd32(fx->mb + NV_DSM_RESP_OUT_LEN);
}

/* One _DSM call as the AML makes it; returns the result length, *out
 * points at the result in the mailbox. */
static uint32_t dsm_call(Fx *fx, uint32_t handle, uint32_t rev, uint32_t fn,
                         const void *in, uint32_t in_len, const uint8_t **out)
{
    return dsm_call_raw(fx, handle, rev, fn, in, in_len, in_len, out);
}

/* A call whose result is a bare status. */
static uint32_t dsm_status(Fx *fx, uint32_t handle, uint32_t rev, uint32_t fn,
                           const void *in, uint32_t in_len)
{
    const uint8_t *out;
    g_assert_cmpuint(dsm_call(fx, handle, rev, fn, in, in_len, &out), ==, 4);
    return rd32(out);
}

static uint64_t query_bits(Fx *fx, uint32_t handle, uint32_t rev)
{
    const uint8_t *out;
    g_assert_cmpuint(dsm_call(fx, handle, rev, 0, NULL, 0, &out), ==, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)out[i] << (8 * i);
    }
    return v;
}

static void range_in(uint8_t in[8], uint32_t off, uint32_t len)
{
    wr32(in, off);
    wr32(in + 4, len);
}

static uint32_t get_label(Fx *fx, uint32_t h, uint32_t off, uint32_t len,
                          uint8_t *dst)
{
    uint8_t in[8];
    const uint8_t *out;
    range_in(in, off, len);
    uint32_t n = dsm_call(fx, h, 1, 5, in, 8, &out);
    if (rd32(out) == NV_DSM_OK) {
        g_assert_cmpuint(n, ==, 4 + len);
        memcpy(dst, out + 4, len);
    } else {
        g_assert_cmpuint(n, ==, 4); /* an error carries no data */
    }
    return rd32(out);
}

static uint32_t set_label(Fx *fx, uint32_t h, uint32_t off, uint32_t len,
                          const uint8_t *src)
{
    g_autofree uint8_t *in = g_malloc(8 + (gsize)len);
    range_in(in, off, len);
    memcpy(in + 8, src, len);
    return dsm_status(fx, h, 1, 6, in, 8 + len);
}

/* What the host file holds at [off, off+len). */
static uint8_t *file_bytes(Fx *fx, const char *name, uint64_t off,
                           uint64_t len)
{
    g_autofree char *p = path_in(fx, name);
    uint8_t *buf = g_malloc(len);
    int fd = open(p, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, (off_t)off), ==, (ssize_t)len);
    close(fd);
    return buf;
}

#define A_LABELS (384 * MiB - 128 * KiB) /* nv0's label offset in a.img */

/* ---- tests ----------------------------------------------------------- */

static void test_query(Fx *fx, gconstpointer data)
{
    (void)data;
    /* revision 1: health (1, 2, 10) on every NVDIMM, labels where
     * present; revision 2: Set SMART Threshold and Inject SMART (17, 18)
     * (test-dsm-health.c has the rest) */
    const uint64_t health = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 10;
    const uint64_t labels = 1 << 4 | 1 << 5, writable = 1 << 6;
    /* root: ARS 1-4, Translate SPA 5, error injection 7-9 (not 6);
     * test-dsm-ars.c has the rest */
    g_assert_cmphex(query_bits(fx, 0, 1), ==, 0x3bf);
    g_assert_cmphex(query_bits(fx, 1, 1), ==, health | labels | writable);
    g_assert_cmphex(query_bits(fx, 2, 1), ==, health); /* no labels */
    g_assert_cmphex(query_bits(fx, 3, 1), ==, health | labels | writable);
    g_assert_cmphex(query_bits(fx, 4, 1), ==, health | labels); /* r/o */
    g_assert_cmphex(query_bits(fx, 1, 2), ==, 1 << 0 | 1 << 17 | 1 << 18);
    g_assert_cmphex(query_bits(fx, 1, 3), ==, 0);      /* unknown revision */
    g_assert_cmphex(query_bits(fx, 1, 0), ==, 0);
    g_assert_cmphex(query_bits(fx, 0, 2), ==, 0);      /* root: revision 1 */
    g_assert_cmpuint(dsm_status(fx, 0, 1, 6, NULL, 0), ==, NV_DSM_UNSUPPORTED);
    g_assert_cmpuint(dsm_status(fx, 0, 2, 1, NULL, 0), ==, NV_DSM_UNSUPPORTED);
}

/* A request for @family (whatever the handle): the result length. */
static uint32_t family_call(Fx *fx, uint32_t handle, uint32_t family,
                            uint32_t rev, uint32_t fn, const uint8_t **out)
{
    wr32(fx->mb + NV_DSM_REQ_HANDLE, handle);
    wr32(fx->mb + NV_DSM_REQ_FAMILY, family);
    wr32(fx->mb + NV_DSM_REQ_REVISION, rev);
    wr32(fx->mb + NV_DSM_REQ_FUNCTION, fn);
    wr32(fx->mb + NV_DSM_REQ_IN_LEN, 0);
    ring(fx->board);
    *out = fx->mb + NV_DSM_RESP_OUT;
    return rd32(fx->mb + NV_DSM_RESP_OUT_LEN);
}

/* The family field: an unknown family, or a family asked of the wrong
 * kind of device, offers nothing (a bitmap with bit 0 clear) and answers
 * status 1; the Intel family on a handle with no NVDIMM answers 2. */
static void test_families(Fx *fx, gconstpointer data)
{
    (void)data;
    static const struct { uint32_t handle, family; } none[] = {
        { 1, 0 }, { 1, NV_DSM_FAMILY_ROOT }, { 0, 0 }, { 0, 3 },
        { 1, 3 }, { 1, 0xffffffff }, { 0, 0x80000002 },
        { 0x10000, NV_DSM_FAMILY_ROOT }, { 0x10000, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(none); i++) {
        const uint8_t *out;
        for (uint32_t rev = 0; rev < 4; rev++) {
            g_assert_cmpuint(family_call(fx, none[i].handle, none[i].family,
                                         rev, 0, &out), ==, 8);
            for (int b = 0; b < 8; b++) {
                g_assert_cmpuint(out[b], ==, 0);
            }
        }
        for (uint32_t fn = 1; fn < 20; fn++) {
            g_assert_cmpuint(family_call(fx, none[i].handle, none[i].family,
                                         1, fn, &out), ==, 4);
            g_assert_cmpuint(rd32(out), ==, NV_DSM_UNSUPPORTED);
        }
    }
    const uint8_t *out;
    g_assert_cmpuint(family_call(fx, 0, NV_DSM_FAMILY_INTEL, 1, 4, &out), ==,
                     4);
    g_assert_cmpuint(rd32(out), ==, NV_DSM_NO_DEVICE);
    /* the same handle with its own family works */
    g_assert_cmpuint(family_call(fx, 1, NV_DSM_FAMILY_INTEL, 1, 4, &out), ==,
                     12);
    g_assert_cmpuint(rd32(out), ==, NV_DSM_OK);
}

static void test_label_size(Fx *fx, gconstpointer data)
{
    (void)data;
    static const struct { uint32_t handle, size; } cases[] = {
        { 1, 128 * KiB }, { 3, 1 * MiB }, { 4, 128 * KiB },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const uint8_t *out;
        g_assert_cmpuint(dsm_call(fx, cases[i].handle, 1, 4, NULL, 0, &out),
                         ==, 12);
        g_assert_cmpuint(rd32(out), ==, NV_DSM_OK);
        g_assert_cmpuint(rd32(out + 4), ==, cases[i].size);
        g_assert_cmpuint(rd32(out + 8), ==, NV_DSM_MAX_XFER);
    }
    g_assert_cmpuint(NV_DSM_MAX_XFER, >=, 64 * KiB);
}

/* Each status path, and that a failed call returns no data and writes
 * nothing. */
static void test_status_paths(Fx *fx, gconstpointer data)
{
    (void)data;
    uint8_t in[8 + 16] = { 0 }, buf[16];
    g_autofree uint8_t *before = file_bytes(fx, "a.img", A_LABELS, 128 * KiB);

    /* handles: none, a pc-dimm's, far out */
    g_assert_cmpuint(dsm_status(fx, 5, 1, 4, NULL, 0), ==, NV_DSM_NO_DEVICE);
    g_assert_cmpuint(dsm_status(fx, 6, 1, 0, NULL, 0), ==, NV_DSM_NO_DEVICE);
    g_assert_cmpuint(dsm_status(fx, 0xffffffff, 1, 5, in, 8), ==,
                     NV_DSM_NO_DEVICE);
    /* functions and revisions */
    static const uint32_t bad_fns[] = { 3, 7, 17, 18, 31, 63, 64,
                                        0xffffffff };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_fns); i++) {
        g_assert_cmpuint(dsm_status(fx, 1, 1, bad_fns[i], in, 8), ==,
                         NV_DSM_UNSUPPORTED);
    }
    g_assert_cmpuint(dsm_status(fx, 1, 2, 4, NULL, 0), ==, NV_DSM_UNSUPPORTED);
    g_assert_cmpuint(dsm_status(fx, 1, 0, 5, in, 8), ==, NV_DSM_UNSUPPORTED);
    /* label-less DIMM */
    for (uint32_t fn = 4; fn <= 6; fn++) {
        g_assert_cmpuint(dsm_status(fx, 2, 1, fn, in, 8), ==,
                         NV_DSM_UNSUPPORTED);
    }
    /* ranges: past the end, over the transfer limit, wrapping, short */
    static const uint32_t ranges[][2] = {
        { 128 * KiB - 8, 16 }, { 128 * KiB, 1 }, { 0, 128 * KiB + 1 },
        { 0xfffffff0u, 0x20 }, { 0xffffffffu, 0xffffffffu }, { 1, 0xffffffffu },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        g_assert_cmpuint(get_label(fx, 1, ranges[i][0], ranges[i][1], buf), ==,
                         NV_DSM_INVALID_INPUT);
        range_in(in, ranges[i][0], ranges[i][1]);
        g_assert_cmpuint(dsm_status(fx, 1, 1, 6, in, sizeof(in)), ==,
                         NV_DSM_INVALID_INPUT);
    }
    g_assert_cmpuint(dsm_status(fx, 1, 1, 5, in, 7), ==, NV_DSM_INVALID_INPUT);
    /* Set that claims more data than it carries */
    range_in(in, 0, 17);
    g_assert_cmpuint(dsm_status(fx, 1, 1, 6, in, 8 + 16), ==,
                     NV_DSM_INVALID_INPUT);
    /* Arg3 claimed longer than the mailbox */
    static const uint32_t claims[] = { NV_DSM_IN_MAX + 1, 0xffffffff };
    for (size_t i = 0; i < G_N_ELEMENTS(claims); i++) {
        const uint8_t *out;
        range_in(in, 0, 8);
        g_assert_cmpuint(dsm_call_raw(fx, 1, 1, 5, in, 8, claims[i], &out),
                         ==, 4);
        g_assert_cmpuint(rd32(out), ==, NV_DSM_INVALID_INPUT);
    }

    g_autofree uint8_t *after = file_bytes(fx, "a.img", A_LABELS, 128 * KiB);
    g_assert_cmpmem(before, 128 * KiB, after, 128 * KiB);
}

/* Read-only / unarmed: Set refused, query does not offer it, file intact. */
static void test_readonly(Fx *fx, gconstpointer data)
{
    (void)data;
    uint8_t buf[4096], junk[64];
    memset(junk, 0x11, sizeof(junk));
    g_assert_cmpuint(set_label(fx, 4, 0, sizeof(junk), junk), ==,
                     NV_DSM_UNSUPPORTED);
    g_assert_cmpuint(get_label(fx, 4, 0, sizeof(buf), buf), ==, NV_DSM_OK);
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmpuint(buf[i], ==, 0xd5);
    }
    g_autofree uint8_t *f = file_bytes(fx, "d.img", 256 * MiB, sizeof(buf));
    g_assert_cmpmem(f, sizeof(buf), buf, sizeof(buf));
}

/* The whole 1M label file in max-transfer chunks, out and back, and the
 * bytes really are in the file. */
static void test_round_trip(Fx *fx, gconstpointer data)
{
    (void)data;
    const uint32_t size = 1 * MiB, chunk = NV_DSM_MAX_XFER;
    g_autofree uint8_t *src = g_malloc(size), *dst = g_malloc0(size);
    GRand *rand = g_rand_new_with_seed(42);
    for (uint32_t i = 0; i < size; i++) {
        src[i] = (uint8_t)g_rand_int(rand);
    }
    g_rand_free(rand);
    uint64_t calls0 = nv_dsm_calls(fx->board->dsm);
    for (uint32_t off = 0; off < size; off += chunk) {
        g_assert_cmpuint(set_label(fx, 3, off, chunk, src + off), ==,
                         NV_DSM_OK);
    }
    for (uint32_t off = 0; off < size; off += chunk) {
        g_assert_cmpuint(get_label(fx, 3, off, chunk, dst + off), ==,
                         NV_DSM_OK);
    }
    g_assert_cmpuint(nv_dsm_calls(fx->board->dsm) - calls0, ==,
                     2 * size / chunk);
    g_assert_cmpmem(src, size, dst, size);
    g_autofree uint8_t *f = file_bytes(fx, "c.labels", 0, size);
    g_assert_cmpmem(src, size, f, size);

    /* and the tail of a.img: last byte of the area, a byte-sized transfer */
    uint8_t one = 0x5a, back = 0;
    g_assert_cmpuint(set_label(fx, 1, 128 * KiB - 1, 1, &one), ==, NV_DSM_OK);
    g_assert_cmpuint(get_label(fx, 1, 128 * KiB - 1, 1, &back), ==, NV_DSM_OK);
    g_assert_cmpuint(back, ==, 0x5a);
    g_autofree uint8_t *t = file_bytes(fx, "a.img", 384 * MiB - 1, 1);
    g_assert_cmpuint(t[0], ==, 0x5a);
    /* zero-length transfers are fine */
    g_assert_cmpuint(get_label(fx, 1, 128 * KiB, 0, &back), ==, NV_DSM_OK);
}

/* A persist failure is an error status, never success, and the area is
 * left as it was: a Get after the failed Set returns the old bytes, and so
 * does the file. For the file tail (nv0) and a label file (nv2). */
static void test_persist_failure(Fx *fx, gconstpointer data)
{
    (void)data;
    static const struct { guint dimm; uint32_t handle; const char *file;
                          uint64_t base; } cases[] = {
        { 0, 1, "a.img", A_LABELS }, { 2, 3, "c.labels", 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvDimm *nv = g_ptr_array_index(fx->cfg->dimms, cases[i].dimm);
        NvHostMem *m = nv->label_mem ? nv->label_mem : nv->memdev;
        uint8_t old[300], new[300], back[300];
        memset(old, 0x0d, sizeof(old));
        memset(new, 0xe1, sizeof(new));
        const uint32_t off = 4000; /* straddles a page boundary */
        g_assert_cmpuint(set_label(fx, cases[i].handle, off, sizeof(old), old),
                         ==, NV_DSM_OK);
        m->persist_fault = EIO;
        g_assert_cmpuint(set_label(fx, cases[i].handle, off, sizeof(new), new),
                         ==, NV_DSM_HW_ERROR);
        m->persist_fault = 0;
        g_assert_cmpuint(get_label(fx, cases[i].handle, off, sizeof(back),
                                   back), ==, NV_DSM_OK);
        g_assert_cmpmem(back, sizeof(back), old, sizeof(old));
        g_autofree uint8_t *f = file_bytes(fx, cases[i].file,
                                           cases[i].base + off, sizeof(old));
        g_assert_cmpmem(f, sizeof(old), old, sizeof(old));
        /* once the host recovers, the same Set goes through */
        g_assert_cmpuint(set_label(fx, cases[i].handle, off, sizeof(new), new),
                         ==, NV_DSM_OK);
        g_assert_cmpuint(get_label(fx, cases[i].handle, off, sizeof(back),
                                   back), ==, NV_DSM_OK);
        g_assert_cmpmem(back, sizeof(back), new, sizeof(new));
    }
}

/* Someone truncates the label file under a running nvemu: reads past the
 * new end and every Set there answer the error status (through the mapping
 * they were a SIGBUS), the file is not grown back, the rest still works. */
static void test_label_file_shrunk(Fx *fx, gconstpointer data)
{
    (void)data;
    g_autofree char *lp = path_in(fx, "c.labels");
    uint8_t buf[4096], pat[4096];
    memset(pat, 0x42, sizeof(pat));
    g_assert_cmpuint(set_label(fx, 3, 0, sizeof(pat), pat), ==, NV_DSM_OK);
    g_assert_cmpint(truncate(lp, 64 * KiB), ==, 0);

    g_assert_cmpuint(get_label(fx, 3, 96 * KiB, sizeof(buf), buf), ==,
                     NV_DSM_HW_ERROR);
    g_assert_cmpuint(get_label(fx, 3, 62 * KiB, sizeof(buf), buf), ==,
                     NV_DSM_HW_ERROR); /* straddles the new end */
    g_assert_cmpuint(set_label(fx, 3, 96 * KiB, sizeof(pat), pat), ==,
                     NV_DSM_HW_ERROR);
    struct stat st;
    g_assert_cmpint(stat(lp, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 64 * KiB);
    g_assert_cmpuint(get_label(fx, 3, 0, sizeof(buf), buf), ==, NV_DSM_OK);
    g_assert_cmpmem(buf, sizeof(buf), pat, sizeof(pat));
    g_assert_cmpuint(set_label(fx, 3, 4096, sizeof(pat), pat), ==,
                     NV_DSM_OK);
}

/* The device touches the mailbox and nothing after it, even for the
 * largest response; odd doorbell writes do nothing. */
static void test_mailbox_bounds(Fx *fx, gconstpointer data)
{
    (void)data;
    uint8_t *after = fx->mb + NV_DSM_MAILBOX_SIZE; /* still guest RAM */
    memset(after, 0xc3, 4096);
    uint8_t in[8];
    const uint8_t *out;
    range_in(in, 0, NV_DSM_MAX_XFER);
    g_assert_cmpuint(dsm_call(fx, 3, 1, 5, in, 8, &out), ==,
                     4 + NV_DSM_MAX_XFER);
    for (int i = 0; i < 4096; i++) {
        g_assert_cmpuint(after[i], ==, 0xc3);
    }

    /* Wrong mailbox number, width or offset: no call, mailbox untouched. */
    uint64_t calls = nv_dsm_calls(fx->board->dsm);
    wr32(fx->mb, 1);
    wr32(fx->mb + 4, 1);
    wr32(fx->mb + 8, 4);
    wr32(fx->mb + 12, 0);
    uint8_t one[4] = { 1, 0, 0, 0 }, zero[4] = { 0 };
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                 NV_MMIO_DSM_DOORBELL, one, 4, true));
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                 NV_MMIO_DSM_DOORBELL, zero, 2, true));
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                 NV_MMIO_DSM_DOORBELL + 2, zero, 2, true));
    g_assert_false(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                  NV_MMIO_DSM_DOORBELL + 2, zero, 4, true));
    g_assert_cmpuint(nv_dsm_calls(fx->board->dsm), ==, calls);
    g_assert_cmpuint(rd32(fx->mb), ==, 1); /* the request is still there */

    /* Reading the doorbell tells the number of calls served. */
    uint8_t rd[4];
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                 NV_MMIO_DSM_DOORBELL, rd, 4, false));
    g_assert_cmpuint(rd32(rd), ==, calls);
}

/* Unclaimed guest I/O: reads are all ones, writes vanish. */
static void test_unclaimed_io(Fx *fx, gconstpointer data)
{
    (void)data;
    uint8_t v[8] = { 0 };
    g_assert_false(nv_io_dispatch(fx->board->bus, NV_IO_PIO, 0x1234, v, 4,
                                  false));
    g_assert_cmphex(rd32(v), ==, 0xffffffff);
    memset(v, 0, sizeof(v));
    g_assert_false(nv_io_dispatch(fx->board->bus, NV_IO_MMIO, 0xfeb01000, v,
                                  8, false));
    g_assert_cmphex(rd32(v + 4), ==, 0xffffffff);
    g_assert_false(nv_io_dispatch(fx->board->bus, NV_IO_PIO, 0x80, v, 1,
                                  true));
}

/* Several vCPUs ringing at once while a rogue one rewrites the request:
 * every ring is served once, one at a time, with no stray access
 * (AddressSanitizer watches the sanitizer build). */
typedef struct {
    Fx *fx;
    int rounds;
    bool rogue;
} Ringer;

static gpointer ringer(gpointer p)
{
    Ringer *r = p;
    GRand *rand = g_rand_new_with_seed(7);
    for (int i = 0; i < r->rounds; i++) {
        if (r->rogue) {
            wr32(r->fx->mb + NV_DSM_REQ_HANDLE, g_rand_int_range(rand, 0, 6));
            wr32(r->fx->mb + NV_DSM_REQ_FUNCTION, g_rand_int_range(rand, 0, 8));
            wr32(r->fx->mb + NV_DSM_REQ_IN_LEN, g_rand_int(rand));
            wr32(r->fx->mb + NV_DSM_REQ_IN, g_rand_int(rand));
            wr32(r->fx->mb + NV_DSM_REQ_IN + 4, g_rand_int(rand));
        } else {
            ring(r->fx->board);
        }
    }
    g_rand_free(rand);
    return NULL;
}

static void test_concurrent(Fx *fx, gconstpointer data)
{
    (void)data;
    uint8_t in[8];
    const uint8_t *out;
    range_in(in, 0, NV_DSM_MAX_XFER);
    dsm_call(fx, 1, 1, 5, in, 8, &out);
    uint64_t calls0 = nv_dsm_calls(fx->board->dsm);
    Ringer r[4] = { { fx, 400, false }, { fx, 400, false },
                    { fx, 400, false }, { fx, 20000, true } };
    GThread *t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = g_thread_new("vcpu", ringer, &r[i]);
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(t[i]);
    }
    g_assert_cmpuint(nv_dsm_calls(fx->board->dsm) - calls0, ==, 1200);
    g_assert_cmpuint(rd32(fx->mb + NV_DSM_RESP_OUT_LEN), <=, NV_DSM_OUT_MAX);
}

/*
 * SIGKILL in the middle of a stream of Set calls: every Set that had
 * answered success must be in the file. The child acknowledges each
 * successful Set on a pipe; the parent kills it mid-stream.
 */
#define KILL_CHUNK 64 /* 16384 chunks: the kill lands long before the end */

static void child_stream(Fx *fx, int ack_fd)
{
    uint8_t buf[KILL_CHUNK];
    for (uint32_t i = 0; i < MiB / KILL_CHUNK; i++) {
        memset(buf, (int)(i % 251) + 1, sizeof(buf));
        wr32(buf, i);
        if (set_label(fx, 3, i * KILL_CHUNK, KILL_CHUNK, buf) != NV_DSM_OK) {
            _exit(3);
        }
        if (write(ack_fd, &i, sizeof(i)) != sizeof(i)) {
            _exit(4);
        }
    }
    pause(); /* wait for the kill (the parent checks it came mid-stream) */
    _exit(0);
}

static void test_kill_mid_stream(Fx *fx, gconstpointer data)
{
    (void)data;
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(p[0]);
        child_stream(fx, p[1]);
    }
    close(p[1]);
    uint32_t acked = 0, idx;
    while (acked < 1500 && read(p[0], &idx, sizeof(idx)) == sizeof(idx)) {
        g_assert_cmpuint(idx, ==, acked);
        acked++;
    }
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    /* Acks already in the pipe count too: they were sent after success. */
    while (read(p[0], &idx, sizeof(idx)) == sizeof(idx)) {
        g_assert_cmpuint(idx, ==, acked);
        acked++;
    }
    close(p[0]);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    g_test_message("%u Set calls acknowledged before SIGKILL", acked);
    g_assert_cmpuint(acked, >=, 1500);
    g_assert_cmpuint(acked, <, MiB / KILL_CHUNK); /* killed mid-stream */

    g_autofree uint8_t *f = file_bytes(fx, "c.labels", 0, MiB);
    for (uint32_t i = 0; i < acked; i++) {
        const uint8_t *c = f + (size_t)i * KILL_CHUNK;
        g_assert_cmpuint(rd32(c), ==, i);
        for (int j = 4; j < KILL_CHUNK; j++) {
            g_assert_cmpuint(c[j], ==, i % 251 + 1);
        }
    }
    struct stat st;
    g_autofree char *lp = path_in(fx, "c.labels");
    g_assert_cmpint(stat(lp, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, MiB); /* never resized */
}

/*
 * The guest's story, minus the kernel: read the label area through the
 * mailbox, lay out two namespaces in it (as Linux would: fresh index
 * blocks, two labels, an index update), write it back in max-transfer
 * chunks, then ask the offline tool what is in a.img's tail.
 */
static void test_labels_seen_by_tool(Fx *fx, gconstpointer data)
{
    (void)data;
    const char *tool = g_getenv("NVEMU_LABEL");
    if (!tool) {
        g_test_skip("NVEMU_LABEL (path of nvemu-label) is not set");
        return;
    }
    const uint32_t size = 128 * KiB;
    g_autofree uint8_t *area = g_malloc(size);
    g_assert_cmpuint(get_label(fx, 1, 0, size, area), ==, NV_DSM_OK);

    g_autoptr(GError) err = NULL;
    NvLabelGeometry g;
    g_assert_true(nv_label_init(area, size, NV_LABEL_V1_2, &g, &err));
    g_assert_no_error(err);
    static const char *const names[] = { "alpha", "beta" };
    uint32_t slots[2] = { 0, 1 };
    for (int i = 0; i < 2; i++) {
        NvLabelSpec spec = {
            .name = names[i], .nlabel = 1, .lbasize = 512,
            .dpa = (uint64_t)i * 128 * MiB, .rawsize = 128 * MiB,
        };
        memset(spec.uuid, 0x10 * (i + 1), sizeof(spec.uuid));
        g_assert_true(nv_label_write_label(area, size, g.label_size,
                                           slots[i], &spec, &err));
    }
    g_assert_true(nv_label_update_index(area, size, slots, 2, true, &err));
    g_assert_no_error(err);
    for (uint32_t off = 0; off < size; off += NV_DSM_MAX_XFER) {
        g_assert_cmpuint(set_label(fx, 1, off, NV_DSM_MAX_XFER, area + off),
                         ==, NV_DSM_OK);
    }

    g_autofree char *img = path_in(fx, "a.img");
    const char *argv[] = { tool, "dump", "--json", "--label-size", "128K",
                           img, NULL };
    g_autofree char *out = NULL, *errs = NULL;
    gint wait = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &out, &errs, &wait, &err));
    g_assert_no_error(err);
    g_test_message("%s%s", out, errs);
    g_assert_true(g_spawn_check_wait_status(wait, NULL));
    static const char *const expect[] = {
        "\"name\": \"alpha\"", "\"name\": \"beta\"",
        "10101010-1010-1010-1010-101010101010",
        "20202020-2020-2020-2020-202020202020",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        if (!strstr(out, expect[i])) {
            g_test_message("missing %s", expect[i]);
            g_test_fail();
        }
    }
}

/* A write to an NVDIMM's flush-hint page (NFIT type 6) persists that
 * DIMM and no other; reads are zero; a pc-dimm's slot has no page. */
static void test_flush_hint(Fx *fx, gconstpointer data)
{
    (void)data;
    NvDimm *nv0 = g_ptr_array_index(fx->cfg->dimms, 0);
    NvDimm *nv2 = g_ptr_array_index(fx->cfg->dimms, 2);
    uint64_t f0 = nv0->memdev->flushes, f2 = nv2->memdev->flushes;
    uint64_t r0 = nv0->memdev->flush_requests;
    uint64_t r2 = nv2->memdev->flush_requests;
    /* an msync only where the backend needs one (not on tmpfs) */
    uint64_t msyncs = nv0->memdev->flush_work == NV_FLUSH_MSYNC;
    uint64_t page0 = NV_MMIO_FLUSH_HINTS + nv0->slot * NV_FLUSH_HINT_STRIDE;
    uint8_t v[8] = { 1 };
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO, page0, v, 8,
                                 true));
    g_assert_cmpuint(nv0->memdev->flush_requests, ==, r0 + 1);
    g_assert_cmpuint(nv2->memdev->flush_requests, ==, r2);
    g_assert_cmpuint(nv0->memdev->flushes, ==, f0 + msyncs);
    g_assert_cmpuint(nv2->memdev->flushes, ==, f2);
    g_assert_true(nv_io_dispatch(fx->board->bus, NV_IO_MMIO, page0 + 64, v, 8,
                                 false));
    for (int i = 0; i < 8; i++) {
        g_assert_cmpuint(v[i], ==, 0);
    }
    /* slot 4 is the pc-dimm: nothing claims its page */
    g_assert_false(nv_io_dispatch(fx->board->bus, NV_IO_MMIO,
                                  NV_MMIO_FLUSH_HINTS +
                                      4 * NV_FLUSH_HINT_STRIDE,
                                  v, 8, true));
}

/* ---- the FIT handle: _FIT's Read FIT ---------------------------------- */

/* Read FIT at @off: the status; the bytes (if any) appended to @acc. */
static uint32_t read_fit(Fx *fx, uint32_t off, GByteArray *acc)
{
    uint8_t in[4];
    const uint8_t *out;
    wr32(in, off);
    uint32_t n = dsm_call(fx, NV_DSM_FIT_HANDLE, 1, NV_DSM_FN_READ_FIT, in,
                          4, &out);
    g_assert_cmpuint(n, >=, 4);
    uint32_t st = rd32(out);
    if (st != NV_DSM_OK) {
        g_assert_cmpuint(n, ==, 4);
    } else if (acc) {
        g_byte_array_append(acc, out + 4, n - 4);
    }
    return st;
}

/* The AML's loop with a reader that keeps at most @chunk bytes a call:
 * the FIT read in pieces at growing offsets is the whole FIT. */
static GByteArray *read_fit_chunked(Fx *fx, uint32_t chunk)
{
    GByteArray *fit = g_byte_array_new();
    for (;;) {
        g_autoptr(GByteArray) part = g_byte_array_new();
        g_assert_cmpuint(read_fit(fx, fit->len, part), ==, NV_DSM_OK);
        if (part->len == 0) {
            return fit;
        }
        g_byte_array_append(fit, part->data, MIN(part->len, chunk));
    }
}

static void test_fit(Fx *fx, gconstpointer data)
{
    (void)data;
    g_assert_cmphex(query_bits(fx, NV_DSM_FIT_HANDLE, 1), ==, 0x3);
    g_assert_cmphex(query_bits(fx, NV_DSM_FIT_HANDLE, 2), ==, 0);
    g_assert_cmpuint(dsm_status(fx, NV_DSM_FIT_HANDLE, 1, 2, NULL, 0), ==,
                     NV_DSM_UNSUPPORTED);
    g_assert_cmpuint(dsm_status(fx, NV_DSM_FIT_HANDLE, 2, 1, "\0\0\0\0", 4),
                     ==, NV_DSM_UNSUPPORTED);
    /* no offset, or a short one */
    g_assert_cmpuint(dsm_status(fx, NV_DSM_FIT_HANDLE, 1, 1, NULL, 0), ==,
                     NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(dsm_status(fx, NV_DSM_FIT_HANDLE, 1, 1, "\0\0", 2), ==,
                     NV_DSM_INVALID_INPUT);

    /* what the board set at boot is the NFIT's body, four NVDIMMs */
    g_autoptr(GBytes) want = nv_acpi_fit(fx->cfg);
    gsize len;
    const uint8_t *w = g_bytes_get_data(want, &len);
    g_assert_cmpuint(len, >, 4 * 56);
    g_autoptr(GByteArray) whole = g_byte_array_new();
    g_assert_cmpuint(read_fit(fx, 0, whole), ==, NV_DSM_OK);
    g_assert_cmpmem(whole->data, whole->len, w, len);
    for (uint32_t chunk = 1; chunk <= 301; chunk += 60) {
        g_autoptr(GByteArray) f = read_fit_chunked(fx, chunk);
        g_assert_cmpmem(f->data, f->len, w, len);
    }
    /* at the end: success, no bytes; past it: invalid input */
    g_autoptr(GByteArray) none = g_byte_array_new();
    g_assert_cmpuint(read_fit(fx, (uint32_t)len, none), ==, NV_DSM_OK);
    g_assert_cmpuint(none->len, ==, 0);
    g_assert_cmpuint(read_fit(fx, (uint32_t)len + 1, NULL), ==,
                     NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(read_fit(fx, UINT32_MAX, NULL), ==,
                     NV_DSM_INVALID_INPUT);

    /* the FIT changes in the middle of a read: the reader at a non-zero
     * offset is told to restart (0x100) until it reads at 0 again */
    g_autoptr(GByteArray) first = g_byte_array_new();
    g_assert_cmpuint(read_fit(fx, 0, first), ==, NV_DSM_OK);
    uint8_t bigger[300];
    for (size_t i = 0; i < sizeof(bigger); i++) {
        bigger[i] = (uint8_t)(i * 7 + 1);
    }
    nv_dsm_set_fit(fx->board->dsm, bigger, sizeof(bigger));
    g_assert_cmpuint(read_fit(fx, 100, NULL), ==, NV_DSM_FIT_CHANGED);
    g_assert_cmpuint(read_fit(fx, 100, NULL), ==, NV_DSM_FIT_CHANGED);
    g_autoptr(GByteArray) again = read_fit_chunked(fx, 64);
    g_assert_cmpmem(again->data, again->len, bigger, sizeof(bigger));
    g_autoptr(GByteArray) tail = g_byte_array_new();
    g_assert_cmpuint(read_fit(fx, 100, tail), ==, NV_DSM_OK);
    g_assert_cmpmem(tail->data, tail->len, bigger + 100, 200);
    /* offsets past the new end are still refused, even while changed */
    nv_dsm_set_fit(fx->board->dsm, bigger, 10);
    g_assert_cmpuint(read_fit(fx, 11, NULL), ==, NV_DSM_INVALID_INPUT);
    g_assert_cmpuint(read_fit(fx, 5, NULL), ==, NV_DSM_FIT_CHANGED);
    /* an empty FIT (no NVDIMM yet): one read, no bytes */
    nv_dsm_set_fit(fx->board->dsm, NULL, 0);
    g_autoptr(GByteArray) empty = read_fit_chunked(fx, 64);
    g_assert_cmpuint(empty->len, ==, 0);
}

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/dsm/query", test_query);
    ADD("/dsm/families", test_families);
    ADD("/dsm/label-size", test_label_size);
    ADD("/dsm/status-paths", test_status_paths);
    ADD("/dsm/readonly", test_readonly);
    ADD("/dsm/round-trip", test_round_trip);
    ADD("/dsm/persist-failure", test_persist_failure);
    ADD("/dsm/label-file-shrunk", test_label_file_shrunk);
    ADD("/dsm/mailbox-bounds", test_mailbox_bounds);
    ADD("/dsm/unclaimed-io", test_unclaimed_io);
    ADD("/dsm/concurrent", test_concurrent);
    ADD("/dsm/kill-mid-stream", test_kill_mid_stream);
    ADD("/dsm/labels-seen-by-tool", test_labels_seen_by_tool);
    ADD("/dsm/flush-hint", test_flush_hint);
    ADD("/dsm/fit", test_fit);
    return g_test_run();
}
