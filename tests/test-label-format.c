/*
 * tests/test-label-format.c — the namespace-label codec (label-area/
 * label-format.c, label-encode.c): Fletcher-64, geometry, init, parsing,
 * choosing the current index block, and what `check` reports for damaged
 * areas. Ends with truncated and random inputs (run under ASan/UBSan too).
 */
#include "label-area.h"

#include <string.h>

#define K128 (128 * KiB)

static uint8_t *area_new(size_t size, uint8_t fill)
{
    uint8_t *a = g_malloc(size ? size : 1);
    memset(a, fill, size);
    return a;
}

static bool has_problem(const NvLabelSet *set, const char *needle)
{
    for (guint i = 0; i < set->problems->len; i++) {
        if (strstr(g_ptr_array_index(set->problems, i), needle)) {
            return true;
        }
    }
    return false;
}

static void dump_problems(const NvLabelSet *set)
{
    for (guint i = 0; i < set->problems->len; i++) {
        g_test_message("problem: %s",
                       (const char *)g_ptr_array_index(set->problems, i));
    }
}

static const NvLabel *label_at(const NvLabelSet *set, guint i)
{
    g_assert_cmpuint(i, <, set->labels->len);
    return &g_array_index(set->labels, NvLabel, i);
}

/* Little-endian field access for the tests' own corruptions. */
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}
/* Recompute a checksum at @csum_off over @len bytes, as the spec says:
 * Fletcher-64 of the structure with the checksum field zero. */
static void reseal(uint8_t *p, size_t len, size_t csum_off)
{
    put64(p + csum_off, 0);
    put64(p + csum_off, nv_fletcher64(p, len, true));
}

/* ---- Fletcher-64 ----------------------------------------------------- */

static void test_fletcher_hand(void)
{
    /* Words 1, 2, 3: lo = 1, 3, 6; hi = 1, 4, 10 -> 10 << 32 | 6. */
    static const uint8_t w[] = { 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xee };
    g_assert_cmphex(nv_fletcher64(w, 12, true), ==, UINT64_C(0xa00000006));
    /* A trailing partial word is ignored, as nd_fletcher64 does (len/4). */
    g_assert_cmphex(nv_fletcher64(w, 13, true), ==, UINT64_C(0xa00000006));
    g_assert_cmphex(nv_fletcher64(w, 3, true), ==, 0);
    g_assert_cmphex(nv_fletcher64(w, 0, true), ==, 0);
    /* Words are little-endian: 0x01000000 is bytes 00 00 00 01. */
    static const uint8_t big[] = { 0, 0, 0, 1 };
    g_assert_cmphex(nv_fletcher64(big, 4, true), ==,
                    UINT64_C(0x0100000001000000));
    /* le = false reads host order, identical on little-endian hosts. */
    if (G_BYTE_ORDER == G_LITTLE_ENDIAN) {
        g_assert_cmphex(nv_fletcher64(big, 4, false), ==,
                        nv_fletcher64(big, 4, true));
    }
}

static void test_fletcher_vectors(void)
{
    /*
     * Computed independently of this codebase with a Python transcription
     * of the definition (lo32 wraps at 2^32, hi accumulates, result
     * hi << 32 | lo, truncated to 64 bits):
     *   def fl(b):
     *       lo = hi = 0
     *       for i in range(len(b) // 4):
     *           lo = (lo + int.from_bytes(b[4*i:4*i+4], 'little')) % 2**32
     *           hi += lo
     *       return ((hi << 32) | lo) % 2**64
     *   fl(bytes(range(256)))  -> 0x9d754a80601fdf80
     *   fl(b'\xff' * 16)       -> 0xfffffff6fffffffc  (lo wraps each word)
     */
    uint8_t seq[256];
    for (int i = 0; i < 256; i++) {
        seq[i] = (uint8_t)i;
    }
    g_assert_cmphex(nv_fletcher64(seq, sizeof(seq), true), ==,
                    UINT64_C(0x9d754a80601fdf80));
    uint8_t ff[16];
    memset(ff, 0xff, sizeof(ff));
    g_assert_cmphex(nv_fletcher64(ff, sizeof(ff), true), ==,
                    UINT64_C(0xfffffff6fffffffc));
}

/* ---- geometry -------------------------------------------------------- */

static void expect_geom(uint64_t size, uint32_t ls, uint32_t isize,
                        uint32_t nslot)
{
    NvLabelGeometry g;
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_label_geometry(size, ls, &g, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(g.area_size, ==, size);
    g_assert_cmpuint(g.label_size, ==, ls);
    g_assert_cmpuint(g.index_size, ==, isize);
    g_assert_cmpuint(g.nslot, ==, nslot);
    g_assert_cmpuint(g.label_offset, ==, 2 * isize);
    /* Invariants: everything fits, the bitmap fits in its block. */
    g_assert_cmpuint(2 * (uint64_t)isize + (uint64_t)nslot * ls, <=, size);
    g_assert_cmpuint(72 + (nslot + 7) / 8, <=, isize);
    g_assert_cmpuint(isize % 256, ==, 0);
}

static void expect_geom_error(uint64_t size, uint32_t ls)
{
    NvLabelGeometry g;
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_label_geometry(size, ls, &g, &err));
    g_assert_nonnull(err);
    g_test_message("%" G_GUINT64_FORMAT "/%u: %s", size, ls, err->message);
}

