/*
 * util/size.c — sizes, integers, booleans and UUIDs from option text.
 */
#include "util.h"

#include <string.h>

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default:  return -1;
    }
}

bool nv_parse_size(const char *str, uint64_t default_unit, uint64_t *out,
                   GError **errp)
{
    const char *p = str;
    uint64_t whole = 0, frac = 0, frac_div = 1;
    g_autofree char *q = nv_quote(str);

    if (!str || !g_ascii_isdigit(*p)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "invalid size '%s': expected a number with an optional "
                    "suffix K, M, G or T", q);
        return false;
    }
    for (; g_ascii_isdigit(*p); p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (whole > (UINT64_MAX - digit) / 10) {
            goto overflow;
        }
        whole = whole * 10 + digit;
    }
    bool has_frac = false;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "invalid size '%s': no digits after '.'", q);
            return false;
        }
        has_frac = true;
        for (; g_ascii_isdigit(*p); p++) {
            if (frac_div >= UINT64_C(1000000000000)) {
                g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                            "invalid size '%s': too many decimals", q);
                return false;
            }
            frac = frac * 10 + (uint64_t)(*p - '0');
            frac_div *= 10;
        }
    }

    uint64_t unit = default_unit;
    bool has_suffix = false;
    if (*p) {
        int shift = suffix_shift(*p);
        if (shift < 0 || p[1] != '\0') {
            g_autofree char *qs = nv_quote(p);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "invalid size '%s': unknown suffix '%s' "
                        "(use B, K, M, G, T, P or E)", q, qs);
            return false;
        }
        unit = UINT64_C(1) << shift;
        has_suffix = true;
    }
    if (has_frac && !has_suffix) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "invalid size '%s': a fraction needs a suffix", q);
        return false;
    }
    if (whole > UINT64_MAX / unit) {
        goto overflow;
    }
    uint64_t value = whole * unit;
    if (has_frac) {
        /* frac < frac_div <= 10^12 and unit <= 2^60: fits in 128 bits */
        unsigned __int128 scaled = (unsigned __int128)frac * unit;
        if (scaled % frac_div) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "invalid size '%s': not a whole number of bytes", q);
            return false;
        }
        uint64_t part = (uint64_t)(scaled / frac_div);
        if (value > UINT64_MAX - part) {
            goto overflow;
        }
        value += part;
    }
    *out = value;
    return true;

overflow:
    g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                "invalid size '%s': too large", q);
    return false;
}

char *nv_format_size(uint64_t size)
{
    static const char units[] = "BKMGTPE";
    int i = 0;
    uint64_t div = 1;

    if (size == 0) {
        return g_strdup("0");
    }
    /* Largest unit that divides exactly, so the text parses back to size. */
    while (i < 6 && size % (div << 10) == 0) {
        div <<= 10;
        i++;
    }
    if (i == 0 && size >= KiB) {
        /* Not a whole number of KiB: exact bytes, plus a readable hint. */
        int j = 0;
        double v = (double)size;
        while (v >= 1024.0 && j < 6) {
            v /= 1024.0;
            j++;
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT "B (~%.1f%c)", size, v,
                               units[j]);
    }
    if (i == 0) {
        return g_strdup_printf("%" G_GUINT64_FORMAT "B", size);
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT "%c", size / div, units[i]);
}

bool nv_parse_uint(const char *str, uint64_t max, uint64_t *out, GError **errp)
{
    uint64_t v = 0;
    if (!str || !*str) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "empty number");
        return false;
    }
    for (const char *p = str; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            g_autofree char *q = nv_quote(str);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "'%s' is not a number", q);
            return false;
        }
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            goto range;
        }
        v = v * 10 + digit;
    }
    if (v > max) {
        goto range;
    }
    *out = v;
    return true;
range:;
    g_autofree char *q = nv_quote(str);
    g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                "'%s' is out of range (at most %" G_GUINT64_FORMAT ")", q,
                max);
    return false;
}

bool nv_parse_bool(const char *str, bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_strcmp0(str, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (g_strcmp0(str, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    g_autofree char *q = nv_quote(str);
    g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "'%s' is not on or off", q);
    return false;
}

bool nv_parse_uuid(const char *str, uint8_t out[16], GError **errp)
{
    static const int dash_at[] = { 8, 13, 18, 23 };
    uint8_t tmp[16];
    int n = 0;

    if (!str || strlen(str) != 36) {
        goto bad;
    }
    for (int i = 0; i < 36; ) {
        bool dash = false;
        for (size_t d = 0; d < G_N_ELEMENTS(dash_at); d++) {
            dash |= (i == dash_at[d]);
        }
        if (dash) {
            if (str[i] != '-') {
                goto bad;
            }
            i++;
            continue;
        }
        int hi = g_ascii_xdigit_value(str[i]);
        int lo = g_ascii_xdigit_value(str[i + 1]);
        if (hi < 0 || lo < 0) {
            goto bad;
        }
        tmp[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    memcpy(out, tmp, 16);
    return true;
bad:;
    g_autofree char *q = nv_quote(str);
    g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                "'%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", q);
    return false;
}

void nv_format_uuid(const uint8_t u[16], char out[37])
{
    g_snprintf(out, 37,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
               "%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
               u[10], u[11], u[12], u[13], u[14], u[15]);
}
