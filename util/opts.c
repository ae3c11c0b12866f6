/*
 * util/opts.c — QEMU-style "key=value,key=value" option strings.
 *
 * Grammar (what QEMU's -object/-device accept): elements separated by ',';
 * a literal comma inside a value is written ",,". Only the first element may
 * be a bare value, taken as @implied_key.
 */
#include "util.h"

#include <string.h>

typedef struct {
    char *key;
    char *value;
    bool used;
} NvOpt;

struct NvOpts {
    char *text;
    GArray *items; /* NvOpt */
};

static void opt_clear(gpointer p)
{
    NvOpt *o = p;
    g_free(o->key);
    g_free(o->value);
}

void nv_opts_free(NvOpts *opts)
{
    if (!opts) {
        return;
    }
    g_array_unref(opts->items);
    g_free(opts->text);
    g_free(opts);
}

/* Copy one element starting at *pp up to an unescaped ',', unescaping ",,". */
static char *next_element(const char **pp)
{
    GString *s = g_string_new(NULL);
    const char *p = *pp;
    for (; *p; p++) {
        if (*p == ',') {
            if (p[1] == ',') {
                g_string_append_c(s, ',');
                p++;
                continue;
            }
            break;
        }
        g_string_append_c(s, *p);
    }
    *pp = *p ? p + 1 : p;
    return g_string_free(s, FALSE);
}

static NvOpt *find(NvOpts *opts, const char *key)
{
    for (guint i = 0; i < opts->items->len; i++) {
        NvOpt *o = &g_array_index(opts->items, NvOpt, i);
        if (strcmp(o->key, key) == 0) {
            return o;
        }
    }
    return NULL;
}

NvOpts *nv_opts_parse(const char *str, const char *implied_key, GError **errp)
{
    g_autoptr(NvOpts) opts = g_new0(NvOpts, 1);
    opts->text = g_strdup(str);
    opts->items = g_array_new(FALSE, TRUE, sizeof(NvOpt));
    g_array_set_clear_func(opts->items, opt_clear);

    const char *p = str;
    bool first = true;
    while (*p) {
        g_autofree char *elem = next_element(&p);
        char *eq = strchr(elem, '=');
        NvOpt o = { 0 };
        if (eq) {
            o.key = g_strndup(elem, (gsize)(eq - elem));
            o.value = g_strdup(eq + 1);
        } else if (first && implied_key) {
            o.key = g_strdup(implied_key);
            o.value = g_strdup(elem);
        } else {
            g_autofree char *q = nv_quote(elem);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "'%s' is not of the form key=value", q);
            return NULL;
        }
        first = false;
        if (!*o.key) {
            g_autofree char *q = nv_quote(elem);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "empty property name in '%s'", q);
            opt_clear(&o);
            return NULL;
        }
        if (find(opts, o.key)) {
            g_autofree char *q = nv_quote(o.key);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "property '%s' given twice", q);
            opt_clear(&o);
            return NULL;
        }
        g_array_append_val(opts->items, o);
    }
    return g_steal_pointer(&opts);
}

const char *nv_opts_text(const NvOpts *opts)
{
    return opts->text;
}

const char *nv_opts_get(NvOpts *opts, const char *key)
{
    NvOpt *o = find(opts, key);
    if (!o) {
        return NULL;
    }
    o->used = true;
    return o->value;
}

bool nv_opts_get_bool(NvOpts *opts, const char *key, bool *out, GError **errp)
{
    const char *v = nv_opts_get(opts, key);
    if (v && !nv_parse_bool(v, out, errp)) {
        nv_error_prefix(errp, "property '%s'", key);
        return false;
    }
    return true;
}

bool nv_opts_get_size(NvOpts *opts, const char *key, uint64_t *out,
                      bool *present, GError **errp)
{
    const char *v = nv_opts_get(opts, key);
    if (present) {
        *present = v != NULL;
    }
    if (v && !nv_parse_size(v, 1, out, errp)) {
        nv_error_prefix(errp, "property '%s'", key);
        return false;
    }
    return true;
}

bool nv_opts_get_uint(NvOpts *opts, const char *key, uint64_t max,
                      uint64_t *out, bool *present, GError **errp)
{
    const char *v = nv_opts_get(opts, key);
    if (present) {
        *present = v != NULL;
    }
    if (v && !nv_parse_uint(v, max, out, errp)) {
        nv_error_prefix(errp, "property '%s'", key);
        return false;
    }
    return true;
}

bool nv_opts_check_unused(NvOpts *opts, GError **errp)
{
    for (guint i = 0; i < opts->items->len; i++) {
        NvOpt *o = &g_array_index(opts->items, NvOpt, i);
        if (!o->used) {
            g_autofree char *q = nv_quote(o->key);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "unknown property '%s'", q);
            return false;
        }
    }
    return true;
}