/*
 * Derivation, from Linux's nvdimm_num_label_slots() and
 * sizeof_namespace_index() (drivers/nvdimm/label.c), with
 * idx(n) = align_up(72 + ceil(n / 8), 256):
 *   nslot = (size - 2 * idx(size / ls)) / ls
 *   index size = idx(nslot), valid if nslot >= 2 and 2 * idx(nslot) fits in
 *   size - nslot * ls.
 * 128K, 128-byte labels: size / ls = 1024, idx(1024) = align(72 + 128) = 256,
 *   nslot = (131072 - 512) / 128 = 1020, idx(1020) = 256.
 * 128K, 256-byte labels: 512 -> idx = align(72 + 64) = 256,
 *   nslot = (131072 - 512) / 256 = 510, idx(510) = 256.
 * 256K/128: 2048 -> idx = align(72 + 256) = 512; nslot = (262144 - 1024)/128
 *   = 2040; idx(2040) = align(72 + 255) = 512.
 * 256K/256: 1024 -> 256; nslot = (262144 - 512) / 256 = 1022; idx = 256.
 * 1M/128: 8192 -> align(72 + 1024) = 1280; nslot = (1048576 - 2560) / 128 =
 *   8172; idx(8172) = align(72 + 1022) = 1280.
 * 1M/256: 4096 -> align(72 + 512) = 768; nslot = (1048576 - 1536) / 256 =
 *   4090; idx(4090) = align(72 + 512) = 768.
 * Minimum: 768 bytes / 128 (2 slots after 512 bytes of index), 1024 / 256.
 */
static void test_geometry_128k(void)
{
    expect_geom(K128, 128, 256, 1020);
    expect_geom(K128, 256, 256, 510);
    g_assert_cmpuint(nv_label_version_label_size(NV_LABEL_V1_1), ==, 128);
    g_assert_cmpuint(nv_label_version_label_size(NV_LABEL_V1_2), ==, 256);
    g_assert_cmpint(NV_LABEL_VERSION_DEFAULT, ==, NV_LABEL_V1_1);
}

static void test_geometry_sizes(void)
{
    expect_geom(256 * KiB, 128, 512, 2040);
    expect_geom(256 * KiB, 256, 256, 1022);
    expect_geom(MiB, 128, 1280, 8172);
    expect_geom(MiB, 256, 768, 4090);
    expect_geom(4 * MiB, 128, 4352, 32700);
    expect_geom(GiB, 256, 524032, 4190206);
    expect_geom(768, 128, 256, 2);
    expect_geom(1024, 256, 256, 2);
    expect_geom(1000, 128, 256, 3);
    expect_geom(K128 + 1, 128, 256, 1020); /* odd size: the tail is unused */
    expect_geom_error(767, 128);
    expect_geom_error(1023, 256);
    expect_geom_error(0, 128);
    expect_geom_error(100, 256);
    expect_geom_error(4 * GiB, 128);  /* config_size is 32-bit */
    expect_geom_error(K128, 512);
    expect_geom_error(K128, 0);
    /* Every size from the minimum up works (both label sizes). */
    for (uint64_t s = 700; s < 20000; s += 7) {
        NvLabelGeometry g;
        g_assert_cmpint(nv_label_geometry(s, 128, &g, NULL), ==, s >= 768);
        g_assert_cmpint(nv_label_geometry(s, 256, &g, NULL), ==, s >= 1024);
    }
}

/* ---- init ------------------------------------------------------------ */

static void check_fresh(const uint8_t *a, uint64_t size, uint32_t ls)
{
    g_autoptr(NvLabelSet) set = nv_label_parse(a, size);
    dump_problems(set);
    g_assert_cmpint(set->current, ==, 0);
    g_assert_cmpuint(set->problems->len, ==, 0);
    g_assert_cmpuint(set->labels->len, ==, 0);
    g_assert_cmpuint(set->labels_in_use, ==, 0);
    g_assert_cmpuint(set->geom.label_size, ==, ls);
    for (int i = 0; i < 2; i++) {
        const NvLabelIndex *ix = &set->index[i];
        g_assert_true(ix->valid);
        g_assert_null(ix->reason);
        g_assert_cmpint(ix->current, ==, i == 0);
        g_assert_cmpuint(ix->seq, ==, 3 - i);
        g_assert_cmpuint(ix->major, ==, 1);
        g_assert_cmpuint(ix->minor, ==, ls == 256 ? 2 : 1);
        g_assert_cmpuint(ix->labelsize, ==, ls == 256 ? 1 : 0);
        g_assert_cmpuint(ix->nslot, ==, set->geom.nslot);
        g_assert_cmpuint(ix->nfree, ==, set->geom.nslot);
        g_assert_cmpuint(ix->offset, ==, i * set->geom.index_size);
        g_assert_cmpuint(ix->mysize, ==, set->geom.index_size);
        g_assert_cmpuint(ix->labeloff, ==, 2 * set->geom.index_size);
    }
}

