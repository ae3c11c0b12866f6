/*
 * nvdimm/dimm.c — the DIMM base and its two kinds, built from -device text.
 *
 * Properties (QEMU's names):
 *   both:   id, memdev, slot, node, addr
 *   nvdimm: label-size, label-file, uuid, unarmed, and nvemu's own
 *           state-file (the DIMM's unsafe-shutdown count and state across
 *           runs, state-file.h) and its initial health: health,
 *           media-temperature, controller-temperature, spares, life-used
 *           (docs/health.md), and media errors present at start:
 *           media-error=OFFSET:LENGTH, media-error.0=, media-error.1=, ...
 */
#include "nvdimm.h"
#include "media-errors.h"
#include "state-file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

const char *nv_dimm_kind_name(NvDimmKind kind)
{
    return kind == NV_DIMM_NVDIMM ? "nvdimm" : "pc-dimm";
}

void nv_dimm_free(NvDimm *dimm)
{
    if (!dimm) {
        return;
    }
    nv_hostmem_free(dimm->label_mem);
    g_free(dimm->id);
    g_free(dimm->name);
    g_free(dimm->memdev_id);
    g_free(dimm->label_file);
    g_free(dimm->state_file);
    nv_state_file_free(dimm->state.state_file);
    if (dimm->state.media_errors) {
        g_array_unref(dimm->state.media_errors);
    }
    if (dimm->media_props) {
        g_array_unref(dimm->media_props);
    }
    g_free(dimm);
}

static bool parse_common(NvDimm *d, NvOpts *opts, GError **errp)
{
    uint64_t v = 0;
    bool present;

    d->memdev_id = g_strdup(nv_opts_get(opts, "memdev"));
    if (d->memdev_id && strlen(d->memdev_id) > NV_ID_MAX) {
        g_autofree char *q = nv_quote(d->memdev_id);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "memdev=%s is longer than %d bytes", q, NV_ID_MAX);
        return false;
    }
    if (!nv_opts_get_uint(opts, "slot", NV_MAX_SLOTS - 1, &v, &present,
                          errp)) {
        return false;
    }
    d->slot = (uint32_t)v;
    d->slot_set = present;
    v = 0;
    if (!nv_opts_get_uint(opts, "node", NV_MAX_NUMA_NODES - 1, &v, NULL,
                          errp)) {
        return false;
    }
    d->node = (uint32_t)v;

    const char *addr = nv_opts_get(opts, "addr");
    if (addr) {
        /* QEMU takes addr= as a number; accept 0x-hex or decimal. */
        char *end = NULL;
        errno = 0;
        guint64 a = g_ascii_strtoull(addr, &end, 0);
        if (errno || !end || *end || !g_ascii_isdigit(addr[0])) {
            g_autofree char *q = nv_quote(addr);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "property 'addr': '%s' is not an address", q);
            return false;
        }
        d->addr = a;
        d->addr_set = true;
    }
    return true;
}

static bool parse_nvdimm(NvDimm *d, NvOpts *opts, GError **errp)
{
    if (!nv_dimm_parse_health_props(d, opts, errp) ||
        !nv_dimm_parse_media_props(d, opts, errp)) {
        return false;
    }
    if (!nv_opts_get_size(opts, "label-size", &d->label_size,
                          &d->label_size_set, errp)) {
        return false;
    }
    if (d->label_size > NV_LABEL_SIZE_MAX) {
        g_autofree char *s = nv_format_size(d->label_size);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label-size=%s is above the maximum of 1G", s);
        return false;
    }
    if (d->label_size_set && d->label_size != 0 &&
        d->label_size < NV_LABEL_SIZE_MIN) {
        g_autofree char *s = nv_format_size(d->label_size);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label-size=%s is below the minimum of 128K "
                    "(use 0 for no labels)", s);
        return false;
    }
    d->label_file = g_strdup(nv_opts_get(opts, "label-file"));
    if (d->label_file && !*d->label_file) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "label-file= needs a path");
        return false;
    }
    if (d->label_file && strlen(d->label_file) >= PATH_MAX) {
        g_autofree char *q = nv_quote(d->label_file);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "label-file='%s' is longer than PATH_MAX", q);
        return false;
    }
    if (d->label_file && d->label_size_set && d->label_size == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "label-file='%s' contradicts label-size=0 (no labels)",
                    d->label_file);
        return false;
    }
    d->state_file = g_strdup(nv_opts_get(opts, "state-file"));
    if (d->state_file && !*d->state_file) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "state-file= needs a path");
        return false;
    }
    if (d->state_file && strlen(d->state_file) >= PATH_MAX) {
        g_autofree char *q = nv_quote(d->state_file);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "state-file='%s' is longer than PATH_MAX", q);
        return false;
    }
    const char *uuid = nv_opts_get(opts, "uuid");
    if (uuid) {
        if (!nv_parse_uuid(uuid, d->uuid, errp)) {
            nv_error_prefix(errp, "property 'uuid'");
            return false;
        }
        d->uuid_set = true;
    }
    return nv_opts_get_bool(opts, "unarmed", &d->unarmed, errp);
}

