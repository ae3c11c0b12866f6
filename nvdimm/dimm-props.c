/*
 * nvdimm/dimm-props.c — an NVDIMM's -device properties for the state it
 * starts with (nvemu's own, docs/health.md): its health (health=,
 * media-temperature=, controller-temperature=, spares=, life-used=) and
 * its media errors (media-error=OFFSET:LENGTH, media-error.N=).
 */
#include "nvdimm.h"
#include "media-errors.h"

#include <errno.h>
#include <string.h>

/* A temperature in degrees Celsius, as decimal text ("90", "-5",
 * "36.5"): a value the SMART field holds exactly. */
static bool parse_temp(NvOpts *opts, const char *key, bool *has,
                       uint16_t *t, GError **errp)
{
    const char *v = nv_opts_get(opts, key);
    if (!v) {
        return true;
    }
    char *end = NULL;
    double c = *v ? g_ascii_strtod(v, &end) : 0;
    if (!*v || strspn(v, "+-0123456789.") != strlen(v) || *end) {
        g_autofree char *q = nv_quote(v);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s=%s is not a temperature (degrees Celsius, e.g. 40 "
                    "or 36.5)", key, q);
        return false;
    }
    if (!nv_health_temp_from_celsius(c, t)) {
        g_autofree char *q = nv_quote(v);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s=%s is out of range (-2047.9375 to 2047.9375 degrees "
                    "Celsius, in steps of 1/16)", key, q);
        return false;
    }
    *has = true;
    return true;
}

static bool parse_percent(NvOpts *opts, const char *key, uint64_t max,
                          bool *has, uint8_t *out, GError **errp)
{
    uint64_t v = 0;
    if (!nv_opts_get_uint(opts, key, max, &v, has, errp)) {
        return false;
    }
    *out = (uint8_t)v;
    return true;
}

/* The initial health (docs/health.md): what Get SMART reports until the
 * guest or the host changes it. */
bool nv_dimm_parse_health_props(NvDimm *d, NvOpts *opts, GError **errp)
{
    NvHealthUpdate *u = &d->health_props;
    const char *state = nv_opts_get(opts, "health");
    if (state) {
        if (!nv_health_state_parse(state, &u->health)) {
            g_autofree char *q = nv_quote(state);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "health=%s is not a health state (ok, non-critical, "
                        "critical, fatal)", q);
            return false;
        }
        u->has_health = true;
    }
    if (!parse_temp(opts, "media-temperature", &u->has_media_temp,
                    &u->media_temp, errp) ||
        !parse_temp(opts, "controller-temperature", &u->has_ctrl_temp,
                    &u->ctrl_temp, errp) ||
        !parse_percent(opts, "spares", 100, &u->has_spares, &u->spares,
                       errp) ||
        !parse_percent(opts, "life-used", 255, &u->has_life_used,
                       &u->life_used, errp)) {
        return false;
    }
    nv_health_init(&d->state.health);
    nv_health_apply(&d->state.health, u);
    return true;
}

/* A byte count of a media-error range: a size ("4K", "1M", "512") or
 * 0x-hex. */
static bool parse_media_num(const char *s, uint64_t *v, GError **errp)
{
    if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X")) {
        char *end = NULL;
        errno = 0;
        *v = g_ascii_strtoull(s + 2, &end, 16);
        if (!s[2] || errno || *end || !g_ascii_isxdigit(s[2])) {
            g_autofree char *q = nv_quote(s);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "'%s' is not a number", q);
            return false;
        }
        return true;
    }
    return nv_parse_size(s, 1, v, errp);
}

/* One media-error value OFFSET:LENGTH (DIMM offset and bytes, each a
 * multiple of the clear unit, length > 0) appended to d->media_props. */
static bool parse_media_error(NvDimm *d, const char *key, const char *v,
                              GError **errp)
{
    g_autofree char *q = nv_quote(v);
    const char *colon = strchr(v, ':');
    g_autofree char *off_s = colon ? g_strndup(v, colon - v) : NULL;
    NvMediaError e = { 0 };
    if (!colon || !parse_media_num(off_s, &e.offset, errp) ||
        !parse_media_num(colon + 1, &e.length, errp)) {
        if (errp && *errp) {
            nv_error_prefix(errp, "%s=%s", key, q);
        } else {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s=%s is not OFFSET:LENGTH", key, q);
        }
        return false;
    }
    if (e.length == 0 || e.offset % NV_MEDIA_ERR_UNIT ||
        e.length % NV_MEDIA_ERR_UNIT || e.offset > UINT64_MAX - e.length) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s=%s: offset and length must be multiples of the "
                    "clear unit %u, the length not 0", key, q,
                    NV_MEDIA_ERR_UNIT);
        return false;
    }
    if (!d->media_props) {
        d->media_props = g_array_new(FALSE, TRUE, sizeof(NvMediaError));
    }
    if (d->media_props->len >= NV_MEDIA_ERR_MAX) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: more than %u media errors", key, NV_MEDIA_ERR_MAX);
        return false;
    }
    g_array_append_val(d->media_props, e);
    return true;
}

/* media-error=, then media-error.0=, .1=, ... up to the first missing
 * index (a later one stays unused: "unknown property"). */
bool nv_dimm_parse_media_props(NvDimm *d, NvOpts *opts, GError **errp)
{
    const char *v = nv_opts_get(opts, "media-error");
    if (v && !parse_media_error(d, "media-error", v, errp)) {
        return false;
    }
    for (unsigned i = 0;; i++) {
        g_autofree char *key = g_strdup_printf("media-error.%u", i);
        v = nv_opts_get(opts, key);
        if (!v) {
            return true;
        }
        if (!parse_media_error(d, key, v, errp)) {
            return false;
        }
    }
}

bool nv_dimm_media_props_check(GPtrArray *dimms, GError **errp)
{
    for (guint i = 0; i < dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dimms, i);
        for (guint j = 0; d->media_props && j < d->media_props->len; j++) {
            const NvMediaError *e = &g_array_index(d->media_props,
                                                   NvMediaError, j);
            if (e->offset >= d->size || e->length > d->size - e->offset) {
                g_autofree char *sz = nv_format_size(d->size);
                g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                            "%s: media-error 0x%" G_GINT64_MODIFIER "x:0x%"
                            G_GINT64_MODIFIER "x is outside its %s of "
                            "pmem", d->name, e->offset, e->length, sz);
                return false;
            }
        }
    }
    return true;
}