static void test_init(gconstpointer data)
{
    NvLabelVersion v = GPOINTER_TO_INT(data);
    uint32_t ls = nv_label_version_label_size(v);
    g_autofree uint8_t *a = area_new(K128, 0xa5);
    NvLabelGeometry g;
    g_autoptr(GError) err = NULL;

    g_assert_true(nv_label_init(a, K128, v, &g, &err));
    g_assert_no_error(err);
    check_fresh(a, K128, ls);

    /* The exact bytes: signature, slot bits set, bits past nslot clear,
     * padding zero, label slots untouched. */
    g_assert_cmpmem(a, 16, "NAMESPACE_INDEX\0", 16);
    g_assert_cmpmem(a + 256, 16, "NAMESPACE_INDEX\0", 16);
    g_assert_cmpuint(get32(a + 20), ==, 3);
    g_assert_cmpuint(get32(a + 256 + 20), ==, 2);
    uint32_t full = g.nslot / 8;
    for (uint32_t b = 0; b < full; b++) {
        g_assert_cmphex(a[72 + b], ==, 0xff);
    }
    g_assert_cmphex(a[72 + full], ==, (1u << (g.nslot % 8)) - 1);
    for (uint32_t b = 72 + full + 1; b < 256; b++) {
        g_assert_cmphex(a[b], ==, 0);
    }
    for (uint64_t b = 512; b < K128; b++) {
        if (a[b] != 0xa5) {
            g_assert_cmphex(a[b], ==, 0xa5);
        }
    }
    /* The stored checksum is Fletcher-64 of the block with it zeroed. */
    uint8_t blk[256];
    memcpy(blk, a, 256);
    memset(blk + 64, 0, 8);
    g_assert_cmphex(nv_fletcher64(blk, 256, true), ==,
                    (uint64_t)get32(a + 64) | (uint64_t)get32(a + 68) << 32);
}

static void test_init_sizes(void)
{
    static const uint64_t sizes[] = { 768, 1024, 4096, 256 * KiB, MiB,
                                      189056, K128 + 100 };
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        for (int v = NV_LABEL_V1_1; v <= NV_LABEL_V1_2; v++) {
            uint32_t ls = nv_label_version_label_size(v);
            g_autofree uint8_t *a = area_new(sizes[i], 0);
            g_autoptr(GError) err = NULL;
            bool ok = nv_label_init(a, sizes[i], v, NULL, &err);
            if (sizes[i] < (ls == 128 ? 768 : 1024)) {
                g_assert_false(ok);
                g_assert_nonnull(err);
                continue;
            }
            g_assert_no_error(err);
            check_fresh(a, sizes[i], ls);
        }
    }
}

/* ---- encoding labels ------------------------------------------------- */

static const char *const UUID_A = "0f6a1e26-5c1c-4d4a-9f3b-1e0a7d9c2b11";
static const char *const UUID_B = "b3a7e0d2-8c41-4f0e-a6d9-52c8e1f47a90";
/* EFI byte order of the PFN (fsdax) abstraction GUID 266400ba-fb9f-... */
static const uint8_t PFN_GUID[16] = { 0xba, 0x00, 0x64, 0x26, 0x9f, 0xfb, 0x77,
                                      0x46, 0xbc, 0xb0, 0x96, 0x8f, 0x11, 0xd0,
                                      0xd2, 0x25 };
/* and of the NFIT persistent-memory range GUID 66f0d379-b4f3-4074-... */
static const uint8_t PMEM_GUID[16] = { 0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4,
                                       0x74, 0x40, 0xac, 0x43, 0x0d, 0x33,
                                       0x18, 0xb7, 0x8c, 0xdb };
#define NAME64 \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void spec_init(NvLabelSpec *s, const char *uuid, const char *name,
                      uint64_t dpa, uint64_t rawsize)
{
    memset(s, 0, sizeof(*s));
    g_assert_true(nv_parse_uuid(uuid, s->uuid, NULL));
    s->name = name;
    s->nlabel = 1;
    s->isetcookie = UINT64_C(0x9dbe6c8b2b0e1a20);
    s->dpa = dpa;
    s->rawsize = rawsize;
    memcpy(s->type_guid, PMEM_GUID, 16);
    memcpy(s->abstraction_guid, PFN_GUID, 16);
}

/* An area with two labels: slot 0 (UUID_A, "alpha", 1G at 0) and slot 5
 * (UUID_B, a 64-byte name, 512M at 1G), committed as Linux would. */