NvDimm *nv_dimm_new_from_opts(NvOpts *opts, GError **errp)
{
    g_autoptr(NvDimm) d = g_new0(NvDimm, 1);
    const char *driver = nv_opts_get(opts, "driver");

    if (g_strcmp0(driver, "nvdimm") == 0) {
        d->kind = NV_DIMM_NVDIMM;
    } else if (g_strcmp0(driver, "pc-dimm") == 0) {
        d->kind = NV_DIMM_PC;
    } else {
        g_autofree char *q = nv_quote(driver);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "unknown device '%s' (nvemu has nvdimm and pc-dimm)", q);
        return NULL;
    }
    d->id = g_strdup(nv_opts_get(opts, "id"));
    if (d->id && !*d->id) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "id= is empty");
        return NULL;
    }
    if (d->id && strlen(d->id) > NV_ID_MAX) {
        g_autofree char *q = nv_quote(d->id);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "id=%s is longer than %d bytes", q, NV_ID_MAX);
        return NULL;
    }
    g_autofree char *text = nv_quote(nv_opts_text(opts));
    d->name = d->id ? g_strdup_printf("-device %s,id=%s", driver, d->id)
                    : g_strdup_printf("-device %s", text);
    if (!parse_common(d, opts, errp)) {
        return NULL;
    }
    if (d->kind == NV_DIMM_NVDIMM && !parse_nvdimm(d, opts, errp)) {
        return NULL;
    }
    if (!nv_opts_check_unused(opts, errp)) {
        return NULL;
    }
    return g_steal_pointer(&d);
}

/* Health and the state file: once per DIMM, not per guest reset (a
 * reset builds a new board, which realizes again). */
static bool realize_state(NvDimm *dimm, GError **errp)
{
    if (dimm->state.realized) {
        return true;
    }
    /* state.health was set up when the DIMM was made
     * (nv_dimm_parse_health_props()),
     * so the host may change it before the first boot */
    if (dimm->state_file) {
        dimm->state.state_file = nv_state_file_open(dimm->state_file, dimm,
                                                    errp);
        if (!dimm->state.state_file) {
            return false;
        }
    }
    /* media-error=: poisoned at every start, besides what the state file
     * kept (written to it at once) */
    for (guint i = 0; dimm->media_props && i < dimm->media_props->len; i++) {
        const NvMediaError *e = &g_array_index(dimm->media_props,
                                               NvMediaError, i);
        if (!nv_dimm_media_add(dimm, e->offset, e->length, false, errp)) {
            return false;
        }
    }
    dimm->state.realized = true;
    return true;
}

bool nv_dimm_stop(NvDimm *dimm, GError **errp)
{
    if (!dimm->state.state_file) {
        return true;
    }
    return nv_state_file_save(dimm->state.state_file, &dimm->state.health,
                              dimm->state.media_errors, true, errp);
}

bool nv_dimm_save_state(NvDimm *dimm, GError **errp)
{
    if (!dimm->state.state_file) {
        return true;
    }
    return nv_state_file_save(dimm->state.state_file, &dimm->state.health,
                              dimm->state.media_errors, false, errp);
}

bool nv_dimm_realize(NvDimm *dimm, GError **errp)
{
    if (dimm->label_mem && !nv_hostmem_realize(dimm->label_mem, errp)) {
        nv_error_prefix(errp, "%s: label-file", dimm->name);
        return false;
    }
    if (dimm->kind != NV_DIMM_NVDIMM) {
        return true;
    }
    if (dimm->label_size) {
        NvHostMem *mem = dimm->label_mem ? dimm->label_mem : dimm->memdev;
        uint64_t off = dimm->label_mem ? 0 : dimm->label_offset;
        if (!nv_label_store_init(&dimm->state.labels, mem, off,
                                 dimm->label_size, dimm->unarmed, errp)) {
            nv_error_prefix(errp, "%s", dimm->name);
            return false;
        }
        dimm->state.has_labels = true;
    }
    /* last: the one step that writes a file of the user's */
    return realize_state(dimm, errp);
}

void nv_dimm_unrealize(NvDimm *dimm)
{
    if (!dimm->state.state_file) {
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_state_file_restore(dimm->state.state_file, &err)) {
        fprintf(stderr, "nvemu: warning: %s\n", err->message);
    }
    g_clear_pointer(&dimm->state.state_file, nv_state_file_free);
    dimm->state.realized = false;
}
