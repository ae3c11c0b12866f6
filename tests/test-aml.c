/*
 * tests/test-aml.c — the AML encoder (acpi-nfit/aml.h) against bytes worked
 * out by hand from ACPI 6.4 §20.2 (and §6.4 for resource descriptors), and
 * against a table compiled by iasl (tests/data/aml/nvdimm-dsdt.asl/.aml).
 * When iasl is installed, the generated table is also disassembled and the
 * disassembly recompiled: 0 errors, 0 warnings, the same bytes.
 */
#include "aml.h"
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

/* Encode @node, compare with @exp, free @node. */
static void check_bytes(NvAml *node, const uint8_t *exp, size_t len)
{
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
    aml_encode(node, out);
    aml_free(node);
    g_assert_cmpmem(out->data, out->len, exp, len);
}

#define CHECK(node, ...)                                          \
    do {                                                          \
        const uint8_t exp_[] = { __VA_ARGS__ };                   \
        check_bytes((node), exp_, sizeof(exp_));                  \
    } while (0)

/* The abort message of a bug caught by the encoder, in a subprocess. */
#define EXPECT_BUG(pattern)                                       \
    do {                                                          \
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT); \
        g_test_trap_assert_failed();                              \
        g_test_trap_assert_stderr(pattern);                       \
    } while (0)

/* ---- names ---- */

static void test_namestring(void)
{
    /* §20.2.2 NameSeg, padded with '_' */
    CHECK(aml_name("FOO"), 'F', 'O', 'O', '_');
    CHECK(aml_name("_SB"), '_', 'S', 'B', '_');
    CHECK(aml_name("NV00"), 'N', 'V', '0', '0');
    CHECK(aml_name("A"), 'A', '_', '_', '_');
    /* RootChar 0x5C, ParentPrefixChar 0x5E */
    CHECK(aml_name("\\_SB"), 0x5C, '_', 'S', 'B', '_');
    CHECK(aml_name("^NCAL"), 0x5E, 'N', 'C', 'A', 'L');
    CHECK(aml_name("^^NCAL"), 0x5E, 0x5E, 'N', 'C', 'A', 'L');
    /* DualNamePrefix 0x2E */
    CHECK(aml_name("\\_SB.NVDR"), 0x5C, 0x2E, '_', 'S', 'B', '_',
          'N', 'V', 'D', 'R');
    CHECK(aml_name("A.B"), 0x2E, 'A', '_', '_', '_', 'B', '_', '_', '_');
    /* MultiNamePrefix 0x2F SegCount */
    CHECK(aml_name("\\_SB.NVDR.NV00"), 0x5C, 0x2F, 0x03, '_', 'S', 'B', '_',
          'N', 'V', 'D', 'R', 'N', 'V', '0', '0');
    CHECK(aml_name("^A.B.C.D"), 0x5E, 0x2F, 0x04, 'A', '_', '_', '_',
          'B', '_', '_', '_', 'C', '_', '_', '_', 'D', '_', '_', '_');
    /* NullName after a prefix: the root itself, the parent itself */
    CHECK(aml_name("\\"), 0x5C, 0x00);
    CHECK(aml_name("^"), 0x5E, 0x00);
}

static void test_namestring_invalid(void)
{
    static const char *const bad[] = {
        "", "TOOLONG", "1ABC", "ab", "A..B", "A.", ".A", "\\^A", "A-B",
        "\\_SB.NVDIMM",
    };
    if (g_test_subprocess()) {
        aml_free(aml_name(g_getenv("AML_TEST_NAME")));
        return;
    }
    /* Each bad name in its own subprocess. */
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_setenv("AML_TEST_NAME", bad[i], TRUE);
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT);
        g_test_trap_assert_failed();
        g_test_trap_assert_stderr(*bad[i] ? "*aml: bad NameString*"
                                          : "*aml: empty NameString*");
    }
    g_unsetenv("AML_TEST_NAME");
}

static void test_locals_args(void)
{
    /* §20.2.6.2 Local0Op..Local7Op = 0x60..0x67; §20.2.6.1 Arg0..6 */
    for (unsigned i = 0; i < 8; i++) {
        CHECK(aml_local(i), (uint8_t)(0x60 + i));
    }
    for (unsigned i = 0; i < 7; i++) {
        CHECK(aml_arg(i), (uint8_t)(0x68 + i));
    }
    if (g_test_subprocess()) {
        aml_local(8);
        return;
    }
    EXPECT_BUG("*Local8*");
}

static void test_arg7(void)
{
    if (g_test_subprocess()) {
        aml_arg(7);
        return;
    }
    EXPECT_BUG("*Arg7*");
}

/* ---- integers, §20.2.3 ---- */

static void test_int_boundaries(void)
{
    CHECK(aml_int(0), 0x00);                            /* ZeroOp */
    CHECK(aml_int(1), 0x01);                            /* OneOp */
    CHECK(aml_int(2), 0x0A, 0x02);                      /* ByteConst */
    CHECK(aml_int(0xFF), 0x0A, 0xFF);
    CHECK(aml_int(0x100), 0x0B, 0x00, 0x01);            /* WordConst */
    CHECK(aml_int(0xFFFF), 0x0B, 0xFF, 0xFF);
    CHECK(aml_int(0x10000), 0x0C, 0x00, 0x00, 0x01, 0x00); /* DWordConst */
    CHECK(aml_int(0xFFFFFFFF), 0x0C, 0xFF, 0xFF, 0xFF, 0xFF);
    CHECK(aml_int(0x100000000), 0x0E, 0x00, 0x00, 0x00, 0x00,  /* QWord */
          0x01, 0x00, 0x00, 0x00);
    CHECK(aml_int(UINT64_MAX - 1), 0x0E, 0xFE, 0xFF, 0xFF, 0xFF,
          0xFF, 0xFF, 0xFF, 0xFF);
    CHECK(aml_int(UINT64_MAX), 0xFF);                   /* OnesOp */
    CHECK(aml_int(0x0123456789ABCDEF), 0x0E, 0xEF, 0xCD, 0xAB, 0x89,
          0x67, 0x45, 0x23, 0x01);
}

/* ---- PkgLength, §20.2.4 ---- */

static unsigned width_of(uint32_t value)
{
    return value <= 63 ? 1 : value <= 4095 ? 2 : value <= 1048575 ? 3 : 4;
}