static uint8_t *two_labels(NvLabelVersion v, uint64_t size)
{
    uint8_t *a = area_new(size, 0);
    uint32_t ls = nv_label_version_label_size(v);
    NvLabelSpec s;
    g_autoptr(GError) err = NULL;

    g_assert_true(nv_label_init(a, size, v, NULL, &err));
    spec_init(&s, UUID_A, "alpha", 0, GiB);
    g_assert_true(nv_label_write_label(a, size, ls, 0, &s, &err));
    spec_init(&s, UUID_B, NAME64, GiB, 512 * MiB);
    s.flags = NV_LABEL_FLAG_BTT;
    s.lbasize = 4096;
    s.align = 3;
    g_assert_true(nv_label_write_label(a, size, ls, 5, &s, &err));
    const uint32_t used[] = { 0, 5 };
    g_assert_true(nv_label_update_index(a, size, used, 2, true, &err));
    g_assert_no_error(err);
    return a;
}

static void test_two_labels(gconstpointer data)
{
    NvLabelVersion v = GPOINTER_TO_INT(data);
    uint32_t ls = nv_label_version_label_size(v);
    g_autofree uint8_t *a = two_labels(v, K128);
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    uint8_t ua[16], ub[16];

    dump_problems(set);
    g_assert_cmpuint(set->problems->len, ==, 0);
    /* The update went to index block 1 with nd_inc_seq(3) = 1. */
    g_assert_cmpint(set->current, ==, 1);
    g_assert_cmpuint(set->index[1].seq, ==, 1);
    g_assert_cmpuint(set->index[0].seq, ==, 3);
    g_assert_cmpuint(set->index[1].nfree, ==, set->geom.nslot - 2);
    g_assert_cmpuint(set->labels->len, ==, 2);
    g_assert_cmpuint(set->labels_in_use, ==, 2);
    g_assert_true(nv_parse_uuid(UUID_A, ua, NULL));
    g_assert_true(nv_parse_uuid(UUID_B, ub, NULL));

    const NvLabel *l = label_at(set, 0);
    g_assert_cmpuint(l->slot, ==, 0);
    g_assert_cmpuint(l->offset, ==, 512);
    g_assert_cmpmem(l->uuid, 16, ua, 16);
    g_assert_cmpstr(l->name, ==, "alpha");
    g_assert_true(l->name_terminated);
    g_assert_cmpuint(l->dpa, ==, 0);
    g_assert_cmpuint(l->rawsize, ==, GiB);
    g_assert_cmpuint(l->nlabel, ==, 1);
    g_assert_cmpuint(l->position, ==, 0);
    g_assert_cmphex(l->isetcookie, ==, UINT64_C(0x9dbe6c8b2b0e1a20));
    g_assert_true(l->valid);

    l = label_at(set, 1);
    g_assert_cmpuint(l->slot, ==, 5);
    g_assert_cmpuint(l->slot_field, ==, 5);
    g_assert_cmpuint(l->offset, ==, 512 + 5 * ls);
    g_assert_cmpmem(l->uuid, 16, ub, 16);
    g_assert_cmpstr(l->name, ==, NAME64);
    g_assert_cmpuint(l->name_len, ==, 64);
    g_assert_false(l->name_terminated);
    g_assert_cmphex(l->flags, ==, NV_LABEL_FLAG_BTT);
    g_assert_cmpuint(l->lbasize, ==, 4096);
    g_assert_cmpuint(l->dpa, ==, GiB);
    g_assert_cmpuint(l->rawsize, ==, 512 * MiB);
    g_assert_true(l->valid);
    g_assert_true(l->checksum_ok);
    g_assert_cmpint(l->has_v12_fields, ==, ls == 256);
    if (ls == 256) {
        g_assert_cmpuint(l->align, ==, 3);
        g_assert_cmpmem(l->type_guid, 16, PMEM_GUID, 16);
        g_assert_cmpstr(nv_label_guid_name(l->type_guid), ==, "pmem");
        g_assert_cmpstr(nv_label_guid_name(l->abstraction_guid), ==, "pfn");
        g_assert_cmphex(l->checksum, !=, 0);
    } else {
        /* 128-byte labels end at the slot field: no GUIDs written. */
        g_assert_cmphex(a[512 + 5 * 128 + 128], ==, 0);
    }

    /* Free slot 0: index 0 becomes current with nd_inc_seq(1) = 2. */
    const uint32_t gone[] = { 0 };
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_label_update_index(a, K128, gone, 1, false, &err));
    g_autoptr(NvLabelSet) set2 = nv_label_parse(a, K128);
    g_assert_cmpint(set2->current, ==, 0);
    g_assert_cmpuint(set2->index[0].seq, ==, 2);
    g_assert_cmpuint(set2->labels->len, ==, 1);
    g_assert_cmpuint(label_at(set2, 0)->slot, ==, 5);
    g_assert_cmpuint(set2->problems->len, ==, 0);
}

/* An update as Linux does it: the new label into a free slot, then one
 * index write that takes the new slot and frees the old one. */
