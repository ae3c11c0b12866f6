/*
 * nvdimm/layout.c — planning a set of DIMMs: memdev binding, label geometry,
 * slots, NUMA nodes, maxmem and guest physical addresses.
 *
 * Order of checks follows what a user fixes first: each DIMM on its own
 * (memdev, node, geometry), then slots, then the memory budget, then
 * addresses. Nothing here creates or maps a file.
 */
#include "nvdimm.h"

#include <string.h>

void nv_mem_layout_init(NvMemLayout *l, const NvBoardConfig *b)
{
    memset(l, 0, sizeof(*l));
    l->ram_below_4g = MIN(b->ram_size, NV_LOWMEM_LIMIT);
    l->ram_above_4g = b->ram_size - l->ram_below_4g;
    /* Like QEMU: start on a 1 GiB boundary past RAM; leave 1 GiB per slot
     * on top of maxmem so any DIMM alignment up to 1 GiB still fits. */
    l->devmem_base = nv_align_up(4 * GiB + l->ram_above_4g, GiB);
    if (b->slots) {
        l->devmem_size = nv_align_up(b->maxmem - b->ram_size, GiB) +
                         (uint64_t)b->slots * GiB;
    }
}

static NvHostMem *find_backend(GPtrArray *backends, const char *id)
{
    for (guint i = 0; i < backends->len; i++) {
        NvHostMem *hm = g_ptr_array_index(backends, i);
        if (g_strcmp0(hm->cfg.id, id) == 0) {
            return hm;
        }
    }
    return NULL;
}

/* memdev= names exactly one unused backend. */
static bool bind_memdev(NvDimm *d, GPtrArray *backends, GHashTable *owner,
                        GError **errp)
{
    if (!d->memdev_id) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s: memdev= is required (the id of a -object "
                    "memory-backend-file or memory-backend-ram)", d->name);
        return false;
    }
    NvHostMem *hm = find_backend(backends, d->memdev_id);
    if (!hm) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s: memdev=%s: no -object has id=%s", d->name,
                    d->memdev_id, d->memdev_id);
        return false;
    }
    const char *user = g_hash_table_lookup(owner, hm);
    if (user) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "%s: memdev=%s is already used by %s", d->name,
                    d->memdev_id, user);
        return false;
    }
    g_hash_table_insert(owner, hm, d->name);
    hm->in_use = true;
    d->memdev = hm;
    return true;
}

/*
 * One file may serve as one thing only: two backends sharing a mem-path, or
 * a label file that is a backend or another DIMM's label file, would have
 * the guest's data and labels overwrite each other. Compared by (device,
 * inode), so symlinks and hard links count; a file still to be created by
 * its canonical path.
 */
static bool check_backends_distinct(GPtrArray *backends, GError **errp)
{
    for (guint i = 0; i < backends->len; i++) {
        NvHostMem *a = g_ptr_array_index(backends, i);
        for (guint j = 0; j < i; j++) {
            NvHostMem *b = g_ptr_array_index(backends, j);
            if (nv_hostmem_same_file(a, b)) {
                g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                            "-object memory-backend-file,id=%s: mem-path=%s "
                            "is the same file as mem-path of -object "
                            "memory-backend-file,id=%s (%s)", a->cfg.id,
                            a->cfg.mem_path, b->cfg.id, b->cfg.mem_path);
                return false;
            }
        }
    }
    return true;
}

static bool check_label_file_distinct(NvDimm *d, GPtrArray *backends,
                                      GPtrArray *dimms, GError **errp)
{
    for (guint i = 0; i < backends->len; i++) {
        NvHostMem *b = g_ptr_array_index(backends, i);
        if (nv_hostmem_same_file(d->label_mem, b)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "%s: label-file=%s is the same file as mem-path of "
                        "-object memory-backend-file,id=%s (%s)", d->name,
                        d->label_file, b->cfg.id, b->cfg.mem_path);
            return false;
        }
    }
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *o = g_ptr_array_index(dimms, i);
        if (o != d && o->label_mem &&
            nv_hostmem_same_file(d->label_mem, o->label_mem)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "%s: label-file=%s is the same file as label-file "
                        "of %s (%s)", d->name, d->label_file, o->name,
                        o->label_file);
            return false;
        }
    }
    return true;
}

