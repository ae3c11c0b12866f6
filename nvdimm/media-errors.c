/*
 * nvdimm/media-errors.c — an NVDIMM's media-error list (media-errors.h):
 * sorted, disjoint, unit-aligned ranges; add merges, remove splits, both
 * bounded by NV_MEDIA_ERR_MAX; the DIMM-level calls check bounds and
 * persist.
 */
#include "media-errors.h"
#include "state-file.h"

#include <inttypes.h>

#define UNIT ((uint64_t)NV_MEDIA_ERR_UNIT)

static inline NvMediaError *at(GArray *l, guint i)
{
    return &g_array_index(l, NvMediaError, i);
}

GArray *nv_media_list_new(void)
{
    return g_array_new(FALSE, FALSE, sizeof(NvMediaError));
}

/* [*s, *e) rounded outward to the unit; false when that overflows. */
static bool round_out(uint64_t off, uint64_t len, uint64_t *s, uint64_t *e)
{
    if (len == 0 || off > UINT64_MAX - len) {
        return false;
    }
    uint64_t end = off + len;
    *s = off & ~(UNIT - 1);
    if (end > (UINT64_MAX & ~(UNIT - 1))) {
        return false;
    }
    *e = (end + UNIT - 1) & ~(UNIT - 1);
    return true;
}

bool nv_media_list_add(GArray *list, uint64_t off, uint64_t len, bool known,
                       GError **errp)
{
    uint64_t s, e;
    if (!round_out(off, len, &s, &e)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "media error at 0x%" PRIx64 " length 0x%" PRIx64
                    " is not a valid range", off, len);
        return false;
    }
    /* The ranges that overlap or touch [s, e): indices [first, last). */
    guint first = 0;
    while (first < list->len && at(list, first)->offset +
                                        at(list, first)->length < s) {
        first++;
    }
    guint last = first;
    while (last < list->len && at(list, last)->offset <= e) {
        last++;
    }
    if (first == last && list->len >= NV_MEDIA_ERR_MAX) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "media error at 0x%" PRIx64 " length 0x%" PRIx64
                    ": the DIMM already has %u error ranges, the most it "
                    "keeps", off, len, NV_MEDIA_ERR_MAX);
        return false;
    }
    if (last == first + 1 && at(list, first)->offset <= s &&
        at(list, first)->offset + at(list, first)->length >= e) {
        /* nothing new: only a notification makes it known */
        at(list, first)->known |= known;
        return true;
    }
    /* new bytes: the merged range takes this add's flag */
    NvMediaError m = { s, e - s, known };
    for (guint i = first; i < last; i++) {
        const NvMediaError *r = at(list, i);
        m.offset = MIN(m.offset, r->offset);
        e = MAX(e, r->offset + r->length);
    }
    m.length = e - m.offset;
    if (first < last) {
        g_array_remove_range(list, first, last - first);
    }
    g_array_insert_val(list, first, m);
    return true;
}

bool nv_media_list_remove(GArray *list, uint64_t off, uint64_t len,
                          uint64_t *removed, GError **errp)
{
    uint64_t s, e, gone = 0;
    if (removed) {
        *removed = 0;
    }
    if (!round_out(off, len, &s, &e)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "media error range at 0x%" PRIx64 " length 0x%" PRIx64
                    " is not a valid range", off, len);
        return false;
    }
    for (guint i = 0; i < list->len; i++) {
        NvMediaError *r = at(list, i);
        uint64_t rs = r->offset, re = r->offset + r->length;
        if (re <= s || rs >= e) {
            continue;
        }
        if (rs < s && re > e) {
            /* a hole in the middle: one range more */
            if (list->len >= NV_MEDIA_ERR_MAX) {
                g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                            "removing 0x%" PRIx64 " length 0x%" PRIx64
                            " would split a range past the %u ranges a "
                            "DIMM keeps", off, len, NV_MEDIA_ERR_MAX);
                return false;
            }
            NvMediaError tail = { e, re - e, r->known };
            r->length = s - rs;
            g_array_insert_val(list, i + 1, tail);
            gone += e - s;
            break;
        }
        if (rs >= s && re <= e) {
            gone += re - rs;
            g_array_remove_index(list, i);
            i--;
        } else if (rs < s) {
            gone += re - s;
            r->length = s - rs;
        } else {
            gone += e - rs;
            r->offset = e;
            r->length = re - e;
        }
    }
    if (removed) {
        *removed = gone;
    }
    return true;
}

void nv_media_list_mark_known(GArray *list, uint64_t off, uint64_t len)
{
    for (guint i = 0; i < list->len; i++) {
        NvMediaError *r = at(list, i);
        if (r->offset < off + len && off < r->offset + r->length) {
            r->known = true;
        }
    }
}