static void test_commit_update(gconstpointer data)
{
    NvLabelVersion v = GPOINTER_TO_INT(data);
    uint32_t ls = nv_label_version_label_size(v);
    g_autofree uint8_t *a = two_labels(v, K128);
    g_autoptr(GError) err = NULL;
    NvLabelSpec s;
    spec_init(&s, UUID_A, "alpha-renamed", 0, GiB);
    g_assert_true(nv_label_write_label(a, K128, ls, 1, &s, &err));
    /* the label alone changes nothing: slot 1 is free in the index */
    g_autoptr(NvLabelSet) before = nv_label_parse(a, K128);
    g_assert_cmpuint(before->labels->len, ==, 2);
    g_assert_cmpstr(label_at(before, 0)->name, ==, "alpha");
    const uint32_t used[] = { 1 }, freed[] = { 0 };
    g_assert_true(nv_label_commit_index(a, K128, used, 1, freed, 1, &err));
    g_assert_no_error(err);
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_cmpuint(set->problems->len, ==, 0);
    g_assert_cmpint(set->current, ==, 0); /* index 1 was current */
    g_assert_cmpuint(set->index[0].seq, ==, 2);
    g_assert_cmpuint(set->labels->len, ==, 2);
    g_assert_cmpuint(label_at(set, 0)->slot, ==, 1);
    g_assert_cmpstr(label_at(set, 0)->name, ==, "alpha-renamed");
    g_assert_cmpuint(label_at(set, 1)->slot, ==, 5);
    g_assert_cmpuint(set->index[0].nfree, ==, set->geom.nslot - 2);
    /* out of range in either list: an error, nothing written */
    g_autofree uint8_t *copy = g_memdup2(a, K128);
    const uint32_t far[] = { set->geom.nslot };
    g_assert_false(nv_label_commit_index(a, K128, NULL, 0, far, 1, NULL));
    g_assert_false(nv_label_commit_index(a, K128, far, 1, NULL, 0, NULL));
    g_assert_cmpmem(a, K128, copy, K128);
}

static void test_guid_names(void)
{
    static const uint8_t zero[16];
    uint8_t other[16];
    memset(other, 0x11, 16);
    g_assert_cmpstr(nv_label_guid_name(zero), ==, "none");
    g_assert_null(nv_label_guid_name(other));
    g_assert_cmpstr(nv_label_guid_name(PFN_GUID), ==, "pfn");
    NvLabelVersion v;
    g_assert_true(nv_label_version_parse("1.2", &v, NULL));
    g_assert_cmpint(v, ==, NV_LABEL_V1_2);
    g_assert_true(nv_label_version_parse("1.1", &v, NULL));
    g_assert_cmpint(v, ==, NV_LABEL_V1_1);
    g_autoptr(GError) err = NULL;
    g_assert_false(nv_label_version_parse("1.3", &v, &err));
    g_assert_nonnull(strstr(err->message, "'1.3'"));
}

static void test_encode_errors(void)
{
    g_autofree uint8_t *a = area_new(K128, 0);
    NvLabelSpec s;
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;

    spec_init(&s, UUID_A, NAME64 "x", 0, GiB);
    g_assert_false(nv_label_write_label(a, K128, 128, 0, &s, &e1));
    g_assert_nonnull(strstr(e1->message, "64"));
    s.name = NULL;
    g_assert_false(nv_label_write_label(a, K128, 128, 1020, &s, &e2));
    g_assert_nonnull(strstr(e2->message, "1020"));
    const uint32_t slot = 0;
    /* No valid index block yet. */
    g_assert_false(nv_label_update_index(a, K128, &slot, 1, true, &e3));
    g_assert_nonnull(strstr(e3->message, "no valid index block"));
    g_assert_true(nv_label_init(a, K128, NV_LABEL_V1_1, NULL, NULL));
    const uint32_t far = 1020;
    g_assert_false(nv_label_update_index(a, K128, &far, 1, true, &e4));
    g_assert_false(nv_label_write_index(a, K128, 128, 2, 1, NULL));
}

/* ---- corruption ------------------------------------------------------ */

static void test_corrupt_index(void)
{
    g_autofree uint8_t *a = two_labels(NV_LABEL_V1_2, K128);
    /* Index 1 is current; damage it and index 0 (no labels) takes over. */
    a[256 + 100] ^= 0x40;
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_cmpint(set->current, ==, 0);
    g_assert_false(set->index[1].valid);
    g_assert_nonnull(strstr(set->index[1].reason, "checksum"));
    g_assert_cmpuint(set->labels->len, ==, 0);
    g_assert_true(has_problem(set, "index block 1 at offset 0x100 is invalid"));

    /* Both damaged: nothing is current. */
    a[10] ^= 1;
    g_autoptr(NvLabelSet) none = nv_label_parse(a, K128);
    g_assert_cmpint(none->current, ==, -1);
    g_assert_false(none->index[0].valid);
    g_assert_nonnull(strstr(none->index[0].reason, "signature"));
    g_assert_true(has_problem(none, "no valid index block"));
    g_assert_cmpuint(none->labels->len, ==, 0);
}