/* A separate label file is a small shared file backend of its own. */
static bool prepare_label_file(NvDimm *d, GPtrArray *backends,
                               GPtrArray *dimms, GError **errp)
{
    NvHostMemConfig cfg = {
        .kind = NV_HOSTMEM_FILE,
        .id = g_strdup_printf("%s-labels", d->id ? d->id : "nvdimm"),
        .mem_path = g_strdup(d->label_file),
        .size = d->label_size_set ? d->label_size : 0,
        .size_set = d->label_size_set,
        .share = true,
        .readonly = d->memdev->cfg.readonly,
    };
    bool exists = g_file_test(d->label_file, G_FILE_TEST_EXISTS);
    if (!exists && !cfg.size_set) {
        cfg.size = NV_LABEL_SIZE_MIN; /* a new label file gets the minimum */
        cfg.size_set = true;
    }
    d->label_mem = nv_hostmem_new(&cfg);
    g_free(cfg.id);
    g_free(cfg.mem_path);
    if (!nv_hostmem_prepare(d->label_mem, errp)) {
        nv_error_prefix(errp, "%s: label-file", d->name);
        return false;
    }
    if (!check_label_file_distinct(d, backends, dimms, errp)) {
        return false;
    }
    d->label_size = d->label_mem->size;
    if (d->label_size > NV_LABEL_SIZE_MAX) {
        g_autofree char *s = nv_format_size(d->label_size);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: label-file='%s' is %s, above the maximum label "
                    "size of 1G", d->name, d->label_file, s);
        return false;
    }
    if (d->label_size < NV_LABEL_SIZE_MIN) {
        g_autofree char *s = nv_format_size(d->label_size);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: label-file='%s' is %s, below the minimum label "
                    "size of 128K", d->name, d->label_file, s);
        return false;
    }
    return true;
}

/* Sizes: how much of the backend the guest sees, and where labels live. */
static bool plan_geometry(NvDimm *d, GPtrArray *backends, GPtrArray *dimms,
                          GError **errp)
{
    NvHostMem *hm = d->memdev;
    g_autofree char *hm_size = nv_format_size(hm->size);
    g_autofree char *align_s = NULL;

    d->align = MAX(NV_DIMM_ALIGN, hm->cfg.align);
    align_s = nv_format_size(d->align);

    if (d->kind == NV_DIMM_PC) {
        if (hm->size % d->align) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s: memdev=%s is %s, not a multiple of the DIMM "
                        "alignment %s", d->name, hm->cfg.id, hm_size,
                        align_s);
            return false;
        }
        d->size = hm->size;
        return true;
    }

    uint64_t usable = hm->size;
    if (d->label_file) {
        if (!prepare_label_file(d, backends, dimms, errp)) {
            return false;
        }
    } else if (d->label_size) {
        if (hm->size < d->label_size ||
            hm->size - d->label_size < d->align) {
            g_autofree char *ls = nv_format_size(d->label_size);
            g_autofree char *need = nv_format_size(d->label_size + d->align);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: memdev=%s is %s, too small for label-size=%s "
                        "plus one %s-aligned block of pmem (needs at least "
                        "%s)", d->name, hm->cfg.id, hm_size, ls, align_s,
                        need);
            return false;
        }
        d->label_offset = hm->size - d->label_size;
        usable = d->label_offset;
    }
    d->size = nv_align_down(usable, d->align);
    if (d->size == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: memdev=%s is %s, smaller than one %s-aligned block "
                    "of pmem", d->name, hm->cfg.id, hm_size, align_s);
        return false;
    }
    /* share=off keeps guest writes in private memory: a Set Label Data
     * would answer success for labels that never reach the file. */
    if (hm->cfg.kind == NV_HOSTMEM_FILE && !hm->cfg.share &&
        !hm->cfg.readonly && d->label_size && !d->label_file && !d->unarmed) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "%s: memdev=%s has share=off, so labels written by the "
                    "guest would never reach '%s': add share=on to the "
                    "-object (or give label-size=0, or a label-file=)",
                    d->name, hm->cfg.id, hm->cfg.mem_path);
        return false;
    }
    if (hm->cfg.readonly && d->label_size && !d->unarmed) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "%s: memdev=%s is readonly=on but the DIMM has labels: "
                    "add unarmed=on (or label-size=0)", d->name, hm->cfg.id);
        return false;
    }
    return true;
}

static bool plan_slots(const NvBoardConfig *b, GPtrArray *dimms,
                       GError **errp)
{
    g_autofree NvDimm **by_slot = g_new0(NvDimm *, MAX(b->slots, 1));

    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (!d->slot_set && !d->placed) {
            continue;
        }
        if (d->slot >= b->slots) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: slot=%u is out of range (the machine has %u "
                        "slot%s, -m ...,slots=N)", d->name, d->slot, b->slots,
                        b->slots == 1 ? "" : "s");
            return false;
        }
        if (by_slot[d->slot]) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "%s: slot=%u is already taken by %s", d->name,
                        d->slot, by_slot[d->slot]->name);
            return false;
        }
        by_slot[d->slot] = d;
    }
    uint32_t next = 0;
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->slot_set || d->placed) {
            continue;
        }
        while (next < b->slots && by_slot[next]) {
            next++;
        }
        if (next >= b->slots) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: no free slot: %u DIMMs but the machine has %u "
                        "slot%s (-m ...,slots=N)", d->name, dimms->len,
                        b->slots, b->slots == 1 ? "" : "s");
            return false;
        }
        d->slot = next;
        by_slot[next] = d;
    }
    return true;
}

