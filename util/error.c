/* util/error.c — the NV_ERROR domain and message prefixing. */
#include "util.h"

#include <string.h>

G_DEFINE_QUARK(nvemu-error-quark, nv_error)

void nv_error_prefix(GError **errp, const char *fmt, ...)
{
    if (!errp || !*errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_prefix_error(errp, "%s: ", prefix);
}

char *nv_quote(const char *text)
{
    if (!text) {
        return g_strdup("");
    }
    size_t len = strlen(text);
    if (len <= NV_QUOTE_MAX) {
        return g_strdup(text);
    }
    size_t n = NV_QUOTE_MAX;
    /* Do not cut a UTF-8 sequence: back up to the start of a character. */
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) {
        n--;
    }
    return g_strdup_printf("%.*s... (%zu bytes)", (int)n, text, len);
}