static void test_corrupt_fields(void)
{
    static const struct {
        size_t off;
        uint32_t val;
        const char *reason;
    } cases[] = {
        { 24, 8, "myoff" }, { 40, 512, "otheroff" }, { 48, 256, "labeloff" },
        { 32, 71, "mysize" }, { 32, 257, "mysize" }, { 56, 1021, "nslot" },
        { 60, 2, "version 2.1" }, { 62, 3, "version 1.3" }, { 20, 4, "sequence" },
        { 56, 0x2000000, "nslot" }, /* 32-bit nslot * 128 would wrap to 0 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree uint8_t *a = area_new(K128, 0);
        g_assert_true(nv_label_init(a, K128, NV_LABEL_V1_1, NULL, NULL));
        uint8_t *blk = a + 256; /* index 1 (not current) */
        if (cases[i].off == 60 || cases[i].off == 62) {
            blk[cases[i].off] = (uint8_t)cases[i].val;
            blk[cases[i].off + 1] = 0;
        } else if (cases[i].off == 56 || cases[i].off == 20) {
            put32(blk + cases[i].off, cases[i].val);
        } else {
            put64(blk + cases[i].off, cases[i].val);
        }
        reseal(blk, 256, 64);
        g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
        g_test_message("%s -> %s", cases[i].reason,
                       set->index[1].reason ? set->index[1].reason : "valid");
        g_assert_false(set->index[1].valid);
        g_assert_nonnull(strstr(set->index[1].reason, cases[i].reason));
        g_assert_cmpint(set->current, ==, 0);
    }
}

static void test_bad_label_checksum(void)
{
    g_autofree uint8_t *a = two_labels(NV_LABEL_V1_2, K128);
    a[512 + 5 * 256 + 20] ^= 0x01; /* a byte of slot 5's name */
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_cmpuint(set->labels->len, ==, 2);
    g_assert_false(label_at(set, 1)->checksum_ok);
    g_assert_false(label_at(set, 1)->valid);
    g_assert_true(label_at(set, 0)->valid);
    g_assert_true(has_problem(set, "slot 5: label checksum"));
    g_assert_cmpuint(set->problems->len, ==, 1);
}

static void test_slot_mismatch(gconstpointer data)
{
    NvLabelVersion v = GPOINTER_TO_INT(data);
    uint32_t ls = nv_label_version_label_size(v);
    g_autofree uint8_t *a = two_labels(v, K128);
    uint8_t *lbl = a + 512 + 5 * ls;
    put32(lbl + 120, 7);
    if (ls == 256) {
        reseal(lbl, 256, 248); /* a good checksum: only the slot is wrong */
    }
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_true(has_problem(set, "slot 5: the label's slot field says 7"));
    g_assert_false(label_at(set, 1)->valid);
    g_assert_true(label_at(set, 1)->checksum_ok);
    g_assert_cmpuint(set->problems->len, ==, 1);
}

static void test_label_ranges(void)
{
    g_autofree uint8_t *a = area_new(K128, 0);
    NvLabelSpec s;
    g_assert_true(nv_label_init(a, K128, NV_LABEL_V1_2, NULL, NULL));
    spec_init(&s, UUID_A, "a", 0, GiB);
    g_assert_true(nv_label_write_label(a, K128, 256, 0, &s, NULL));
    spec_init(&s, UUID_B, "b", 512 * MiB, GiB); /* overlaps slot 0 */
    g_assert_true(nv_label_write_label(a, K128, 256, 1, &s, NULL));
    spec_init(&s, UUID_B, "c", UINT64_MAX - 4095, 8192); /* wraps */
    g_assert_true(nv_label_write_label(a, K128, 256, 2, &s, NULL));
    spec_init(&s, UUID_B, "d", 8 * GiB, 0);
    s.position = 1; /* position 1 of nlabel 1 */
    g_assert_true(nv_label_write_label(a, K128, 256, 3, &s, NULL));
    const uint32_t used[] = { 0, 1, 2, 3 };
    g_assert_true(nv_label_update_index(a, K128, used, 4, true, NULL));
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_true(has_problem(set, "slots 0 and 1: DPA ranges overlap"));
    g_assert_true(has_problem(set, "slot 2: dpa 0xfffffffffffff000 + rawsize "
                              "0x2000 overflows"));
    g_assert_true(has_problem(set, "slot 3: rawsize is 0"));
    g_assert_true(has_problem(set, "slot 3: position 1 is not below nlabel 1"));
    g_assert_cmpuint(set->problems->len, ==, 4);
}

/* ---- sequence numbers ------------------------------------------------ */

static void test_seq(void)
{
    /* nd_label_validate()/best_seq(): the cycle is 1 -> 2 -> 3 -> 1. */
    static const struct { uint32_t s0, s1; int current; } cases[] = {
        { 3, 2, 0 }, { 1, 3, 0 }, { 3, 1, 1 }, { 2, 3, 1 }, { 1, 2, 1 },
        { 2, 1, 0 }, { 2, 2, 1 }, { 0x106, 0x1, 0 }, /* 0x106 & 3 = 2 */
        { 4, 1, 1 }, /* seq 4 is invalid: only index 1 counts */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree uint8_t *a = area_new(K128, 0);
        g_assert_true(nv_label_write_index(a, K128, 128, 0, cases[i].s0,
                                           NULL));
        g_assert_true(nv_label_write_index(a, K128, 128, 1, cases[i].s1,
                                           NULL));
        g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
        g_test_message("seq %u vs %u -> %d", cases[i].s0, cases[i].s1,
                       set->current);
        g_assert_cmpint(set->current, ==, cases[i].current);
        g_assert_true(set->index[cases[i].current].current);
        g_assert_false(set->index[1 - cases[i].current].current);
        g_assert_cmpint(has_problem(set, "both index blocks have sequence"),
                        ==, cases[i].s0 == cases[i].s1);
    }
}