static bool plan_budget(const NvBoardConfig *b, GPtrArray *dimms,
                        GError **errp)
{
    uint64_t total = b->ram_size;
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        bool wraps = !nv_add_ok(total, d->size, &total);
        if (wraps || total > b->maxmem) {
            g_autofree char *t = wraps ? g_strdup("more than 2^64 bytes")
                                       : nv_format_size(total);
            g_autofree char *m = nv_format_size(b->maxmem);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: RAM plus DIMMs would be %s, over maxmem=%s",
                        d->name, t, m);
            return false;
        }
    }
    return true;
}

static gint by_addr(gconstpointer a, gconstpointer b)
{
    const NvDimm *x = *(NvDimm *const *)a, *y = *(NvDimm *const *)b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool plan_addresses(const NvMemLayout *l, GPtrArray *dimms,
                           GError **errp)
{
    uint64_t end = l->devmem_base + l->devmem_size;
    g_autoptr(GPtrArray) placed = g_ptr_array_new();

    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (!d->addr_set && !d->placed) {
            continue;
        }
        if (d->addr % d->align || d->addr < l->devmem_base ||
            d->addr > end || end - d->addr < d->size) {
            g_autofree char *a = nv_format_size(d->align);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: addr=0x%" G_GINT64_MODIFIER "x must be %s-aligned "
                        "and the DIMM inside the device-memory region "
                        "[0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
                        "x)", d->name, d->addr, a, l->devmem_base, end);
            return false;
        }
        for (guint j = 0; j < placed->len; j++) {
            NvDimm *o = g_ptr_array_index(placed, j);
            if (d->addr < o->addr + o->size && o->addr < d->addr + d->size) {
                g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                            "%s: addr=0x%" G_GINT64_MODIFIER "x overlaps %s",
                            d->name, d->addr, o->name);
                return false;
            }
        }
        g_ptr_array_add(placed, d);
    }
    /* First fit, in command-line order, around the fixed ones. */
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->addr_set || d->placed) {
            continue;
        }
        g_ptr_array_sort(placed, by_addr);
        uint64_t cand = nv_align_up(l->devmem_base, d->align);
        for (guint j = 0; j < placed->len; j++) {
            NvDimm *o = g_ptr_array_index(placed, j);
            if (cand + d->size <= o->addr) {
                break;
            }
            cand = MAX(cand, nv_align_up(o->addr + o->size, d->align));
        }
        if (cand + d->size > end) {
            g_autofree char *s = nv_format_size(d->size);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s: no room for %s in the device-memory region "
                        "(raise maxmem=)", d->name, s);
            return false;
        }
        d->addr = cand;
        g_ptr_array_add(placed, d);
    }
    return true;
}

/* A stable identity when uuid= is not given: the same slot gives the same
 * uuid on every run, so the guest sees the same DIMM after a restart. */
static void derive_uuid(NvDimm *d)
{
    g_autofree char *seed = g_strdup_printf("nvemu nvdimm slot %u", d->slot);
    guint8 digest[32];
    gsize len = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(ck, (const guchar *)seed, (gssize)strlen(seed));
    g_checksum_get_digest(ck, digest, &len);
    g_checksum_free(ck);
    memcpy(d->uuid, digest, 16);
    d->uuid[6] = (uint8_t)((d->uuid[6] & 0x0f) | 0x50); /* name-based */
    d->uuid[8] = (uint8_t)((d->uuid[8] & 0x3f) | 0x80); /* RFC 4122 */
}

/* Two NVDIMMs with one uuid would share an NFIT serial number, and with it
 * the interleave-set identity Linux stamps into their labels. */
static bool check_unique_uuids(GPtrArray *dimms, GError **errp)
{
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *a = g_ptr_array_index(dimms, i);
        for (guint j = 0; a->kind == NV_DIMM_NVDIMM && j < i; j++) {
            NvDimm *b = g_ptr_array_index(dimms, j);
            if (b->kind == NV_DIMM_NVDIMM && !memcmp(a->uuid, b->uuid, 16)) {
                char u[37];
                nv_format_uuid(a->uuid, u);
                g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                            "%s: uuid=%s is already used by %s", a->name, u,
                            b->name);
                return false;
            }
        }
    }
    return true;
}

