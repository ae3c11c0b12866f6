/* util/error.c — the NV_ERROR domain and message prefixing. */
#include "util.h"

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