/* ---- label sizes and where index block 1 lives ----------------------- */

static void test_mixed_label_sizes(void)
{
    /* 1M: index blocks are 1280 bytes for 128-byte labels, 768 for 256. */
    g_autofree uint8_t *a = area_new(MiB, 0);
    g_assert_true(nv_label_init(a, MiB, NV_LABEL_V1_2, NULL, NULL));
    g_autoptr(NvLabelSet) v2 = nv_label_parse(a, MiB);
    g_assert_cmpint(v2->current, ==, 0);
    g_assert_cmpuint(v2->index[1].offset, ==, 768);
    g_assert_cmpuint(v2->geom.nslot, ==, 4090);

    /* Damage v1.2 index 0: index 1 at 768 is found under 256-byte labels. */
    a[0] = 'X';
    g_autoptr(NvLabelSet) one = nv_label_parse(a, MiB);
    g_assert_cmpint(one->current, ==, 1);
    g_assert_cmpuint(one->index[1].offset, ==, 768);
    g_assert_nonnull(strstr(one->index[0].reason, "signature"));

    /* A v1.1 index 0 wins: Linux probes 128-byte labels first, and then
     * block 1 (at 1280) is not a 128-byte-label index. */
    g_assert_true(nv_label_write_index(a, MiB, 128, 0, 1, NULL));
    g_autoptr(NvLabelSet) mix = nv_label_parse(a, MiB);
    dump_problems(mix);
    g_assert_cmpint(mix->current, ==, 0);
    g_assert_cmpuint(mix->geom.label_size, ==, 128);
    g_assert_cmpuint(mix->index[1].offset, ==, 1280);
    g_assert_false(mix->index[1].valid);
    g_assert_true(has_problem(mix, "index block 1 at offset 0x500"));

    /* 128K: both at 256; a v1.2 block 1 next to a v1.1 block 0. */
    g_autofree uint8_t *b = area_new(K128, 0);
    g_assert_true(nv_label_write_index(b, K128, 128, 0, 1, NULL));
    g_assert_true(nv_label_write_index(b, K128, 256, 1, 2, NULL));
    g_autoptr(NvLabelSet) mb = nv_label_parse(b, K128);
    g_assert_cmpint(mb->current, ==, 0);
    g_assert_nonnull(strstr(mb->index[1].reason, "256-byte labels, not 128"));
}

static void test_bitmap_overrun(void)
{
    /* At 189056 bytes with 128-byte labels the index block is 256 bytes
     * (1469 slots), yet nslot 1473 passes Linux's fit check; its bitmap
     * needs 72 + 185 bytes. Valid for Linux, reported by check. */
    const uint64_t size = 189056;
    g_autofree uint8_t *a = area_new(size, 0);
    g_assert_true(nv_label_init(a, size, NV_LABEL_V1_1, NULL, NULL));
    put32(a + 56, 1473);
    reseal(a, 256, 64);
    g_autoptr(NvLabelSet) set = nv_label_parse(a, size);
    dump_problems(set);
    g_assert_cmpint(set->current, ==, 0);
    g_assert_true(set->index[0].valid);
    g_assert_true(has_problem(set, "free bitmap for 1473 slots runs past"));
    const uint32_t s = 1;
    g_assert_false(nv_label_update_index(a, size, &s, 1, true, NULL));
}

/* Index blocks other writers produce, which Linux accepts. */
static void test_other_writers(void)
{
    /* ndctl's write_label_index() sets the free bits up to a 64-bit
     * boundary (1020 slots -> 1024 bits), where the kernel clears them. */
    g_autofree uint8_t *a = area_new(K128, 0);
    g_assert_true(nv_label_init(a, K128, NV_LABEL_V1_1, NULL, NULL));
    for (int i = 0; i < 2; i++) {
        uint8_t *blk = a + 256 * i;
        g_assert_cmphex(blk[72 + 127], ==, 0x0f);
        blk[72 + 127] = 0xff;
        reseal(blk, 256, 64);
    }
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128);
    dump_problems(set);
    g_assert_cmpint(set->current, ==, 0);
    g_assert_cmpuint(set->problems->len, ==, 0);
    g_assert_cmpuint(set->index[0].nfree, ==, 1020);

    /* Version 1.2 with labelsize 0 means 128-byte labels to Linux
     * (__nd_label_validate(): 1 << (7 + labelsize)). */
    a[62] = 2;
    reseal(a, 256, 64);
    g_autoptr(NvLabelSet) v12 = nv_label_parse(a, K128);
    g_assert_true(v12->index[0].valid);
    g_assert_cmpuint(v12->index[0].minor, ==, 2);
    g_assert_cmpuint(v12->geom.label_size, ==, 128);
    g_assert_cmpint(v12->current, ==, 0);
    g_assert_cmpuint(v12->problems->len, ==, 0);
}