static void test_pkglength_raw(void)
{
    uint32_t values[72];
    size_t n = 0;
    for (uint32_t v = 0; v <= 63; v++) {
        values[n++] = v;
    }
    values[n++] = 64;
    values[n++] = 4095;
    values[n++] = 4096;
    values[n++] = 1048575;
    values[n++] = 1048576;
    values[n++] = AML_PKGLENGTH_MAX;

    for (size_t i = 0; i < n; i++) {
        uint8_t b[4];
        uint32_t back;
        unsigned nb, w = aml_pkglength_encode_raw(values[i], b);
        g_assert_cmpuint(w, ==, width_of(values[i]));
        g_assert_true(aml_pkglength_decode(b, w, &back, &nb));
        g_assert_cmpuint(nb, ==, w);
        g_assert_cmpuint(back, ==, values[i]);
        /* bits 7-6: the number of bytes that follow */
        g_assert_cmpuint(b[0] >> 6, ==, w - 1);
    }

    /* The exact bytes at each boundary. */
    static const struct {
        uint32_t value;
        uint8_t bytes[4];
        unsigned len;
    } golden[] = {
        { 0, { 0x00 }, 1 },
        { 63, { 0x3F }, 1 },
        { 64, { 0x40, 0x04 }, 2 },
        { 4095, { 0x4F, 0xFF }, 2 },
        { 4096, { 0x80, 0x00, 0x01 }, 3 },
        { 1048575, { 0x8F, 0xFF, 0xFF }, 3 },
        { 1048576, { 0xC0, 0x00, 0x00, 0x01 }, 4 },
        { AML_PKGLENGTH_MAX, { 0xCF, 0xFF, 0xFF, 0xFF }, 4 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(golden); i++) {
        uint8_t b[4];
        unsigned w = aml_pkglength_encode_raw(golden[i].value, b);
        g_assert_cmpmem(b, w, golden[i].bytes, golden[i].len);
    }
}

static void test_pkglength_content(void)
{
    /* The value counts its own bytes: with N content bytes the 1-byte form
     * holds N <= 62, the 2-byte form N <= 4093, the 3-byte form
     * N <= 1048572. */
    size_t lens[80];
    size_t n = 0;
    for (size_t l = 0; l <= 64; l++) {
        lens[n++] = l;
    }
    const size_t more[] = { 4093, 4094, 4095, 4096, 1048572, 1048573,
                            1048575, 1048576, AML_PKGLENGTH_MAX - 4 };
    for (size_t i = 0; i < G_N_ELEMENTS(more); i++) {
        lens[n++] = more[i];
    }

    for (size_t i = 0; i < n; i++) {
        uint8_t b[4];
        uint32_t value;
        unsigned nb, w = aml_pkglength_encode(lens[i], b);
        g_assert_true(aml_pkglength_decode(b, w, &value, &nb));
        g_assert_cmpuint(nb, ==, w);
        g_assert_cmpuint(value, ==, lens[i] + w);
        g_assert_cmpuint(w, ==, width_of(value));
        /* minimal: one byte fewer would not hold the value */
        if (w > 1) {
            g_assert_cmpuint(width_of((uint32_t)(lens[i] + w - 1)), >=, w);
        }
    }

    static const struct {
        size_t content;
        uint8_t bytes[4];
        unsigned len;
    } golden[] = {
        { 0, { 0x01 }, 1 },
        { 62, { 0x3F }, 1 },
        { 63, { 0x41, 0x04 }, 2 },            /* 65 */
        { 64, { 0x42, 0x04 }, 2 },            /* 66 */
        { 4093, { 0x4F, 0xFF }, 2 },          /* 4095 */
        { 4094, { 0x81, 0x00, 0x01 }, 3 },    /* 4097 */
        { 1048572, { 0x8F, 0xFF, 0xFF }, 3 }, /* 1048575 */
        { 1048573, { 0xC1, 0x00, 0x00, 0x01 }, 4 }, /* 1048577 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(golden); i++) {
        uint8_t b[4];
        unsigned w = aml_pkglength_encode(golden[i].content, b);
        g_assert_cmpmem(b, w, golden[i].bytes, golden[i].len);
    }
}

static void test_pkglength_decode_bad(void)
{
    uint32_t v;
    unsigned nb;
    g_assert_false(aml_pkglength_decode((const uint8_t *)"", 0, &v, &nb));
    /* says 1 byte follows, but there is none */
    g_assert_false(aml_pkglength_decode((const uint8_t[]){ 0x40 }, 1, &v, &nb));
    /* bits 5-4 are reserved in the multi-byte form */
    g_assert_false(aml_pkglength_decode((const uint8_t[]){ 0x50, 0x00 }, 2,
                                        &v, &nb));
    g_assert_false(aml_pkglength_decode((const uint8_t[]){ 0xE0, 0, 0, 0 }, 4,
                                        &v, &nb));
}

static void test_pkglength_too_big(void)
{
    if (g_test_subprocess()) {
        uint8_t b[4];
        aml_pkglength_encode_raw(AML_PKGLENGTH_MAX + 1, b);
        return;
    }
    EXPECT_BUG("*over 2^28*");
}

/* Whole packages around the boundaries: a Scope holding a Buffer of n
 * bytes; both PkgLengths must decode to the bytes that follow the opcode. */
static void test_pkglength_nested(void)
{
    const size_t sizes[] = { 0, 50, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
                             64, 4080, 4085, 4086, 4087, 4088, 4089, 4090,
                             4095, 1048560, 1048564, 1048565, 1048566,
                             1048567, 1048568, 1048580 };
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree uint8_t *data = g_malloc0(sizes[i] + 1);
        NvAml *scope = aml_scope("S");
        aml_append(scope, aml_buffer(data, sizes[i]));
        g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
        aml_encode(scope, out);
        aml_free(scope);

        const uint8_t *p = (const uint8_t *)out->data;
        uint32_t slen, blen;
        unsigned snb, bnb;
        g_assert_cmpuint(p[0], ==, 0x10);
        g_assert_true(aml_pkglength_decode(p + 1, out->len - 1, &slen, &snb));
        g_assert_cmpuint(slen, ==, out->len - 1);
        const uint8_t *buf = p + 1 + snb + 4;
        g_assert_cmpuint(buf[0], ==, 0x11);
        size_t buf_len = out->len - (size_t)(buf - p);
        g_assert_true(aml_pkglength_decode(buf + 1, buf_len - 1, &blen, &bnb));
        g_assert_cmpuint(blen, ==, buf_len - 1);
    }
}

/* ---- data objects ---- */

static void test_string(void)
{
    /* §20.2.3 String := 0x0D AsciiCharList NullChar */
    CHECK(aml_string("ACPI0012"), 0x0D, 'A', 'C', 'P', 'I', '0', '0', '1',
          '2', 0x00);
    CHECK(aml_string(""), 0x0D, 0x00);
}

static void test_buffer(void)
{
    /* §20.2.5.4 DefBuffer := 0x11 PkgLength BufferSize ByteList */
    CHECK(aml_buffer((const uint8_t[]){ 0x00 }, 1), 0x11, 0x03, 0x01, 0x00);
    CHECK(aml_buffer(NULL, 0), 0x11, 0x02, 0x00);
    CHECK(aml_buffer((const uint8_t[]){ 1, 2, 3 }, 3),
          0x11, 0x06, 0x0A, 0x03, 0x01, 0x02, 0x03);
    /* Buffer (0x10) {}: a size and no initializer */
    CHECK(aml_buffer_sized(aml_int(0x10)), 0x11, 0x03, 0x0A, 0x10);
    CHECK(aml_buffer_sized(aml_local(0)), 0x11, 0x02, 0x60);

    /* 64 bytes: content 2 + 64 = 66, PkgLength 68 in two bytes (44 04) */
    uint8_t data[64];
    memset(data, 0xA5, sizeof(data));
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
    NvAml *b = aml_buffer(data, sizeof(data));
    aml_encode(b, out);
    aml_free(b);
    static const uint8_t head[] = { 0x11, 0x44, 0x04, 0x0A, 0x40 };
    g_assert_cmpmem(out->data, 5, head, sizeof(head));
    g_assert_cmpmem(out->data + 5, out->len - 5, data, sizeof(data));
}

static void test_package(void)
{
    /* §20.2.5.4 DefPackage := 0x12 PkgLength NumElements elements */
    NvAml *p = aml_package();
    aml_append(p, aml_int(5));
    aml_append(p, aml_int(0));
    aml_append(p, aml_int(0));
    aml_append(p, aml_int(0));
    CHECK(p, 0x12, 0x07, 0x04, 0x0A, 0x05, 0x00, 0x00, 0x00);
    CHECK(aml_package(), 0x12, 0x02, 0x00);

    NvAml *q = aml_package();
    aml_append(q, aml_string("A"));
    aml_append(q, aml_name("\\_SB"));
    aml_append(q, aml_buffer(NULL, 0));
    CHECK(q, 0x12, 0x0D, 0x03, 0x0D, 'A', 0x00, 0x5C, '_', 'S', 'B', '_',
          0x11, 0x02, 0x00);

    /* DefVarPackage := 0x13 PkgLength VarNumElements elements */
    NvAml *v = aml_var_package(aml_arg(0));
    aml_append(v, aml_int(1));
    CHECK(v, 0x13, 0x03, 0x68, 0x01);

    /* 255 elements are fine */
    NvAml *big = aml_package();
    for (int i = 0; i < 255; i++) {
        aml_append(big, aml_int(0));
    }
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
    aml_encode(big, out);
    aml_free(big);
    g_assert_cmpuint(out->len, ==, 1 + 2 + 1 + 255);
    g_assert_cmpuint(((uint8_t *)out->data)[3], ==, 255);
}

static void test_package_256(void)
{
    if (g_test_subprocess()) {
        NvAml *big = aml_package();
        for (int i = 0; i < 256; i++) {
            aml_append(big, aml_int(0));
        }
        return;
    }
    EXPECT_BUG("*more than 255 elements*");
}

static void test_touuid(void)
{
    /* ACPI 6.4 §19.6 ToUUID: the first three groups byte-swapped */
    CHECK(aml_touuid("2F10E7A4-9E91-11E4-89D3-123B93F75CBA"),
          0x11, 0x13, 0x0A, 0x10,
          0xA4, 0xE7, 0x10, 0x2F, 0x91, 0x9E, 0xE4, 0x11,
          0x89, 0xD3, 0x12, 0x3B, 0x93, 0xF7, 0x5C, 0xBA);
    CHECK(aml_touuid("4309ac30-0d11-11e4-9191-0800200c9a66"),
          0x11, 0x13, 0x0A, 0x10,
          0x30, 0xAC, 0x09, 0x43, 0x11, 0x0D, 0xE4, 0x11,
          0x91, 0x91, 0x08, 0x00, 0x20, 0x0C, 0x9A, 0x66);
    if (g_test_subprocess()) {
        aml_touuid("2F10E7A4-9E91-11E4-89D3-123B93F75CB");
        return;
    }
    EXPECT_BUG("*bad ToUUID*");
}

static void test_eisaid(void)
{
    /* 'P' = 16, 'N' = 14: 0 10000 01110 10000 = 0x41D0, then the product
     * 0x0501: 0x41D00501, byte-swapped 0x0105D041 */
    CHECK(aml_eisaid("PNP0501"), 0x0C, 0x41, 0xD0, 0x05, 0x01);
    CHECK(aml_eisaid("PNP0C02"), 0x0C, 0x41, 0xD0, 0x0C, 0x02);
    CHECK(aml_eisaid("PNP0A03"), 0x0C, 0x41, 0xD0, 0x0A, 0x03);
    /* the smallest integer encoding, as iasl does */
    CHECK(aml_eisaid("PNP0000"), 0x0B, 0x41, 0xD0);
    /* 'A' = 1, 'Z' = 26: 0 00001 11010 00001 = 0x0741 */
    CHECK(aml_eisaid("AZA1234"), 0x0C, 0x07, 0x41, 0x12, 0x34);
    if (g_test_subprocess()) {
        aml_eisaid("PNP050");
        return;
    }
    EXPECT_BUG("*bad EISAID*");
}

/* ---- containers, §20.2.5 ---- */

static void test_scope_device(void)
{
    /* DefScope := 0x10 PkgLength NameString TermList */
    CHECK(aml_scope("\\_SB"), 0x10, 0x06, 0x5C, '_', 'S', 'B', '_');
    CHECK(aml_scope("\\"), 0x10, 0x03, 0x5C, 0x00);

    /* DefDevice := 0x5B 0x82 PkgLength NameString TermList */
    NvAml *d = aml_device("NVDR");
    aml_append(d, aml_name_decl("_HID", aml_string("ACPI0012")));
    CHECK(d, 0x5B, 0x82, 0x14, 'N', 'V', 'D', 'R',
          0x08, '_', 'H', 'I', 'D',
          0x0D, 'A', 'C', 'P', 'I', '0', '0', '1', '2', 0x00);

    /* DefName := 0x08 NameString DataRefObject */
    CHECK(aml_name_decl("_ADR", aml_int(1)), 0x08, '_', 'A', 'D', 'R', 0x01);
    CHECK(aml_name_decl("\\_S5", aml_int(5)), 0x08, 0x5C, '_', 'S', '5', '_',
          0x0A, 0x05);

    /* aml_list: children back to back */
    NvAml *l = aml_list();
    aml_append(l, aml_int(0));
    aml_append(l, aml_int(1));
    CHECK(l, 0x00, 0x01);
}

static void test_method(void)
{
    /* DefMethod := 0x14 PkgLength NameString MethodFlags TermList;
     * MethodFlags: ArgCount bits 0-2, Serialize bit 3, SyncLevel 4-7 */
    NvAml *m = aml_method("_DSM", 4, true);
    aml_append(m, aml_return(aml_int(0)));
    CHECK(m, 0x14, 0x08, '_', 'D', 'S', 'M', 0x0C, 0xA4, 0x00);
    CHECK(aml_method("NTFY", 0, false), 0x14, 0x06, 'N', 'T', 'F', 'Y', 0x00);
    CHECK(aml_method("_LSW", 3, false), 0x14, 0x06, '_', 'L', 'S', 'W', 0x03);
    CHECK(aml_method_sync("MSYN", 7, true, 15), 0x14, 0x06,
          'M', 'S', 'Y', 'N', 0xFF);
    CHECK(aml_method_sync("MSYN", 1, false, 3), 0x14, 0x06,
          'M', 'S', 'Y', 'N', 0x31);
}

static void test_if_else_while(void)
{
    /* If (LEqual (Arg0, One)) { Return (One) } Else { Return (Zero) } */
    NvAml *l = aml_list();
    NvAml *i = aml_if(aml_lequal(aml_arg(0), aml_int(1)));
    aml_append(i, aml_return(aml_int(1)));
    aml_append(l, i);
    NvAml *e = aml_else();
    aml_append(e, aml_return(aml_int(0)));
    aml_append(l, e);
    CHECK(l, 0xA0, 0x06, 0x93, 0x68, 0x01, 0xA4, 0x01,
          0xA1, 0x03, 0xA4, 0x00);

    /* While (LLess (Local0, 0x10)) { Increment (Local0) Break } */
    NvAml *w = aml_while(aml_lless(aml_local(0), aml_int(0x10)));
    aml_append(w, aml_increment(aml_local(0)));
    aml_append(w, aml_break());
    CHECK(w, 0xA2, 0x08, 0x95, 0x60, 0x0A, 0x10, 0x75, 0x60, 0xA5);
}

/* Lengths are computed when encoding: a container may be filled after it
 * was appended, at any depth. */
static void test_late_fill(void)
{
    NvAml *scope = aml_scope("\\_SB");
    NvAml *dev = aml_device("D0");
    NvAml *m = aml_method("M0", 0, false);
    aml_append(scope, dev);
    aml_append(dev, m);
    aml_append(m, aml_return(aml_int(0x40)));
    aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
    CHECK(scope, 0x10, 0x1D, 0x5C, '_', 'S', 'B', '_',
          0x5B, 0x82, 0x15, 'D', '0', '_', '_',
          0x14, 0x09, 'M', '0', '_', '_', 0x00, 0xA4, 0x0A, 0x40,
          0x08, '_', 'A', 'D', 'R', 0x00);
}

/* ---- named objects, §20.2.5.2 ---- */

static void test_operation_region(void)
{
    /* DefOpRegion := 0x5B 0x80 NameString RegionSpace Offset Length */
    CHECK(aml_operation_region("NDBL", AML_SYSTEM_MEMORY, aml_int(0xFEB00000),
                               aml_int(4)),
          0x5B, 0x80, 'N', 'D', 'B', 'L', 0x00,
          0x0C, 0x00, 0x00, 0xB0, 0xFE, 0x0A, 0x04);
    CHECK(aml_operation_region("COMR", AML_SYSTEM_IO, aml_int(0x3F8),
                               aml_int(8)),
          0x5B, 0x80, 'C', 'O', 'M', 'R', 0x01, 0x0B, 0xF8, 0x03, 0x0A, 0x08);
}

static void test_field(void)
{
    /* Field (NRAM, DWordAcc, NoLock, Preserve) { HDLE, 32, Offset (4),
     * REVI, 32, Offset (0x10), ODAT, 64, , 3, BITS, 5 }: Offset (4) is
     * where REVI starts anyway (nothing), Offset (0x10) a ReservedField of
     * 64 bits. The same bytes as iasl 20200925. */
    NvAml *f = aml_field("NRAM", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    aml_append(f, aml_named_field("HDLE", 32));
    aml_append(f, aml_field_offset(4));
    aml_append(f, aml_named_field("REVI", 32));
    aml_append(f, aml_field_offset(0x10));
    aml_append(f, aml_named_field("ODAT", 64));
    aml_append(f, aml_reserved_field(3));
    aml_append(f, aml_named_field("BITS", 5));
    CHECK(f, 0x5B, 0x81, 0x20, 'N', 'R', 'A', 'M', 0x03,
          'H', 'D', 'L', 'E', 0x20, 'R', 'E', 'V', 'I', 0x20,
          0x00, 0x40, 0x04, 'O', 'D', 'A', 'T', 0x40, 0x04,
          0x00, 0x03, 'B', 'I', 'T', 'S', 0x05);

    /* FieldFlags: ByteAcc 1 | Lock 1 << 4 | WriteAsZeros 2 << 5 */
    CHECK(aml_field("X", AML_BYTE_ACC, AML_LOCK, AML_WRITE_AS_ZEROS),
          0x5B, 0x81, 0x06, 'X', '_', '_', '_', 0x51);
    CHECK(aml_field("\\_SB.R", AML_ANY_ACC, AML_NOLOCK, AML_WRITE_AS_ONES),
          0x5B, 0x81, 0x0C, 0x5C, 0x2E, '_', 'S', 'B', '_', 'R', '_', '_',
          '_', 0x20);

    /* long units: 0x8000 bits takes 3 bytes; 1081216 bits (0x107F80, the
     * 132 KiB mailbox input) is past 2^20 - 1 and takes 4 */
    NvAml *g = aml_field("NMBX", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    aml_append(g, aml_named_field("PAD0", 0x8000));
    aml_append(g, aml_named_field("INBF", 1081216));
    CHECK(g, 0x5B, 0x81, 0x15, 'N', 'M', 'B', 'X', 0x03,
          'P', 'A', 'D', '0', 0x80, 0x00, 0x08,
          'I', 'N', 'B', 'F', 0xC0, 0xF8, 0x07, 0x01);
}

static void test_field_offset_backwards(void)
{
    if (g_test_subprocess()) {
        NvAml *f = aml_field("NRAM", AML_ANY_ACC, AML_NOLOCK, AML_PRESERVE);
        aml_append(f, aml_named_field("HDLE", 64));
        aml_append(f, aml_field_offset(4));
        g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
        aml_encode(f, out);
        return;
    }
    EXPECT_BUG("*Offset (0x4) is behind bit 64*");
}

static void test_field_unit_outside_field(void)
{
    if (g_test_subprocess()) {
        aml_append(aml_method("M", 0, false), aml_named_field("X", 8));
        return;
    }
    EXPECT_BUG("*a field unit cannot go into this container*");
}

static void test_term_inside_field(void)
{
    if (g_test_subprocess()) {
        NvAml *f = aml_field("NRAM", AML_ANY_ACC, AML_NOLOCK, AML_PRESERVE);
        aml_append(f, aml_int(1));
        return;
    }
    EXPECT_BUG("*a term cannot go into this container*");
}

static void test_mutex_create_fields(void)
{
    /* DefMutex := 0x5B 0x01 NameString SyncFlags */
    CHECK(aml_mutex("MLCK", 0), 0x5B, 0x01, 'M', 'L', 'C', 'K', 0x00);
    CHECK(aml_mutex("MLCK", 15), 0x5B, 0x01, 'M', 'L', 'C', 'K', 0x0F);
    /* 0x8A SourceBuff ByteIndex NameString */
    CHECK(aml_create_dword_field(aml_arg(3), aml_int(0), "STAT"),
          0x8A, 0x6B, 0x00, 'S', 'T', 'A', 'T');
    CHECK(aml_create_dword_field(aml_local(0), aml_int(4), "LSZE"),
          0x8A, 0x60, 0x0A, 0x04, 'L', 'S', 'Z', 'E');
    /* 0x8F */
    CHECK(aml_create_qword_field(aml_arg(0), aml_int(8), "QVAL"),
          0x8F, 0x68, 0x0A, 0x08, 'Q', 'V', 'A', 'L');
    /* 0x5B 0x13 SourceBuff BitIndex NumBits NameString */
    CHECK(aml_create_field(aml_arg(0), aml_int(0x40), aml_int(0x20), "LOW"),
          0x5B, 0x13, 0x68, 0x0A, 0x40, 0x0A, 0x20, 'L', 'O', 'W', '_');
}

/* ---- statements and expressions, §20.2.5.3 / §20.2.5.4 ---- */

static void test_statements(void)
{
    CHECK(aml_store(aml_int(1), aml_local(0)), 0x70, 0x01, 0x60);
    CHECK(aml_store(aml_arg(0), aml_name("HDLE")), 0x70, 0x68,
          'H', 'D', 'L', 'E');
    CHECK(aml_copy_object(aml_name("QVAL"), aml_local(0)), 0x9D,
          'Q', 'V', 'A', 'L', 0x60);
    CHECK(aml_return(aml_local(1)), 0xA4, 0x61);
    CHECK(aml_break(), 0xA5);
    CHECK(aml_notify(aml_name("NVDR"), aml_int(0x80)), 0x86,
          'N', 'V', 'D', 'R', 0x0A, 0x80);
    /* DefAcquire := 0x5B 0x23 MutexObject Timeout (WordData, no prefix) */
    CHECK(aml_acquire(aml_name("MLCK"), 0xFFFF), 0x5B, 0x23,
          'M', 'L', 'C', 'K', 0xFF, 0xFF);
    CHECK(aml_acquire(aml_name("MLCK"), 0x1234), 0x5B, 0x23,
          'M', 'L', 'C', 'K', 0x34, 0x12);
    CHECK(aml_release(aml_name("MLCK")), 0x5B, 0x27, 'M', 'L', 'C', 'K');
    CHECK(aml_increment(aml_local(0)), 0x75, 0x60);
    CHECK(aml_decrement(aml_local(2)), 0x76, 0x62);
}

static void test_expressions(void)
{
    /* Operand Operand Target; a NULL target is NullName (0x00) */
    CHECK(aml_add(aml_local(0), aml_int(1), aml_local(0)), 0x72, 0x60, 0x01,
          0x60);
    CHECK(aml_add(aml_local(0), aml_int(1), NULL), 0x72, 0x60, 0x01, 0x00);
    CHECK(aml_subtract(aml_local(0), aml_local(3), aml_local(0)),
          0x74, 0x60, 0x63, 0x60);
    CHECK(aml_multiply(aml_arg(1), aml_int(8), NULL), 0x77, 0x69, 0x0A, 0x08,
          0x00);
    CHECK(aml_shiftleft(aml_int(1), aml_local(2), NULL), 0x79, 0x01, 0x62,
          0x00);
    CHECK(aml_shiftright(aml_local(0), aml_int(0x20), NULL), 0x7A, 0x60,
          0x0A, 0x20, 0x00);
    CHECK(aml_and(aml_local(0), aml_int(0xFFFFFFFF), NULL), 0x7B, 0x60,
          0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0x00);
    CHECK(aml_or(aml_local(1), aml_local(2), aml_local(1)), 0x7D, 0x61, 0x62,
          0x61);
    CHECK(aml_xor(aml_local(2), aml_local(1), aml_local(3)), 0x7F, 0x62, 0x61,
          0x63);
    CHECK(aml_not(aml_local(1), NULL), 0x80, 0x61, 0x00);
    CHECK(aml_lequal(aml_arg(0), aml_int(0)), 0x93, 0x68, 0x00);
    CHECK(aml_lless(aml_local(0), aml_sizeof(aml_arg(0))), 0x95, 0x60, 0x87,
          0x68);
    CHECK(aml_lgreater(aml_local(2), aml_int(0x3F)), 0x94, 0x62, 0x0A, 0x3F);
    CHECK(aml_lnot(aml_local(0)), 0x92, 0x60);
    CHECK(aml_land(aml_local(0), aml_local(1)), 0x90, 0x60, 0x61);
    CHECK(aml_lor(aml_local(0), aml_local(1)), 0x91, 0x60, 0x61);
    CHECK(aml_sizeof(aml_arg(3)), 0x87, 0x6B);
    CHECK(aml_object_type(aml_arg(3)), 0x8E, 0x6B);
    CHECK(aml_index(aml_arg(0), aml_local(0), NULL), 0x88, 0x68, 0x60, 0x00);
    CHECK(aml_derefof(aml_index(aml_arg(0), aml_local(0), NULL)),
          0x83, 0x88, 0x68, 0x60, 0x00);
    CHECK(aml_mid(aml_local(1), aml_int(4), aml_arg(1), NULL),
          0x9E, 0x61, 0x0A, 0x04, 0x69, 0x00);
    CHECK(aml_mid(aml_name("ODAT"), aml_int(0), aml_local(0), aml_local(1)),
          0x9E, 'O', 'D', 'A', 'T', 0x00, 0x60, 0x61);
    CHECK(aml_to_buffer(aml_arg(2), NULL), 0x96, 0x6A, 0x00);
    CHECK(aml_to_integer(aml_name("LOW"), aml_local(1)), 0x99,
          'L', 'O', 'W', '_', 0x61);
    CHECK(aml_concatenate(aml_local(0), aml_arg(2), aml_local(0)),
          0x73, 0x60, 0x6A, 0x60);
}

static void test_call(void)
{
    /* MethodInvocation := NameString TermArgList */
    CHECK(aml_call("NCAL", aml_int(0), aml_arg(1), aml_arg(2), aml_arg(3),
                   NULL),
          'N', 'C', 'A', 'L', 0x00, 0x69, 0x6A, 0x6B);
    CHECK(aml_call("^^NCAL", aml_name("_ADR"), NULL),
          0x5E, 0x5E, 'N', 'C', 'A', 'L', '_', 'A', 'D', 'R');
    CHECK(aml_call("\\_SB.NVDR.NTFY", NULL), 0x5C, 0x2F, 0x03,
          '_', 'S', 'B', '_', 'N', 'V', 'D', 'R', 'N', 'T', 'F', 'Y');
}

/* ---- resource templates, ACPI 6.4 §6.4 ---- */

static void test_resources(void)
{
    /* ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0, 8)
     * IRQNoFlags () {4} }: 13 bytes with the End Tag */
    NvAml *rt = aml_resource_template();
    aml_append(rt, aml_io(0x3F8, 0x3F8, 0, 8));
    aml_append(rt, aml_irq_no_flags(4));
    CHECK(rt, 0x11, 0x10, 0x0A, 0x0D,
          0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08,
          0x22, 0x10, 0x00,
          0x79, 0x00);
    CHECK(aml_resource_template(), 0x11, 0x05, 0x0A, 0x02, 0x79, 0x00);

    /* §6.4.2.1: 0x23 with _HE bit 0, _LL bit 3, _SHR bit 4 */
    NvAml *r2 = aml_resource_template();
    aml_append(r2, aml_irq(4, AML_IRQ_EDGE));
    aml_append(r2, aml_irq(4, AML_IRQ_ACTIVE_LOW | AML_IRQ_SHARED));
    aml_append(r2, aml_irq_no_flags(15));
    aml_append(r2, aml_irq_no_flags(0));
    CHECK(r2, 0x11, 0x13, 0x0A, 0x10,
          0x23, 0x10, 0x00, 0x01,
          0x23, 0x10, 0x00, 0x18,
          0x22, 0x00, 0x80,
          0x22, 0x01, 0x00,
          0x79, 0x00);

    /* §6.4.3.4 Memory32Fixed (ReadWrite, 0xFEB00000, 4) */
    NvAml *r3 = aml_resource_template();
    aml_append(r3, aml_memory32_fixed(0xFEB00000, 4, true));
    aml_append(r3, aml_memory32_fixed(0x12345678, 0x9ABCDEF0, false));
    CHECK(r3, 0x11, 0x1D, 0x0A, 0x1A,
          0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xB0, 0xFE,
          0x04, 0x00, 0x00, 0x00,
          0x86, 0x09, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12,
          0xF0, 0xDE, 0xBC, 0x9A,
          0x79, 0x00);

    /* §6.4.3.6 Interrupt (ResourceConsumer, ...): consumer bit 0, _HE
     * bit 1, _LL bit 2, _SHR bit 3 */
    NvAml *r4 = aml_resource_template();
    aml_append(r4, aml_interrupt(5, 0));
    aml_append(r4, aml_interrupt(3, AML_IRQ_EDGE));
    aml_append(r4, aml_interrupt(0x12345, AML_IRQ_ACTIVE_LOW |
                                          AML_IRQ_SHARED));
    CHECK(r4, 0x11, 0x20, 0x0A, 0x1D,
          0x89, 0x06, 0x00, 0x01, 0x01, 0x05, 0x00, 0x00, 0x00,
          0x89, 0x06, 0x00, 0x03, 0x01, 0x03, 0x00, 0x00, 0x00,
          0x89, 0x06, 0x00, 0x0D, 0x01, 0x45, 0x23, 0x01, 0x00,
          0x79, 0x00);
}

/* §6.4.3.5.1 QWordMemory: the bytes iasl 20200925 compiles from
 *   QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
 *       Cacheable, ReadWrite, 0, 0x100000000, 0x13FFFFFFF, 0, 0x40000000)
 *   QWordMemory (..., Cacheable, ReadOnly, 0, 0x1122334455660000,
 *       0x1122334455670000, 0, 0x10001) */
static void test_qword_memory(void)
{
    NvAml *rt = aml_resource_template();
    aml_append(rt, aml_qword_memory(UINT64_C(0x100000000),
                                    UINT64_C(0x13FFFFFFF),
                                    UINT64_C(0x40000000), true));
    aml_append(rt, aml_qword_memory(UINT64_C(0x1122334455660000),
                                    UINT64_C(0x1122334455670000),
                                    UINT64_C(0x10001), false));
    CHECK(rt, 0x11, 0x42, 0x06, 0x0a, 0x5e,
          0x8a, 0x2b, 0x00, 0x00, 0x0d, 0x03,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
          0xff, 0xff, 0xff, 0x3f, 0x01, 0x00, 0x00, 0x00,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
          0x8a, 0x2b, 0x00, 0x00, 0x0d, 0x02,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x00, 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
          0x00, 0x00, 0x67, 0x55, 0x44, 0x33, 0x22, 0x11,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x79, 0x00);
}

static void test_descriptor_outside_template(void)
{
    if (g_test_subprocess()) {
        aml_append(aml_buffer(NULL, 0), aml_io(0, 0, 0, 0));
        return;
    }
    EXPECT_BUG("*not a container*");
}

/* ---- ownership ---- */

static void test_node_used_twice(void)
{
    if (g_test_subprocess()) {
        NvAml *x = aml_local(0);
        NvAml *s = aml_store(x, aml_local(1));
        aml_add(x, aml_int(1), NULL);
        aml_free(s);
        return;
    }
    EXPECT_BUG("*used twice*");
}

static void test_free_child(void)
{
    if (g_test_subprocess()) {
        NvAml *l = aml_list();
        NvAml *x = aml_int(7);
        aml_append(l, x);
        aml_free(x);
        return;
    }
    EXPECT_BUG("*belongs to a parent*");
}

static void test_null_operand(void)
{
    if (g_test_subprocess()) {
        aml_store(NULL, aml_local(0)); /* only targets may be NULL */
        return;
    }
    EXPECT_BUG("*NULL operand*");
}

static void test_free_null(void)
{
    aml_free(NULL);
    g_autoptr(NvAml) auto_freed = aml_device("AUTO");
    aml_append(auto_freed, aml_name_decl("_UID", aml_int(0)));
}

/* ---- tables ---- */

static uint8_t sum_of(const GArray *a)
{
    uint8_t s = 0;
    for (guint i = 0; i < a->len; i++) {
        s += ((const uint8_t *)a->data)[i];
    }
    return s;
}

static uint32_t le32_at(const GArray *a, size_t off)
{
    const uint8_t *p = (const uint8_t *)a->data + off;
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_table_header(void)
{
    g_autoptr(GArray) t = g_array_new(FALSE, FALSE, 1);
    nv_acpi_table_header(t, "NFIT", 1, "NVDIMM");
    g_assert_cmpuint(t->len, ==, NV_ACPI_HEADER_SIZE);
    for (int i = 0; i < 300; i++) {
        g_array_append_val(t, (uint8_t){ i * 7 });
    }
    nv_acpi_table_finalize(t);

    const uint8_t *p = (const uint8_t *)t->data;
    g_assert_cmpmem(p, 4, "NFIT", 4);
    g_assert_cmpuint(le32_at(t, 4), ==, 336);
    g_assert_cmpuint(p[8], ==, 1);
    g_assert_cmpuint(sum_of(t), ==, 0);
    g_assert_cmpmem(p + 10, 6, "NVEMU\0", 6);
    g_assert_cmpmem(p + 16, 8, "NVDIMM\0\0", 8);
    g_assert_cmpuint(le32_at(t, 24), ==, NV_ACPI_OEM_REVISION);
    g_assert_cmpmem(p + 28, 4, NV_ACPI_CREATOR_ID, 4);
    g_assert_cmpuint(le32_at(t, 32), ==, NV_ACPI_CREATOR_REVISION);

    /* growing and finalizing again fixes both fields again */
    g_array_append_vals(t, "\x12\x34\x56", 3);
    nv_acpi_table_finalize(t);
    g_assert_cmpuint(le32_at(t, 4), ==, 339);
    g_assert_cmpuint(sum_of(t), ==, 0);
    uint8_t c = p[9];
    nv_acpi_table_finalize(t);
    g_assert_cmpuint(((const uint8_t *)t->data)[9], ==, c);

    /* an 8-character table ID fills the field exactly */
    g_autoptr(GArray) u = g_array_new(FALSE, FALSE, 1);
    nv_acpi_table_header(u, "SSDT", 2, "NVEMU-DS");
    nv_acpi_table_finalize(u);
    g_assert_cmpmem(u->data + 16, 8, "NVEMU-DS", 8);
    g_assert_cmpuint(le32_at(u, 4), ==, 36);
    g_assert_cmpuint(sum_of(u), ==, 0);

    g_assert_cmpuint(nv_acpi_checksum("\x01\x02\x03", 3), ==, 0xFA);
    g_assert_cmpuint(nv_acpi_checksum("", 0), ==, 0);
    g_assert_cmpuint(nv_acpi_checksum("\x80\x80", 2), ==, 0);
}

static void test_definition_block(void)
{
    NvAml *body = aml_list();
    aml_append(body, aml_name_decl("_S5", aml_int(5)));
    g_autoptr(GArray) t = aml_definition_block("SSDT", 2, "NVDIMM", body);
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x0A, 0x05 };
    g_assert_cmpuint(t->len, ==, 36 + sizeof(aml));
    g_assert_cmpuint(le32_at(t, 4), ==, t->len);
    g_assert_cmpuint(sum_of(t), ==, 0);
    g_assert_cmpmem(t->data, 4, "SSDT", 4);
    g_assert_cmpuint(((uint8_t *)t->data)[8], ==, 2);
    g_assert_cmpmem(t->data + 36, t->len - 36, aml, sizeof(aml));
}

/* ---- the iasl vector: tests/data/aml/nvdimm-dsdt.asl, built again ---- */

static NvAml *uart(const char *name, unsigned uid, uint16_t port, NvAml *irq)
{
    NvAml *dev = aml_device(name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0501")));
    aml_append(dev, aml_name_decl("_UID", aml_int(uid)));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_io(port, port, 0, 8));
    aml_append(crs, irq);
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static NvAml *mailbox_field(const char *const names[], const uint32_t bits[],
                            size_t n, const char *region)
{
    NvAml *f = aml_field(region, AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    for (size_t i = 0; i < n; i++) {
        aml_append(f, aml_named_field(names[i], bits[i]));
    }
    return f;
}

static NvAml *dsm_fallback(void)
{
    return aml_return(aml_buffer((const uint8_t[]){ 0x00 }, 1));
}

static NvAml *method_ncal(void)
{
    NvAml *m = aml_method("NCAL", 4, true);
    aml_append(m, aml_acquire(aml_name("MLCK"), 0xFFFF));
    aml_append(m, aml_store(aml_arg(0), aml_name("HDLE")));
    aml_append(m, aml_store(aml_arg(1), aml_name("REVI")));
    aml_append(m, aml_store(aml_arg(2), aml_name("FUNC")));
    aml_append(m, aml_store(aml_sizeof(aml_arg(3)), aml_name("INLN")));
    aml_append(m, aml_store(aml_arg(3), aml_name("INBF")));
    aml_append(m, aml_store(aml_int(0), aml_name("DBEL")));
    aml_append(m, aml_store(aml_name("RLEN"), aml_local(0)));
    aml_append(m, aml_mid(aml_name("ODAT"), aml_int(0), aml_local(0),
                          aml_local(1)));
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_return(aml_local(1)));
    return m;
}

static NvAml *method_qmsk(void)
{
    NvAml *m = aml_method("QMSK", 1, false);
    aml_append(m, aml_store(aml_int(0), aml_local(0)));
    aml_append(m, aml_store(aml_int(0), aml_local(1)));
    NvAml *w = aml_while(aml_lless(aml_local(0), aml_sizeof(aml_arg(0))));
    aml_append(w, aml_store(aml_derefof(aml_index(aml_arg(0), aml_local(0),
                                                  NULL)),
                            aml_local(2)));
    NvAml *i = aml_if(aml_lgreater(aml_local(2), aml_int(0x3F)));
    aml_append(i, aml_break());
    aml_append(w, i);
    aml_append(w, aml_or(aml_local(1),
                         aml_shiftleft(aml_int(1), aml_local(2), NULL),
                         aml_local(1)));
    aml_append(w, aml_increment(aml_local(0)));
    aml_append(m, w);
    aml_append(m, aml_return(aml_local(1)));
    return m;
}

static NvAml *method_rdqw(void)
{
    NvAml *m = aml_method("RDQW", 2, true);
    aml_append(m, aml_create_qword_field(aml_arg(0), aml_arg(1), "QVAL"));
    aml_append(m, aml_create_field(aml_arg(0),
                                   aml_multiply(aml_arg(1), aml_int(8), NULL),
                                   aml_int(0x20), "LOW"));
    aml_append(m, aml_copy_object(aml_name("QVAL"), aml_local(0)));
    aml_append(m, aml_store(aml_to_integer(aml_name("LOW"), NULL),
                            aml_local(1)));
    aml_append(m, aml_store(aml_shiftright(aml_local(0), aml_int(0x20), NULL),
                            aml_local(2)));
    NvAml *i = aml_if(aml_land(
        aml_lnot(aml_lequal(aml_local(1),
                            aml_and(aml_local(0), aml_int(0xFFFFFFFF), NULL))),
        aml_lgreater(aml_local(2), aml_int(0))));
    aml_append(i, aml_return(aml_int(UINT64_MAX)));
    aml_append(m, i);
    aml_append(m, aml_decrement(aml_local(2)));
    aml_append(m, aml_xor(aml_local(2), aml_not(aml_local(1), NULL),
                          aml_local(3)));
    aml_append(m, aml_subtract(aml_local(0), aml_local(3), aml_local(0)));
    aml_append(m, aml_add(aml_local(0), aml_name("HIGH"), aml_local(0)));
    aml_append(m, aml_return(aml_local(0)));
    return m;
}

/* Store (^^NCAL (_ADR, One, func, input), dest) */
static NvAml *call_dimm(unsigned func, NvAml *input, NvAml *dest)
{
    return aml_store(aml_call("^^NCAL", aml_name("_ADR"), aml_int(1),
                              aml_int(func), input, NULL),
                     dest);
}

/* Buffer (8) {} in Local0 with OFST and LENG from Arg0 and Arg1 */
static void offset_length_request(NvAml *m)
{
    aml_append(m, aml_store(aml_buffer_sized(aml_int(8)), aml_local(0)));
    aml_append(m, aml_create_dword_field(aml_local(0), aml_int(0), "OFST"));
    aml_append(m, aml_create_dword_field(aml_local(0), aml_int(4), "LENG"));
    aml_append(m, aml_store(aml_arg(0), aml_name("OFST")));
    aml_append(m, aml_store(aml_arg(1), aml_name("LENG")));
}

static NvAml *nvdimm_device(void)
{
    NvAml *dev = aml_device("NV00");
    aml_append(dev, aml_name_decl("_ADR", aml_int(1)));

    NvAml *dsm = aml_method("_DSM", 4, true);
    NvAml *i = aml_if(aml_lor(
        aml_lequal(aml_arg(0),
                   aml_touuid("4309AC30-0D11-11E4-9191-0800200C9A66")),
        aml_lequal(aml_arg(0),
                   aml_touuid("5746C5F2-A9A2-4264-AD0E-E4DDC9E09E80"))));
    aml_append(i, aml_return(aml_call("^^NCAL", aml_name("_ADR"), aml_arg(1),
                                      aml_arg(2), aml_arg(3), NULL)));
    aml_append(dsm, i);
    aml_append(dsm, dsm_fallback());
    aml_append(dev, dsm);

    NvAml *lsi = aml_method("_LSI", 0, true);
    aml_append(lsi, call_dimm(4, aml_buffer(NULL, 0), aml_local(0)));
    aml_append(lsi, aml_create_dword_field(aml_local(0), aml_int(0), "STAT"));
    aml_append(lsi, aml_create_dword_field(aml_local(0), aml_int(4), "LSZE"));
    aml_append(lsi, aml_create_dword_field(aml_local(0), aml_int(8), "MAXT"));
    NvAml *pkg = aml_package();
    for (int k = 0; k < 3; k++) {
        aml_append(pkg, aml_int(0));
    }
    aml_append(lsi, aml_store(pkg, aml_local(1)));
    const char *const fields[] = { "STAT", "LSZE", "MAXT" };
    for (unsigned k = 0; k < 3; k++) {
        aml_append(lsi, aml_store(aml_name(fields[k]),
                                  aml_index(aml_local(1), aml_int(k), NULL)));
    }
    aml_append(lsi, aml_return(aml_local(1)));
    aml_append(dev, lsi);

    NvAml *lsr = aml_method("_LSR", 2, true);
    offset_length_request(lsr);
    aml_append(lsr, call_dimm(5, aml_local(0), aml_local(1)));
    aml_append(lsr, aml_create_dword_field(aml_local(1), aml_int(0), "STAT"));
    NvAml *res = aml_package();
    aml_append(res, aml_int(0));
    aml_append(res, aml_int(0));
    aml_append(lsr, aml_store(res, aml_local(2)));
    aml_append(lsr, aml_store(aml_name("STAT"),
                              aml_index(aml_local(2), aml_int(0), NULL)));
    NvAml *ok = aml_if(aml_lequal(aml_name("STAT"), aml_int(0)));
    aml_append(ok, aml_store(aml_mid(aml_local(1), aml_int(4), aml_arg(1),
                                     NULL),
                             aml_index(aml_local(2), aml_int(1), NULL)));
    aml_append(lsr, ok);
    NvAml *bad = aml_else();
    aml_append(bad, aml_store(aml_buffer(NULL, 0),
                              aml_index(aml_local(2), aml_int(1), NULL)));
    aml_append(lsr, bad);
    aml_append(lsr, aml_return(aml_local(2)));
    aml_append(dev, lsr);

    NvAml *lsw = aml_method("_LSW", 3, true);
    offset_length_request(lsw);
    aml_append(lsw, aml_concatenate(aml_local(0),
                                    aml_to_buffer(aml_arg(2), NULL),
                                    aml_local(0)));
    aml_append(lsw, call_dimm(6, aml_local(0), aml_local(1)));
    aml_append(lsw, aml_create_dword_field(aml_local(1), aml_int(0), "STAT"));
    aml_append(lsw, aml_return(aml_name("STAT")));
    aml_append(dev, lsw);
    return dev;
}

static NvAml *nvdimm_root(void)
{
    NvAml *dev = aml_device("NVDR");
    aml_append(dev, aml_name_decl("_HID", aml_string("ACPI0012")));
    aml_append(dev, aml_name_decl("MBAD", aml_int(0xBFF00000)));
    aml_append(dev, aml_name_decl("HIGH", aml_int(0x140000000)));
    aml_append(dev, aml_mutex("MLCK", 0));
    aml_append(dev, aml_operation_region("NMBX", AML_SYSTEM_MEMORY,
                                         aml_int(0xBFF00000),
                                         aml_int(0x21000)));
    static const char *const req[] = { "HDLE", "REVI", "FUNC", "INLN",
                                       "INBF" };
    static const uint32_t req_bits[] = { 32, 32, 32, 32, 135152 * 8 };
    aml_append(dev, mailbox_field(req, req_bits, 5, "NMBX"));
    static const char *const rsp[] = { "RLEN", "ODAT" };
    static const uint32_t rsp_bits[] = { 32, 135164 * 8 };
    aml_append(dev, mailbox_field(rsp, rsp_bits, 2, "NMBX"));
    aml_append(dev, aml_operation_region("NDBL", AML_SYSTEM_MEMORY,
                                         aml_int(0xFEB00000), aml_int(4)));
    NvAml *dbl = aml_field("NDBL", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    aml_append(dbl, aml_field_offset(0));
    aml_append(dbl, aml_named_field("DBEL", 32));
    aml_append(dev, dbl);

    aml_append(dev, method_ncal());
    aml_append(dev, method_qmsk());
    aml_append(dev, method_rdqw());
    NvAml *ntfy = aml_method("NTFY", 0, false);
    aml_append(ntfy, aml_notify(aml_name("NVDR"), aml_int(0x80)));
    aml_append(dev, ntfy);

    NvAml *dsm = aml_method("_DSM", 4, true);
    NvAml *i = aml_if(aml_lequal(
        aml_arg(0), aml_touuid("2F10E7A4-9E91-11E4-89D3-123B93F75CBA")));
    aml_append(i, aml_return(aml_call("NCAL", aml_int(0), aml_arg(1),
                                      aml_arg(2), aml_arg(3), NULL)));
    aml_append(dsm, i);
    aml_append(dsm, dsm_fallback());
    aml_append(dev, dsm);

    aml_append(dev, nvdimm_device());
    return dev;
}

static GArray *build_sample_dsdt(void)
{
    NvAml *body = aml_list();
    NvAml *sb = aml_scope("\\_SB");
    aml_append(body, sb);
    aml_append(sb, uart("COM1", 1, 0x3F8, aml_irq_no_flags(4)));
    aml_append(sb, uart("COM2", 2, 0x2F8, aml_interrupt(3, AML_IRQ_EDGE)));

    NvAml *mb = aml_device("MBRS");
    aml_append(mb, aml_name_decl("_HID", aml_eisaid("PNP0C02")));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_memory32_fixed(0xFEB00000, 4, true));
    aml_append(mb, aml_name_decl("_CRS", crs));
    aml_append(sb, mb);
    aml_append(sb, nvdimm_root());

    NvAml *s1 = aml_scope("\\_SB.NVDR.NV00");
    aml_append(s1, aml_name_decl("_STA", aml_int(0x0F)));
    aml_append(body, s1);
    NvAml *s2 = aml_scope("\\_SB.NVDR");
    aml_append(s2, aml_name_decl("DESC", aml_string("NVEMU NVDIMM root")));
    aml_append(s2, aml_name_decl("SIZE", aml_int(0x1000)));
    aml_append(body, s2);

    NvAml *s5 = aml_package();
    aml_append(s5, aml_int(5));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(body, aml_name_decl("_S5", s5));
    return aml_definition_block("DSDT", 2, "NVEMU-DS", body);
}

static void dump_diff(const GArray *ours, const uint8_t *theirs, size_t len)
{
    size_t n = MIN(ours->len, len);
    for (size_t i = 0; i < n; i++) {
        if (((const uint8_t *)ours->data)[i] != theirs[i]) {
            g_test_message("first difference at 0x%zx: ours %02x, iasl %02x",
                           i, ((const uint8_t *)ours->data)[i], theirs[i]);
            return;
        }
    }
    g_test_message("lengths differ: ours %u, iasl %zu", ours->len, len);
}

/* Our table with iasl's compiler ID and version (bytes 28..35), so the
 * whole table, checksum included, can be compared. */
static void take_creator(GArray *t, const uint8_t *theirs)
{
    memcpy(t->data + 28, theirs + 28, 8);
    nv_acpi_table_finalize(t);
}

static void test_iasl_vector(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "aml",
                                                  "nvdimm-dsdt.aml", NULL);
    g_autofree char *theirs = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(path, &theirs, &len, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(len, >, 36);

    g_autoptr(GArray) ours = build_sample_dsdt();
    /* the header: all but the checksum and the compiler fields is ours */
    g_assert_cmpmem(ours->data, 9, theirs, 9);
    g_assert_cmpmem(ours->data + 10, 18, theirs + 10, 18);
    g_assert_cmpmem(ours->data + 28, 4, NV_ACPI_CREATOR_ID, 4);
    g_assert_cmpuint(sum_of(ours), ==, 0);

    take_creator(ours, (const uint8_t *)theirs);
    if (ours->len != len || memcmp(ours->data, theirs, len) != 0) {
        dump_diff(ours, (const uint8_t *)theirs, len);
    }
    g_assert_cmpmem(ours->data, ours->len, theirs, len);
}

/* Run iasl in @dir; its stdout and stderr together. */
static char *run_iasl(const char *iasl, const char *dir, const char *arg1,
                      const char *arg2, const char *arg3, const char *arg4,
                      int *status)
{
    const char *argv[] = { iasl, arg1, arg2, arg3, arg4, NULL };
    g_autofree char *out = NULL, *errs = NULL;
    g_autoptr(GError) err = NULL;
    gboolean ok = g_spawn_sync(dir, (char **)argv, NULL,
                               (GSpawnFlags)0, NULL, NULL, &out, &errs,
                               status, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    return g_strconcat(out, errs, NULL);
}

static int count_lines_with(const char *text, const char *word)
{
    int n = 0;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        n += strstr(*l, word) != NULL;
    }
    return n;
}

/* iasl -d of the generated table: no errors or warnings; recompiling the
 * disassembly: "0 Errors, 0 Warnings" and the same AML again. The
 * disassembly is legacy ASL (-dl): iasl's ASL+ form turns
 * Store (ShiftRight (x, n), y) into y = x >> n, which recompiles to the
 * equivalent but shorter ShiftRight (x, n, y). */
static void test_iasl_disassemble(void)
{
    g_autofree char *iasl = g_find_program_in_path("iasl");
    if (!iasl) {
        g_test_skip("iasl is not installed (apt-get install acpica-tools)");
        return;
    }
    g_autoptr(GArray) ours = build_sample_dsdt();
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("nvemu-aml-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *aml_path = g_build_filename(dir, "ours.aml", NULL);
    g_assert_true(g_file_set_contents(aml_path, ours->data, ours->len, &err));

    int status;
    g_autofree char *dis = run_iasl(iasl, dir, "-dl", "-d", "ours.aml",
                                    NULL, &status);
    g_test_message("iasl -d:\n%s", dis);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_nonnull(strstr(dis, "Disassembly completed"));
    g_assert_cmpint(count_lines_with(dis, "Error"), ==, 0);
    g_assert_cmpint(count_lines_with(dis, "Warning"), ==, 0);

    g_autofree char *dsl_path = g_build_filename(dir, "ours.dsl", NULL);
    g_autofree char *dsl = NULL;
    g_assert_true(g_file_get_contents(dsl_path, &dsl, NULL, &err));
    g_assert_null(strstr(dsl, "External ("));      /* everything resolved */
    g_assert_null(strstr(dsl, "Incorrect checksum"));

    /* -on: keep the NameStrings as the disassembly spells them */
    g_autofree char *cc = run_iasl(iasl, dir, "-on", "-p", "again", "ours.dsl",
                                   &status);
    g_test_message("iasl (recompile):\n%s", cc);
    const char *line = strstr(cc, "Compilation successful.");
    g_assert_nonnull(line);
    int errors = -1, warnings = -1;
    g_assert_cmpint(sscanf(line, "Compilation successful. %d Errors, "
                                 "%d Warnings", &errors, &warnings), ==, 2);
    g_assert_cmpint(errors, ==, 0);
    g_assert_cmpint(warnings, ==, 0);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    g_autofree char *again_path = g_build_filename(dir, "again.aml", NULL);
    g_autofree char *again = NULL;
    gsize again_len;
    g_assert_true(g_file_get_contents(again_path, &again, &again_len, &err));
    take_creator(ours, (const uint8_t *)again);
    g_assert_cmpmem(ours->data, ours->len, again, again_len);

    nv_test_rm_dir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/aml/name/string", test_namestring);
    g_test_add_func("/aml/name/invalid", test_namestring_invalid);
    g_test_add_func("/aml/name/locals-args", test_locals_args);
    g_test_add_func("/aml/name/arg7", test_arg7);
    g_test_add_func("/aml/int/boundaries", test_int_boundaries);
    g_test_add_func("/aml/pkglength/raw", test_pkglength_raw);
    g_test_add_func("/aml/pkglength/content", test_pkglength_content);
    g_test_add_func("/aml/pkglength/decode-bad", test_pkglength_decode_bad);
    g_test_add_func("/aml/pkglength/too-big", test_pkglength_too_big);
    g_test_add_func("/aml/pkglength/nested", test_pkglength_nested);
    g_test_add_func("/aml/data/string", test_string);
    g_test_add_func("/aml/data/buffer", test_buffer);
    g_test_add_func("/aml/data/package", test_package);
    g_test_add_func("/aml/data/package-256", test_package_256);
    g_test_add_func("/aml/data/touuid", test_touuid);
    g_test_add_func("/aml/data/eisaid", test_eisaid);
    g_test_add_func("/aml/container/scope-device", test_scope_device);
    g_test_add_func("/aml/container/method", test_method);
    g_test_add_func("/aml/container/if-else-while", test_if_else_while);
    g_test_add_func("/aml/container/late-fill", test_late_fill);
    g_test_add_func("/aml/named/operation-region", test_operation_region);
    g_test_add_func("/aml/named/field", test_field);
    g_test_add_func("/aml/named/field-offset-backwards",
                    test_field_offset_backwards);
    g_test_add_func("/aml/named/field-unit-outside-field",
                    test_field_unit_outside_field);
    g_test_add_func("/aml/named/term-inside-field", test_term_inside_field);
    g_test_add_func("/aml/named/mutex-create-fields",
                    test_mutex_create_fields);
    g_test_add_func("/aml/op/statements", test_statements);
    g_test_add_func("/aml/op/expressions", test_expressions);
    g_test_add_func("/aml/op/call", test_call);
    g_test_add_func("/aml/resource/descriptors", test_resources);
    g_test_add_func("/aml/resource/qword-memory", test_qword_memory);
    g_test_add_func("/aml/resource/outside-template",
                    test_descriptor_outside_template);
    g_test_add_func("/aml/ownership/used-twice", test_node_used_twice);
    g_test_add_func("/aml/ownership/free-child", test_free_child);
    g_test_add_func("/aml/ownership/null-operand", test_null_operand);
    g_test_add_func("/aml/ownership/free-null-autoptr", test_free_null);
    g_test_add_func("/aml/table/header-checksum", test_table_header);
    g_test_add_func("/aml/table/definition-block", test_definition_block);
    g_test_add_func("/aml/iasl/nvdimm-dsdt", test_iasl_vector);
    g_test_add_func("/aml/iasl/disassemble", test_iasl_disassemble);
    return g_test_run();
}
