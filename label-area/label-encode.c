/*
 * label-area/label-encode.c — writing the namespace-label format: fresh
 * index blocks (what `ndctl init-labels` writes), single labels, and index
 * updates that make a change current the way Linux commits one.
 *
 * Follows drivers/nvdimm/label.c: nd_label_write_index(), init_labels(),
 * __pmem_label_update(); and ndctl/lib/dimm.c: write_label_index(),
 * ndctl_dimm_init_labels(). Every write is bounds-checked against the area.
 */
#include "label-area.h"
#include "label-layout.h"

#include <string.h>

static bool check_which(unsigned which, GError **errp)
{
    if (which > 1) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "index block %u does not exist (0 or 1)", which);
        return false;
    }
    return true;
}

/* The header fields nd_label_write_index() rewrites on every write. */
static void fill_header(uint8_t *p, const NvLabelGeometry *g, unsigned which,
                        uint32_t seq, uint32_t nslot)
{
    memcpy(p + IDX_SIG, NV_LABEL_INDEX_SIG, NV_LABEL_INDEX_SIG_LEN);
    memset(p + IDX_FLAGS, 0, 3);
    /* sizeof_namespace_label() >> 8: 0 for 128-byte labels, 1 for 256 */
    p[IDX_LABELSIZE] = (uint8_t)(g->label_size >> 8);
    nv_st32(p + IDX_SEQ, seq);
    nv_st64(p + IDX_MYOFF, (uint64_t)which * g->index_size);
    nv_st64(p + IDX_MYSIZE, g->index_size);
    nv_st64(p + IDX_OTHEROFF, (uint64_t)(1 - which) * g->index_size);
    nv_st64(p + IDX_LABELOFF, g->label_offset);
    nv_st32(p + IDX_NSLOT, nslot);
    nv_st16(p + IDX_MAJOR, 1);
    nv_st16(p + IDX_MINOR, g->label_size < LBL_V12_SIZE ? 1 : 2);
}

static void seal_index(uint8_t *p, const NvLabelGeometry *g)
{
    nv_st64(p + IDX_CHECKSUM, 0);
    nv_st64(p + IDX_CHECKSUM, nv_fletcher64(p, g->index_size, true));
}

bool nv_label_write_index(uint8_t *area, uint64_t size, uint32_t label_size,
                          unsigned which, uint32_t seq, GError **errp)
{
    NvLabelGeometry g;
    if (!check_which(which, errp) ||
        !nv_label_geometry(size, label_size, &g, errp)) {
        return false;
    }
    uint8_t *p = area + (uint64_t)which * g.index_size;

    /*
     * init_labels() zeroes its copy of the area before writing the index
     * blocks, so everything after the bitmap is zero. ND_NSINDEX_INIT sets
     * nslot to the geometry's and marks every slot free; bits past nslot
     * stay clear (label.h: "Any bits this allocates beyond nlabel bits must
     * be zero"; ndctl's copy leaves them set up to a 64-bit boundary, which
     * no reader looks at).
     */
    memset(p, 0, g.index_size);
    fill_header(p, &g, which, seq, g.nslot);
    memset(p + IDX_FREE, 0xff, g.nslot / 8);
    if (g.nslot % 8) {
        p[IDX_FREE + g.nslot / 8] = (uint8_t)((1u << (g.nslot % 8)) - 1);
    }
    seal_index(p, &g);
    return true;
}

bool nv_label_init(uint8_t *area, uint64_t size, NvLabelVersion version,
                   NvLabelGeometry *geom, GError **errp)
{
    uint32_t label_size = nv_label_version_label_size(version);
    NvLabelGeometry g;

    if (!nv_label_geometry(size, label_size, &g, errp)) {
        return false;
    }
    /*
     * Both init_labels() and ndctl_dimm_init_labels() write block i with
     * sequence number 3 - i: block 0 gets 3 and block 1 gets 2. best_seq(3,
     * 2) is 3 (2 does not follow 3), so block 0 is current and block 1 is
     * the next one written.
     */
    for (unsigned i = 0; i < 2; i++) {
        if (!nv_label_write_index(area, size, label_size, i, 3 - i, errp)) {
            return false;
        }
    }
    if (geom) {
        *geom = g;
    }
    return true;
}