/* One DIMM on its own: NVDIMM support, memdev, node, geometry. */
static bool plan_one(const NvBoardConfig *b, GPtrArray *backends,
                     GPtrArray *dimms, GHashTable *owner, NvDimm *d,
                     GError **errp)
{
    if (d->kind == NV_DIMM_NVDIMM && !b->nvdimm_enabled) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "%s: NVDIMM support is off (-machine nvdimm=off)",
                    d->name);
        return false;
    }
    if (!bind_memdev(d, backends, owner, errp)) {
        return false;
    }
    if (d->node >= b->numa_nodes) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "%s: node=%u is out of range (the machine has %u "
                    "NUMA node%s; add -numa node,nodeid=%u)", d->name,
                    d->node, b->numa_nodes, b->numa_nodes == 1 ? "" : "s",
                    d->node);
        return false;
    }
    return plan_geometry(d, backends, dimms, errp);
}

bool nv_dimm_plan(const NvBoardConfig *b, GPtrArray *backends,
                  GPtrArray *dimms, NvMemLayout *layout, GError **errp)
{
    g_autoptr(GHashTable) owner = g_hash_table_new(NULL, NULL);

    uint64_t limit = b->phys_limit ? b->phys_limit : NV_GUEST_PHYS_LIMIT;
    g_autofree char *lim = nv_format_size(limit);
    const char *from = b->phys_limit_from ? b->phys_limit_from
                                          : "nvemu's default";

    /* Bound the inputs first so the layout arithmetic cannot wrap. */
    if (b->ram_size > limit || b->maxmem > limit) {
        bool ram = b->ram_size > limit;
        g_autofree char *m = nv_format_size(ram ? b->ram_size : b->maxmem);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-m %s%s is past the guest physical address limit %s "
                    "(%s)", ram ? "" : "maxmem=", m, lim, from);
        return false;
    }
    if (!check_backends_distinct(backends, errp)) {
        return false;
    }
    nv_mem_layout_init(layout, b);
    if (layout->devmem_base + layout->devmem_size > limit) {
        g_autofree char *m = nv_format_size(b->maxmem);
        g_autofree char *end = nv_format_size(layout->devmem_base +
                                              layout->devmem_size);
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-m maxmem=%s,slots=%u: device memory would end at %s, "
                    "past the guest physical address limit %s (%s)", m,
                    b->slots, end, lim, from);
        return false;
    }
    for (guint i = 0; i < dimms->len; i++) {
        if (!plan_one(b, backends, dimms, owner, g_ptr_array_index(dimms, i),
                      errp)) {
            return false;
        }
    }
    if (!plan_slots(b, dimms, errp) || !plan_budget(b, dimms, errp) ||
        !plan_addresses(layout, dimms, errp)) {
        return false;
    }
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && !d->uuid_set) {
            derive_uuid(d);
        }
    }
    if (!check_unique_uuids(dimms, errp)) {
        return false;
    }
    for (guint i = 0; i < dimms->len; i++) {
        ((NvDimm *)g_ptr_array_index(dimms, i))->placed = true;
    }
    return true;
}

/*
 * A DIMM added at run time (device_add): the boot plan's checks and
 * placement, run over the placed DIMMs plus @d, so @d lands where the same
 * DIMM given last on the command line would have. The placed DIMMs keep
 * their slot and address (they are fixed). On failure nothing but @d has
 * changed (the caller drops @d), as QEMU's pre_plug, which may fail.
 */
bool nv_dimm_plan_add(const NvBoardConfig *b, GPtrArray *backends,
                      GPtrArray *dimms, const NvMemLayout *layout,
                      NvDimm *d, GError **errp)
{
    g_autoptr(GHashTable) owner = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *o = g_ptr_array_index(dimms, i);
        g_assert(o->placed && o != d);
        if (d->id && g_strcmp0(o->id, d->id) == 0) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "%s: id=%s is already used by %s", d->name, d->id,
                        o->name);
            return false;
        }
        g_hash_table_insert(owner, o->memdev, o->name);
    }
    /* the same steps as nv_dimm_plan, on a list with @d last */
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    for (guint i = 0; i < dimms->len; i++) {
        g_ptr_array_add(all, g_ptr_array_index(dimms, i));
    }
    g_ptr_array_add(all, d);
    if (!plan_one(b, backends, all, owner, d, errp)) {
        if (d->memdev) {
            d->memdev->in_use = false; /* bound only just now */
            d->memdev = NULL;
        }
        return false;
    }
    bool ok = plan_slots(b, all, errp) && plan_budget(b, all, errp) &&
              plan_addresses(layout, all, errp);
    if (ok && d->kind == NV_DIMM_NVDIMM && !d->uuid_set) {
        derive_uuid(d);
    }
    if (!ok || !check_unique_uuids(all, errp)) {
        d->memdev->in_use = false;
        d->memdev = NULL;
        return false;
    }
    d->placed = true;
    return true;
}
