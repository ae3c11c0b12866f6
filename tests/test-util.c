/*
 * tests/test-util.c — unit tests for util/: sizes, integers, booleans,
 * UUIDs, QEMU-style option strings and error prefixing.
 */
#include "util.h"

#include <string.h>

/* Assert that @err is an NV_ERROR whose message contains @needle. */
#define assert_err_contains(err, needle)                                    \
    do {                                                                    \
        g_assert_nonnull(err);                                              \
        g_assert_true((err)->domain == NV_ERROR);                           \
        if (!strstr((err)->message, (needle))) {                            \
            g_test_message("message '%s' lacks '%s'", (err)->message,       \
                           (needle));                                       \
            g_assert_not_reached();                                         \
        }                                                                   \
    } while (0)

/* ---- nv_parse_size ---- */

typedef struct {
    const char *text;
    uint64_t unit;
    uint64_t want;
} SizeOk;

static void test_size_ok(void)
{
    static const SizeOk cases[] = {
        { "0", 1, 0 },
        { "1", 1, 1 },
        { "4096", 1, 4096 },
        { "4096B", 1, 4096 },
        { "4096b", 1, 4096 },
        { "1K", 1, KiB },
        { "1k", 1, KiB },
        { "128K", 1, 128 * KiB },
        { "1M", 1, MiB },
        { "1m", 1, MiB },
        { "4G", 1, 4 * GiB },
        { "4g", 1, 4 * GiB },
        { "1T", 1, TiB },
        { "1t", 1, TiB },
        { "1P", 1, 1024 * TiB },
        { "1p", 1, 1024 * TiB },
        { "1E", 1, UINT64_C(1) << 60 },
        { "1e", 1, UINT64_C(1) << 60 },
        { "15E", 1, UINT64_C(15) << 60 },
        /* default unit applies to bare numbers only */
        { "4", MiB, 4 * MiB },
        { "2048", MiB, 2 * GiB },
        { "4096B", MiB, 4096 },
        { "1G", MiB, GiB },
        { "0", MiB, 0 },
        /* fractions */
        { "1.5G", 1, UINT64_C(1610612736) },
        { "0.5K", 1, 512 },
        { "1.5g", MiB, UINT64_C(1610612736) },
        { "0.25M", 1, 256 * KiB },
        { "3.875G", 1, UINT64_C(4160749568) },
        { "2.0B", 1, 2 },
        { "1.000000000000K", 1, KiB }, /* 12 decimals: the most accepted */
        { "15.5E", 1, (UINT64_C(31) << 59) },
        { "007", 1, 7 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        uint64_t v = 0xdeadbeef;
        g_test_message("'%s' unit %" G_GUINT64_FORMAT, cases[i].text,
                       cases[i].unit);
        g_assert_true(nv_parse_size(cases[i].text, cases[i].unit, &v, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(v, ==, cases[i].want);
    }
}

typedef struct {
    const char *text;
    int code;
    const char *needle; /* besides the text itself */
} SizeBad;

static void test_size_bad(void)
{
    static const SizeBad cases[] = {
        { "", NV_ERROR_INVALID, "invalid size" },
        { "-1", NV_ERROR_INVALID, "invalid size" },
        { ".5G", NV_ERROR_INVALID, "invalid size" },
        { "G", NV_ERROR_INVALID, "invalid size" },
        { " 4G", NV_ERROR_INVALID, "invalid size" },
        { "0x10", NV_ERROR_INVALID, "suffix" },
        { "12Q", NV_ERROR_INVALID, "suffix" },
        { "4GB", NV_ERROR_INVALID, "suffix" },
        { "4 G", NV_ERROR_INVALID, "suffix" },
        { "4G ", NV_ERROR_INVALID, "suffix" },
        { "4KiB", NV_ERROR_INVALID, "suffix" },
        { "1.", NV_ERROR_INVALID, "no digits after" },
        { "1.G", NV_ERROR_INVALID, "no digits after" },
        { "1.5", NV_ERROR_INVALID, "needs a suffix" },
        { "0.5", NV_ERROR_INVALID, "needs a suffix" },
        { "1.1B", NV_ERROR_INVALID, "whole number of bytes" },
        { "0.3K", NV_ERROR_INVALID, "whole number of bytes" },
        { "1.0000000000001K", NV_ERROR_INVALID, "decimals" },
        { "1.5.5G", NV_ERROR_INVALID, "suffix" },
        { "16E", NV_ERROR_RANGE, "too large" },
        { "16384P", NV_ERROR_RANGE, "too large" },
        { "18446744073709551616", NV_ERROR_RANGE, "too large" },
        { "99999999999999999999T", NV_ERROR_RANGE, "too large" },
        { "99999999999999999999", NV_ERROR_RANGE, "too large" },
        { "17179869184G", NV_ERROR_RANGE, "too large" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        uint64_t v = 12345;
        g_test_message("'%s'", cases[i].text);
        g_assert_false(nv_parse_size(cases[i].text, 1, &v, &err));
        g_assert_error(err, NV_ERROR, cases[i].code);
        assert_err_contains(err, cases[i].needle);
        /* the message quotes the offending text */
        g_autofree char *quoted = g_strdup_printf("'%s'", cases[i].text);
        assert_err_contains(err, quoted);
        g_assert_cmpuint(v, ==, 12345); /* untouched on failure */
        g_clear_error(&err);
    }
}

static void test_size_null(void)
{
    GError *err = NULL;
    uint64_t v = 7;
    g_assert_false(nv_parse_size(NULL, 1, &v, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    g_assert_cmpuint(v, ==, 7);
    g_clear_error(&err);
    /* a NULL errp is allowed */
    g_assert_false(nv_parse_size("4Q", 1, &v, NULL));
    g_assert_false(nv_parse_size("16E", 1, &v, NULL));
}

/* The largest value a uint64_t holds is a valid size ("Overflow past
 * 2^64-1 is an error", so 2^64-1 itself is not). */
static void test_size_max(void)
{
    static const char *const texts[] = {
        "18446744073709551609", /* accepted */
        "18446744073709551610", /* rejected by the overflow guard */
        "18446744073709551615",
    };
    static const uint64_t want[] = {
        UINT64_MAX - 6, UINT64_MAX - 5, UINT64_MAX,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(GError) err = NULL;
        uint64_t v = 0;
        g_assert_true(nv_parse_size(texts[i], 1, &v, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(v, ==, want[i]);
    }
}

/* ---- nv_format_size ---- */

typedef struct {
    uint64_t value;
    const char *text;
} FmtCase;

static void test_format_exact(void)
{
    static const FmtCase cases[] = {
        { 0, "0" },
        { 1, "1B" },
        { 1023, "1023B" },
        { 1024, "1K" },
        { 4096, "4K" },
        { 128 * KiB, "128K" },
        { 128 * MiB + 128 * KiB, "131200K" },
        { 1536 * KiB, "1536K" },
        { 4 * GiB, "4G" },
        { UINT64_C(4160749568), "3968M" },
        { 1536 * MiB, "1536M" },
        { TiB, "1T" },
        { 1024 * TiB, "1P" },
        { UINT64_C(1) << 60, "1E" },
        { UINT64_C(1) << 63, "8E" },
        { UINT64_C(15) << 60, "15E" },
        { 4097, "4097B (~4.0K)" },
        { 1025, "1025B (~1.0K)" },
        { 3 * MiB + 1, "3145729B (~3.0M)" },
        { UINT64_MAX, "18446744073709551615B (~16.0E)" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = nv_format_size(cases[i].value);
        g_assert_cmpstr(s, ==, cases[i].text);
    }
}

static void test_format_roundtrip(void)
{
    static const uint64_t values[] = {
        0, 1, 1023, 1024, 4096, 128 * KiB, 128 * MiB + 128 * KiB,
        4 * GiB, UINT64_C(4160749568), TiB, 4097, 1025, 512, 2 * MiB + 4 * KiB,
        3 * GiB, 1024 * TiB, UINT64_C(15) << 60, UINT64_C(1) << 63,
        1536 * MiB, 128 * MiB,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
        g_autofree char *s = nv_format_size(values[i]);
        g_test_message("%" G_GUINT64_FORMAT " -> '%s'", values[i], s);
        if (strstr(s, " (~")) {
            /* The hint form is for people; the leading bytes still parse. */
            g_autofree char *head = g_strndup(s, strcspn(s, " "));
            uint64_t v = 0;
            g_assert_true(nv_parse_size(head, 1, &v, NULL));
            g_assert_cmpuint(v, ==, values[i]);
            continue;
        }
        uint64_t v = 0;
        GError *err = NULL;
        /* Whatever the default unit, the text parses back exactly. */
        g_assert_true(nv_parse_size(s, 1, &v, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(v, ==, values[i]);
        if (values[i]) {
            g_assert_true(nv_parse_size(s, MiB, &v, &err));
            g_assert_no_error(err);
            g_assert_cmpuint(v, ==, values[i]);
        }
    }
}

/* ---- nv_parse_uint ---- */

static void test_uint(void)
{
    static const struct {
        const char *text;
        uint64_t max;
        bool ok;
        uint64_t want;
        int code;
    } cases[] = {
        { "0", 10, true, 0, 0 },
        { "10", 10, true, 10, 0 },
        { "0010", 10, true, 10, 0 },
        { "255", 255, true, 255, 0 },
        { "256", 255, false, 0, NV_ERROR_RANGE },
        { "11", 10, false, 0, NV_ERROR_RANGE },
        { "18446744073709551609", UINT64_MAX, true, UINT64_MAX - 6, 0 },
        { "18446744073709551616", UINT64_MAX, false, 0, NV_ERROR_RANGE },
        { "99999999999999999999999", UINT64_MAX, false, 0, NV_ERROR_RANGE },
        { "", 10, false, 0, NV_ERROR_INVALID },
        { "-1", 10, false, 0, NV_ERROR_INVALID },
        { "+1", 10, false, 0, NV_ERROR_INVALID },
        { " 1", 10, false, 0, NV_ERROR_INVALID },
        { "1 ", 10, false, 0, NV_ERROR_INVALID },
        { "1K", UINT64_MAX, false, 0, NV_ERROR_INVALID },
        { "0x10", UINT64_MAX, false, 0, NV_ERROR_INVALID },
        { "abc", 10, false, 0, NV_ERROR_INVALID },
        { "1.0", 10, false, 0, NV_ERROR_INVALID },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        uint64_t v = 77;
        g_test_message("'%s' max %" G_GUINT64_FORMAT, cases[i].text,
                       cases[i].max);
        bool ok = nv_parse_uint(cases[i].text, cases[i].max, &v, &err);
        g_assert_cmpint(ok, ==, cases[i].ok);
        if (ok) {
            g_assert_no_error(err);
            g_assert_cmpuint(v, ==, cases[i].want);
        } else {
            g_assert_error(err, NV_ERROR, cases[i].code);
            if (*cases[i].text) {
                g_autofree char *q = g_strdup_printf("'%s'", cases[i].text);
                assert_err_contains(err, q);
            }
            g_assert_cmpuint(v, ==, 77);
            g_clear_error(&err);
        }
    }
    GError *err = NULL;
    uint64_t v = 5;
    g_assert_false(nv_parse_uint(NULL, 10, &v, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(nv_parse_uint("20", 10, &v, &err));
    assert_err_contains(err, "at most 10");
    g_clear_error(&err);
    g_assert_cmpuint(v, ==, 5);
}

static void test_uint_max(void)
{
    g_autoptr(GError) err = NULL;
    uint64_t v = 0;
    g_assert_true(nv_parse_uint("18446744073709551615", UINT64_MAX, &v, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(v, ==, UINT64_MAX);
}

/* ---- nv_parse_bool ---- */

static void test_bool(void)
{
    static const struct {
        const char *text;
        bool want;
    } good[] = {
        { "on", true }, { "yes", true }, { "true", true },
        { "off", false }, { "no", false }, { "false", false },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        GError *err = NULL;
        bool b = !good[i].want;
        g_assert_true(nv_parse_bool(good[i].text, &b, &err));
        g_assert_no_error(err);
        g_assert_cmpint(b, ==, good[i].want);
    }
    /* Case-sensitive, like QEMU: "ON" is not a boolean. */
    static const char *const bad[] = {
        "maybe", "ON", "Off", "TRUE", "1", "0", "y", "n", "", "on ", " on",
        "onn",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        bool b = true;
        g_test_message("'%s'", bad[i]);
        g_assert_false(nv_parse_bool(bad[i], &b, &err));
        g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
        g_autofree char *q = g_strdup_printf("'%s'", bad[i]);
        assert_err_contains(err, q);
        g_assert_true(b); /* untouched */
        g_clear_error(&err);
    }
    GError *err = NULL;
    bool b = false;
    g_assert_false(nv_parse_bool(NULL, &b, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(nv_parse_bool("maybe", &b, NULL));
}

/* ---- UUIDs ---- */

static void test_uuid_roundtrip(void)
{
    static const char *const texts[] = {
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "01234567-89ab-cdef-0123-456789abcdef",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        uint8_t u[16];
        char out[37];
        GError *err = NULL;
        g_assert_true(nv_parse_uuid(texts[i], u, &err));
        g_assert_no_error(err);
        nv_format_uuid(u, out);
        g_assert_cmpstr(out, ==, texts[i]);
    }

    /* Byte order is the text order. */
    uint8_t u[16];
    g_assert_true(nv_parse_uuid("01234567-89ab-cdef-0123-456789abcdef", u,
                                NULL));
    static const uint8_t want[16] = {
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    };
    g_assert_cmpmem(u, 16, want, 16);

    /* Upper case parses; formatting is lower case. */
    char out[37];
    g_assert_true(nv_parse_uuid("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", u,
                                NULL));
    nv_format_uuid(u, out);
    g_assert_cmpstr(out, ==, "6ba7b810-9dad-11d1-80b4-00c04fd430c8");

    /* Formatting any bytes and parsing back is the identity. */
    uint8_t r[16], back[16];
    for (int i = 0; i < 16; i++) {
        r[i] = (uint8_t)(i * 37 + 11);
    }
    nv_format_uuid(r, out);
    g_assert_cmpuint(strlen(out), ==, 36);
    g_assert_true(nv_parse_uuid(out, back, NULL));
    g_assert_cmpmem(r, 16, back, 16);
}

static void test_uuid_bad(void)
{
    static const char *const bad[] = {
        "",
        "01234567-89ab-cdef-0123-456789abcde",   /* 35 chars */
        "01234567-89ab-cdef-0123-456789abcdef0", /* 37 chars */
        "01234567-89ab-cdef-0123-456789abcdeg",  /* non-hex */
        "0123456x-89ab-cdef-0123-456789abcdef",
        "01234567-89ab-cdef-0123-45678 abcdef",
        "0123456-789ab-cdef-0123-456789abcdef",  /* dash misplaced */
        "01234567-89abc-def-0123-456789abcdef",
        "01234567-89ab-cdef-01234-56789abcdef",
        "012345678-9ab-cdef-0123-456789abcdef",
        "01234567089ab-cdef-0123-456789abcdef",  /* dash replaced */
        "0123456789abcdef0123456789abcdef0123",  /* no dashes, 36 chars */
        "01234567_89ab_cdef_0123_456789abcdef",
        "{1234567-89ab-cdef-0123-456789abcde}",
        "0123456789abcdef0123456789abcdef",      /* 32 hex, no dashes */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        uint8_t u[16];
        memset(u, 0xaa, sizeof(u));
        g_test_message("'%s'", bad[i]);
        g_assert_false(nv_parse_uuid(bad[i], u, &err));
        g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
        g_autofree char *q = g_strdup_printf("'%s'", bad[i]);
        assert_err_contains(err, q);
        for (int j = 0; j < 16; j++) {
            g_assert_cmpuint(u[j], ==, 0xaa); /* untouched on failure */
        }
        g_clear_error(&err);
    }
    GError *err = NULL;
    uint8_t u[16];
    g_assert_false(nv_parse_uuid(NULL, u, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    g_clear_error(&err);
}

/* ---- NvOpts ---- */

static void test_opts_basic(void)
{
    GError *err = NULL;
    const char *text = "nvdimm,id=nv0,memdev=m0,label-size=128K";
    NvOpts *o = nv_opts_parse(text, "driver", &err);
    g_assert_no_error(err);
    g_assert_nonnull(o);
    g_assert_cmpstr(nv_opts_text(o), ==, text);
    g_assert_cmpstr(nv_opts_get(o, "driver"), ==, "nvdimm");
    g_assert_cmpstr(nv_opts_get(o, "id"), ==, "nv0");
    g_assert_cmpstr(nv_opts_get(o, "memdev"), ==, "m0");
    g_assert_cmpstr(nv_opts_get(o, "label-size"), ==, "128K");
    g_assert_null(nv_opts_get(o, "slot"));
    g_assert_null(nv_opts_get(o, "ID")); /* keys are case-sensitive */
    /* getting twice is fine */
    g_assert_cmpstr(nv_opts_get(o, "id"), ==, "nv0");
    g_assert_true(nv_opts_check_unused(o, &err));
    g_assert_no_error(err);
    nv_opts_free(o);

    /* without an implied key, every element is key=value */
    o = nv_opts_parse("a=1,b=,c=x=y", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(nv_opts_get(o, "a"), ==, "1");
    g_assert_cmpstr(nv_opts_get(o, "b"), ==, "");
    g_assert_cmpstr(nv_opts_get(o, "c"), ==, "x=y");
    g_assert_true(nv_opts_check_unused(o, NULL));
    nv_opts_free(o);

    /* the first element may still be key=value when a key is implied */
    o = nv_opts_parse("driver=pc-dimm,id=d", "driver", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(nv_opts_get(o, "driver"), ==, "pc-dimm");
    g_assert_cmpstr(nv_opts_get(o, "id"), ==, "d");
    nv_opts_free(o);

    /* a trailing comma ends the list */
    o = nv_opts_parse("a=1,", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(nv_opts_get(o, "a"), ==, "1");
    g_assert_true(nv_opts_check_unused(o, NULL));
    nv_opts_free(o);

    nv_opts_free(NULL); /* no-op */
}

static void test_opts_escape(void)
{
    static const struct {
        const char *text;
        const char *key;
        const char *want;
    } cases[] = {
        { "memory-backend-file,mem-path=a,,b.img", "mem-path", "a,b.img" },
        { "x,mem-path=a,,b.img,size=4G", "mem-path", "a,b.img" },
        { "x,mem-path=a,,b.img,size=4G", "size", "4G" },
        { "x,p=,,,,", "p", ",," },
        { "x,p=a,,", "p", "a," },
        { "x,p=,,a", "p", ",a" },
        { "a,,b,p=1", "driver", "a,b" },
        { "x,p=a,,,q=2", "p", "a," },
        { "x,p=a,,,q=2", "q", "2" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        g_test_message("'%s' key %s", cases[i].text, cases[i].key);
        g_autoptr(NvOpts) o = nv_opts_parse(cases[i].text, "driver", &err);
        g_assert_no_error(err);
        g_assert_cmpstr(nv_opts_get(o, cases[i].key), ==, cases[i].want);
        /* the text is kept as given, escapes and all */
        g_assert_cmpstr(nv_opts_text(o), ==, cases[i].text);
    }
}

static void test_opts_empty(void)
{
    GError *err = NULL;
    NvOpts *o = nv_opts_parse("", "driver", &err);
    g_assert_no_error(err);
    g_assert_nonnull(o);
    g_assert_null(nv_opts_get(o, "driver"));
    g_assert_cmpstr(nv_opts_text(o), ==, "");
    g_assert_true(nv_opts_check_unused(o, &err));
    g_assert_no_error(err);
    nv_opts_free(o);

    o = nv_opts_parse("", NULL, &err);
    g_assert_no_error(err);
    g_assert_true(nv_opts_check_unused(o, &err));
    nv_opts_free(o);
}

static void test_opts_bad(void)
{
    static const struct {
        const char *text;
        const char *implied;
        const char *needle1;
        const char *needle2;
    } cases[] = {
        { "a=1,a=2", NULL, "given twice", "'a'" },
        { "nvdimm,id=x,id=y", "driver", "given twice", "'id'" },
        { "nvdimm,driver=pc-dimm", "driver", "given twice", "'driver'" },
        { "a=1,bare", NULL, "not of the form key=value", "'bare'" },
        { "nvdimm,bare", "driver", "not of the form key=value", "'bare'" },
        { "bare", NULL, "not of the form key=value", "'bare'" },
        { "=x", NULL, "empty property name", "'=x'" },
        { "nvdimm,=x", "driver", "empty property name", "'=x'" },
        { "a=1,=", NULL, "empty property name", "'='" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        g_test_message("'%s'", cases[i].text);
        NvOpts *o = nv_opts_parse(cases[i].text, cases[i].implied, &err);
        g_assert_null(o);
        g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
        assert_err_contains(err, cases[i].needle1);
        assert_err_contains(err, cases[i].needle2);
        g_clear_error(&err);
    }
    /* NULL errp is allowed */
    g_assert_null(nv_opts_parse("a=1,a=1", NULL, NULL));
}

static void test_opts_unused(void)
{
    GError *err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse("nvdimm,id=nv0,lable-size=128K,x=1",
                                        "driver", &err);
    g_assert_no_error(err);
    g_assert_nonnull(nv_opts_get(o, "driver"));
    g_assert_nonnull(nv_opts_get(o, "id"));
    g_assert_null(nv_opts_get(o, "label-size"));
    g_assert_false(nv_opts_check_unused(o, &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_INVALID);
    assert_err_contains(err, "unknown property 'lable-size'");
    g_clear_error(&err);

    /* once looked up, it no longer counts; the next one is reported */
    g_assert_nonnull(nv_opts_get(o, "lable-size"));
    g_assert_false(nv_opts_check_unused(o, &err));
    assert_err_contains(err, "unknown property 'x'");
    g_clear_error(&err);
    g_assert_false(nv_opts_check_unused(o, NULL));

    g_assert_nonnull(nv_opts_get(o, "x"));
    g_assert_true(nv_opts_check_unused(o, &err));
    g_assert_no_error(err);

    /* typed getters mark the key used as well, even on a bad value */
    g_autoptr(NvOpts) t = nv_opts_parse("s=4G,u=3,b=on,bad=maybe", NULL,
                                        &err);
    g_assert_no_error(err);
    uint64_t v;
    bool b;
    g_assert_true(nv_opts_get_size(t, "s", &v, NULL, NULL));
    g_assert_true(nv_opts_get_uint(t, "u", 9, &v, NULL, NULL));
    g_assert_true(nv_opts_get_bool(t, "b", &b, NULL));
    g_assert_false(nv_opts_get_bool(t, "bad", &b, NULL));
    g_assert_true(nv_opts_check_unused(t, NULL));
}

static void test_opts_typed(void)
{
    GError *err = NULL;
    g_autoptr(NvOpts) o = nv_opts_parse(
        "size=4G,n=12,share=on,ro=off,big=1.5G,plain=4096", NULL, &err);
    g_assert_no_error(err);

    uint64_t v = 0;
    bool present = false;
    g_assert_true(nv_opts_get_size(o, "size", &v, &present, &err));
    g_assert_no_error(err);
    g_assert_true(present);
    g_assert_cmpuint(v, ==, 4 * GiB);
    g_assert_true(nv_opts_get_size(o, "big", &v, &present, &err));
    g_assert_cmpuint(v, ==, UINT64_C(1610612736));
    /* sizes in options are bytes when bare */
    g_assert_true(nv_opts_get_size(o, "plain", &v, NULL, &err));
    g_assert_cmpuint(v, ==, 4096);

    g_assert_true(nv_opts_get_uint(o, "n", 100, &v, &present, &err));
    g_assert_no_error(err);
    g_assert_true(present);
    g_assert_cmpuint(v, ==, 12);

    bool b = false;
    g_assert_true(nv_opts_get_bool(o, "share", &b, &err));
    g_assert_true(b);
    g_assert_true(nv_opts_get_bool(o, "ro", &b, &err));
    g_assert_false(b);
    g_assert_no_error(err);

    /* absent keys leave the output untouched and say so */
    v = 99;
    present = true;
    g_assert_true(nv_opts_get_size(o, "nope", &v, &present, &err));
    g_assert_false(present);
    g_assert_cmpuint(v, ==, 99);
    present = true;
    g_assert_true(nv_opts_get_uint(o, "nope", 5, &v, &present, &err));
    g_assert_false(present);
    g_assert_cmpuint(v, ==, 99);
    b = true;
    g_assert_true(nv_opts_get_bool(o, "nope", &b, &err));
    g_assert_true(b);
    g_assert_no_error(err);
    g_assert_true(nv_opts_check_unused(o, NULL));
}

static void test_opts_typed_errors(void)
{
    static const struct {
        const char *text;
        char kind; /* s(ize), u(int), b(ool) */
        const char *key;
        int code;
        const char *needle;
    } cases[] = {
        { "size=4Q", 's', "size", NV_ERROR_INVALID, "'4Q'" },
        { "size=", 's', "size", NV_ERROR_INVALID, "invalid size" },
        { "size=16E", 's', "size", NV_ERROR_RANGE, "'16E'" },
        { "size=1.5", 's', "size", NV_ERROR_INVALID, "'1.5'" },
        { "slot=abc", 'u', "slot", NV_ERROR_INVALID, "'abc'" },
        { "slot=300", 'u', "slot", NV_ERROR_RANGE, "'300'" },
        { "slot=", 'u', "slot", NV_ERROR_INVALID, "empty" },
        { "share=maybe", 'b', "share", NV_ERROR_INVALID, "'maybe'" },
        { "share=", 'b', "share", NV_ERROR_INVALID, "''" },
        { "share=ON", 'b', "share", NV_ERROR_INVALID, "'ON'" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        g_autoptr(NvOpts) o = nv_opts_parse(cases[i].text, NULL, &err);
        g_assert_no_error(err);
        uint64_t v = 42;
        bool b = true, present = false, ok;
        switch (cases[i].kind) {
        case 's':
            ok = nv_opts_get_size(o, cases[i].key, &v, &present, &err);
            g_assert_true(present);
            break;
        case 'u':
            ok = nv_opts_get_uint(o, cases[i].key, 255, &v, &present, &err);
            g_assert_true(present);
            break;
        default:
            ok = nv_opts_get_bool(o, cases[i].key, &b, &err);
            break;
        }
        g_test_message("'%s' -> %s", cases[i].text,
                       err ? err->message : "(no error)");
        g_assert_false(ok);
        g_assert_error(err, NV_ERROR, cases[i].code);
        g_autofree char *prop = g_strdup_printf("property '%s': ",
                                                cases[i].key);
        g_assert_true(g_str_has_prefix(err->message, prop));
        assert_err_contains(err, cases[i].needle);
        g_assert_cmpuint(v, ==, 42);
        g_assert_true(b);
        g_clear_error(&err);
    }
}

/* ---- nv_error_prefix ---- */

static void test_error_prefix(void)
{
    GError *err = NULL;

    nv_error_prefix(NULL, "ignored %d", 1);
    nv_error_prefix(&err, "ignored %d", 2);
    g_assert_null(err);

    g_set_error(&err, NV_ERROR, NV_ERROR_RANGE, "too big");
    nv_error_prefix(&err, "-device %s,id=%s", "nvdimm", "nv0");
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
    g_assert_cmpstr(err->message, ==, "-device nvdimm,id=nv0: too big");
    nv_error_prefix(&err, "outer");
    g_assert_cmpstr(err->message, ==,
                    "outer: -device nvdimm,id=nv0: too big");
    g_clear_error(&err);

    /* a '%' in the prefix arguments is not reinterpreted */
    g_set_error(&err, NV_ERROR, NV_ERROR_INVALID, "x");
    nv_error_prefix(&err, "%s", "100%s");
    g_assert_cmpstr(err->message, ==, "100%s: x");
    g_clear_error(&err);
}

static void test_error_quark(void)
{
    g_assert_cmpuint(NV_ERROR, !=, 0);
    g_assert_cmpuint(NV_ERROR, ==, nv_error_quark());
    g_assert_cmpstr(g_quark_to_string(NV_ERROR), ==, "nvemu-error-quark");
}

static void test_align(void)
{
    g_assert_cmpuint(nv_align_up(0, 4096), ==, 0);
    g_assert_cmpuint(nv_align_up(1, 4096), ==, 4096);
    g_assert_cmpuint(nv_align_up(4096, 4096), ==, 4096);
    g_assert_cmpuint(nv_align_up(4 * GiB + 1, GiB), ==, 5 * GiB);
    g_assert_cmpuint(nv_align_down(4095, 4096), ==, 0);
    g_assert_cmpuint(nv_align_down(272 * MiB - 128 * KiB, 128 * MiB), ==,
                     256 * MiB);
    g_assert_cmpuint(nv_align_up(3 * MiB, 3 * MiB), ==, 3 * MiB);
    g_assert_cmpuint(nv_align_down(7 * MiB, 3 * MiB), ==, 6 * MiB);
}

/* nv_time_mark: silent without NVEMU_TIME_MARKS; with it, one line of
 * seconds since the process started (this test process: under a minute). */
static void test_time_mark(void)
{
    if (g_test_subprocess()) {
        if (g_getenv("NVEMU_TIME_MARKS")) {
            nv_time_mark("marked");
            nv_time_mark("again");
        } else {
            nv_time_mark("silent");
        }
        return;
    }
    g_unsetenv("NVEMU_TIME_MARKS");
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr_unmatched("*time-mark*");
    g_setenv("NVEMU_TIME_MARKS", "1", TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_unsetenv("NVEMU_TIME_MARKS");
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("nvemu: time-mark *.* marked\nnvemu: time-mark *.* again\n");
    g_test_trap_assert_stderr_unmatched("*time-mark -1*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/time-mark", test_time_mark);

    g_test_add_func("/util/size/parse-ok", test_size_ok);
    g_test_add_func("/util/size/parse-bad", test_size_bad);
    g_test_add_func("/util/size/parse-null", test_size_null);
    g_test_add_func("/util/size/parse-max", test_size_max);
    g_test_add_func("/util/size/format-exact", test_format_exact);
    g_test_add_func("/util/size/format-roundtrip", test_format_roundtrip);
    g_test_add_func("/util/uint/parse", test_uint);
    g_test_add_func("/util/uint/parse-max", test_uint_max);
    g_test_add_func("/util/bool/parse", test_bool);
    g_test_add_func("/util/uuid/roundtrip", test_uuid_roundtrip);
    g_test_add_func("/util/uuid/bad", test_uuid_bad);
    g_test_add_func("/util/opts/basic", test_opts_basic);
    g_test_add_func("/util/opts/escape", test_opts_escape);
    g_test_add_func("/util/opts/empty", test_opts_empty);
    g_test_add_func("/util/opts/bad", test_opts_bad);
    g_test_add_func("/util/opts/unused", test_opts_unused);
    g_test_add_func("/util/opts/typed", test_opts_typed);
    g_test_add_func("/util/opts/typed-errors", test_opts_typed_errors);
    g_test_add_func("/util/error/prefix", test_error_prefix);
    g_test_add_func("/util/error/quark", test_error_quark);
    g_test_add_func("/util/align", test_align);

    return g_test_run();
}