bool nv_label_write_label(uint8_t *area, uint64_t size, uint32_t label_size,
                          uint32_t slot, const NvLabelSpec *spec,
                          GError **errp)
{
    NvLabelGeometry g;
    if (!nv_label_geometry(size, label_size, &g, errp)) {
        return false;
    }
    if (slot >= g.nslot) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "slot %u is out of range: the area has %u slots", slot,
                    g.nslot);
        return false;
    }
    size_t name_len = spec->name ? strnlen(spec->name,
                                           NV_LABEL_NAME_LEN + 1) : 0;
    if (name_len > NV_LABEL_NAME_LEN) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "namespace name is longer than %d bytes",
                    NV_LABEL_NAME_LEN);
        return false;
    }

    /* __pmem_label_update(): zero the slot, then fill in the fields. */
    uint8_t *p = area + g.label_offset + (uint64_t)slot * label_size;
    memset(p, 0, label_size);
    memcpy(p + LBL_UUID, spec->uuid, 16);
    if (name_len) {
        memcpy(p + LBL_NAME, spec->name, name_len);
    }
    nv_st32(p + LBL_FLAGS, spec->flags);
    nv_st16(p + LBL_NLABEL, spec->nlabel);
    nv_st16(p + LBL_POSITION, spec->position);
    nv_st64(p + LBL_ISETCOOKIE, spec->isetcookie);
    nv_st64(p + LBL_LBASIZE, spec->lbasize);
    nv_st64(p + LBL_DPA, spec->dpa);
    nv_st64(p + LBL_RAWSIZE, spec->rawsize);
    nv_st32(p + LBL_SLOT, slot);
    if (label_size >= LBL_V12_SIZE) {
        p[LBL_ALIGN] = spec->align;
        memcpy(p + LBL_TYPE_GUID, spec->type_guid, 16);
        memcpy(p + LBL_ABSTRACTION_GUID, spec->abstraction_guid, 16);
        nv_st64(p + LBL_CHECKSUM, nv_fletcher64(p, label_size, true));
    }
    return true;
}

bool nv_label_update_index(uint8_t *area, uint64_t size, const uint32_t *slots,
                           size_t nslots, bool in_use, GError **errp)
{
    return nv_label_commit_index(area, size, in_use ? slots : NULL,
                                 in_use ? nslots : 0, in_use ? NULL : slots,
                                 in_use ? 0 : nslots, errp);
}

static bool slots_in_range(const uint32_t *slots, size_t n, uint32_t nslot,
                           GError **errp)
{
    for (size_t i = 0; i < n; i++) {
        if (slots[i] >= nslot) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "slot %u is out of range: the index has %u slots",
                        slots[i], nslot);
            return false;
        }
    }
    return true;
}

static void mark(uint8_t *idx, const uint32_t *slots, size_t n, bool in_use)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t *byte = idx + IDX_FREE + slots[i] / 8;
        uint8_t bit = (uint8_t)(1u << (slots[i] % 8));
        *byte = in_use ? (uint8_t)(*byte & ~bit) : (uint8_t)(*byte | bit);
    }
}

bool nv_label_commit_index(uint8_t *area, uint64_t size, const uint32_t *used,
                           size_t nused, const uint32_t *freed, size_t nfreed,
                           GError **errp)
{
    g_autoptr(NvLabelSet) set = nv_label_parse(area, size);
    if (set->current < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "cannot update the index: %s",
                    (const char *)g_ptr_array_index(set->problems, 0));
        return false;
    }
    const NvLabelGeometry *g = &set->geom;
    const NvLabelIndex *cur = &set->index[set->current];
    if (NV_LABEL_INDEX_HEADER + ((uint64_t)cur->nslot + 7) / 8 >
        g->index_size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "cannot update the index: its free bitmap for %u slots "
                    "runs past the %u-byte block", cur->nslot, g->index_size);
        return false;
    }
    if (!slots_in_range(used, nused, cur->nslot, errp) ||
        !slots_in_range(freed, nfreed, cur->nslot, errp)) {
        return false;
    }

    /*
     * Linux keeps the next index block as a copy of the current one
     * (nd_label_data_init(), nd_label_copy()), edits its bitmap
     * (nd_label_alloc_slot(), nd_label_free_slot()) and writes it with
     * nd_inc_seq() of the current sequence number (nd_label_write_index()),
     * which makes it the newer of the two.
     */
    unsigned next = 1 - (unsigned)set->current;
    uint8_t *src = area + (uint64_t)set->current * g->index_size;
    uint8_t *dst = area + (uint64_t)next * g->index_size;
    memmove(dst, src, g->index_size);
    fill_header(dst, g, next, nv_label_next_seq(cur->seq), cur->nslot);
    mark(dst, freed, nfreed, false);
    mark(dst, used, nused, true);
    seal_index(dst, g);
    return true;
}