void nv_media_list_forget_known(GArray *list)
{
    for (guint i = 0; i < list->len; i++) {
        at(list, i)->known = false;
    }
}

/* ---- a DIMM's list ---------------------------------------------------- */

static GArray *dimm_list(NvDimm *d)
{
    if (!d->state.media_errors) {
        d->state.media_errors = nv_media_list_new();
    }
    return d->state.media_errors;
}

static bool check_range(const NvDimm *d, uint64_t off, uint64_t len,
                        GError **errp)
{
    if (d->kind != NV_DIMM_NVDIMM) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s: media errors exist only on an nvdimm", d->name);
        return false;
    }
    if (len == 0 || off >= d->size || len > d->size - off) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: media error range offset 0x%" PRIx64 " length 0x%"
                    PRIx64 " is %s its 0x%" PRIx64 " bytes", d->name, off,
                    len, len == 0 ? "empty, inside" : "outside", d->size);
        return false;
    }
    return true;
}

/* Persist @d's list; on failure put @old back. Takes @old. */
static bool commit(NvDimm *d, GArray *old, GError **errp)
{
    g_autoptr(GError) err = NULL;
    if (!nv_dimm_save_state(d, &err)) {
        g_array_unref(d->state.media_errors);
        d->state.media_errors = old;
        g_propagate_error(errp, g_steal_pointer(&err));
        return false;
    }
    g_array_unref(old);
    return true;
}

static GArray *copy_list(GArray *l)
{
    GArray *c = nv_media_list_new();
    g_array_append_vals(c, l->data, l->len);
    return c;
}

bool nv_dimm_media_add(NvDimm *d, uint64_t off, uint64_t len, bool notify,
                       GError **errp)
{
    if (!check_range(d, off, len, errp)) {
        return false;
    }
    GArray *old = copy_list(dimm_list(d));
    if (!nv_media_list_add(d->state.media_errors, off, len, notify, errp)) {
        g_array_unref(old);
        g_prefix_error(errp, "%s: ", d->name);
        return false;
    }
    return commit(d, old, errp);
}

bool nv_dimm_media_remove(NvDimm *d, uint64_t off, uint64_t len,
                          uint64_t *removed, GError **errp)
{
    if (removed) {
        *removed = 0;
    }
    if (!check_range(d, off, len, errp)) {
        return false;
    }
    GArray *old = copy_list(dimm_list(d));
    uint64_t gone = 0;
    if (!nv_media_list_remove(d->state.media_errors, off, len, &gone,
                              errp)) {
        g_array_unref(old);
        g_prefix_error(errp, "%s: ", d->name);
        return false;
    }
    if (gone == 0) {
        g_array_unref(old);   /* nothing changed, nothing to write */
        return true;
    }
    if (!commit(d, old, errp)) {
        return false;
    }
    if (removed) {
        *removed = gone;
    }
    return true;
}

const NvMediaError *nv_dimm_media_errors(const NvDimm *d, guint *n)
{
    GArray *l = d->state.media_errors;
    *n = l ? l->len : 0;
    return *n ? (const NvMediaError *)l->data : NULL;
}

/* ---- by guest physical address ---------------------------------------- */

NvDimm *nv_media_find_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                          uint64_t *off)
{
    if (len == 0 || spa > UINT64_MAX - len) {
        return NULL;
    }
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->kind != NV_DIMM_NVDIMM || !d->state.realized || !d->size) {
            continue;
        }
        if (spa >= d->addr && spa - d->addr < d->size &&
            len <= d->size - (spa - d->addr)) {
            *off = spa - d->addr;
            return d;
        }
    }
    return NULL;
}

static NvDimm *find_or_fail(GPtrArray *dimms, uint64_t spa, uint64_t len,
                            uint64_t *off, GError **errp)
{
    NvDimm *d = nv_media_find_spa(dimms, spa, len, off);
    if (!d) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "guest physical range 0x%" PRIx64 " length 0x%" PRIx64
                    " is not inside one NVDIMM", spa, len);
    }
    return d;
}

bool nv_media_add_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                      bool notify, GError **errp)
{
    uint64_t off;
    NvDimm *d = find_or_fail(dimms, spa, len, &off, errp);
    return d && nv_dimm_media_add(d, off, len, notify, errp);
}

bool nv_media_remove_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                         uint64_t *removed, GError **errp)
{
    uint64_t off;
    if (removed) {
        *removed = 0;
    }
    NvDimm *d = find_or_fail(dimms, spa, len, &off, errp);
    return d && nv_dimm_media_remove(d, off, len, removed, errp);
}