/* ---- hostile input --------------------------------------------------- */

static void parse_copy(const uint8_t *src, size_t len)
{
    /* An exact-size heap copy, so ASan sees any read past the end. */
    g_autofree uint8_t *c = g_memdup2(src, len ? len : 1);
    g_autoptr(NvLabelSet) set = nv_label_parse(c, len);
    g_assert_nonnull(set);
    g_assert_cmpint(set->current, >=, -1);
    g_assert_cmpint(set->current, <=, 1);
    g_assert_cmpuint(set->labels->len, <=, set->labels_in_use);
    if (set->current < 0) {
        g_assert_cmpuint(set->problems->len, >, 0);
    }
}

static void test_truncated(void)
{
    g_autofree uint8_t *a = two_labels(NV_LABEL_V1_2, K128);
    for (size_t len = 0; len <= 4096; len++) {
        parse_copy(a, len);
    }
    static const size_t odd[] = { 65535, 65536, 99999, K128 - 1, K128 - 255 };
    for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
        parse_copy(a, odd[i]);
    }
    /* A shorter area changes the geometry, so the index no longer fits. */
    g_autoptr(NvLabelSet) set = nv_label_parse(a, K128 - 1);
    g_assert_cmpint(set->current, ==, -1);
}

static void test_random(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(20240607);
    for (int it = 0; it < 1000; it++) {
        size_t len = (size_t)g_rand_int_range(r, 0, 40000);
        g_autofree uint8_t *a = area_new(len, 0);
        for (size_t i = 0; i < len; i++) {
            a[i] = (uint8_t)g_rand_int(r);
        }
        parse_copy(a, len);
        /* Random labels and bitmap behind a valid index, to reach the label
         * decoder with garbage: init, then randomise and reseal. */
        if (len >= 1024) {
            NvLabelVersion v = g_rand_boolean(r) ? NV_LABEL_V1_1
                                                 : NV_LABEL_V1_2;
            NvLabelGeometry g;
            g_assert_true(nv_label_init(a, len, v, &g, NULL));
            for (uint32_t b = 72; b < g.index_size; b++) {
                a[b] = (uint8_t)g_rand_int(r);
            }
            if (g_rand_boolean(r)) {
                put32(a + 56, (uint32_t)g_rand_int_range(r, 0, g.nslot + 8));
            }
            reseal(a, g.index_size, 64);
            parse_copy(a, len);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gconstpointer v11 = GINT_TO_POINTER(NV_LABEL_V1_1);
    gconstpointer v12 = GINT_TO_POINTER(NV_LABEL_V1_2);

    g_test_add_func("/label/fletcher/hand", test_fletcher_hand);
    g_test_add_func("/label/fletcher/vectors", test_fletcher_vectors);
    g_test_add_func("/label/geometry/128k", test_geometry_128k);
    g_test_add_func("/label/geometry/sizes", test_geometry_sizes);
    g_test_add_data_func("/label/init/v1.1", v11, test_init);
    g_test_add_data_func("/label/init/v1.2", v12, test_init);
    g_test_add_func("/label/init/sizes", test_init_sizes);
    g_test_add_data_func("/label/encode/two-labels/v1.1", v11,
                         test_two_labels);
    g_test_add_data_func("/label/encode/two-labels/v1.2", v12,
                         test_two_labels);
    g_test_add_data_func("/label/encode/commit-update/v1.1", v11,
                         test_commit_update);
    g_test_add_data_func("/label/encode/commit-update/v1.2", v12,
                         test_commit_update);
    g_test_add_func("/label/encode/guid-names", test_guid_names);
    g_test_add_func("/label/encode/errors", test_encode_errors);
    g_test_add_func("/label/corrupt/current-index", test_corrupt_index);
    g_test_add_func("/label/corrupt/index-fields", test_corrupt_fields);
    g_test_add_func("/label/corrupt/label-checksum", test_bad_label_checksum);
    g_test_add_data_func("/label/corrupt/slot-mismatch/v1.1", v11,
                         test_slot_mismatch);
    g_test_add_data_func("/label/corrupt/slot-mismatch/v1.2", v12,
                         test_slot_mismatch);
    g_test_add_func("/label/corrupt/label-ranges", test_label_ranges);
    g_test_add_func("/label/seq", test_seq);
    g_test_add_func("/label/mixed-label-sizes", test_mixed_label_sizes);
    g_test_add_func("/label/bitmap-overrun", test_bitmap_overrun);
    g_test_add_func("/label/other-writers", test_other_writers);
    g_test_add_func("/label/hostile/truncated", test_truncated);
    g_test_add_func("/label/hostile/random", test_random);
    return g_test_run();
}
