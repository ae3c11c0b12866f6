/*
 * label-area/label-format.c — reading the namespace-label format: Fletcher-64,
 * area geometry, index-block validation, choosing the current index block,
 * and listing the in-use labels with everything `nvemu-label check` reports.
 *
 * The rules are UEFI 2.7 §13.19 as Linux implements them in
 * drivers/nvdimm/label.c; each rule names the kernel function it follows.
 * ndctl (ndctl/lib/dimm.c) carries copies of the same functions.
 *
 * The input is untrusted. Every read goes through a bounds check against the
 * area size, and every value taken from the area is range-checked before it
 * is used as an offset or a count.
 */
#include "label-area.h"
#include "label-layout.h"

#include <string.h>

#define PROBLEMS_MAX   1000       /* `check` output stays readable */
#define LABELS_LIST_MAX 65536     /* labels kept in NvLabelSet.labels */

/* ---- small pieces ---------------------------------------------------- */

bool nv_label_version_parse(const char *str, NvLabelVersion *out,
                            GError **errp)
{
    if (g_strcmp0(str, "1.1") == 0) {
        *out = NV_LABEL_V1_1;
    } else if (g_strcmp0(str, "1.2") == 0) {
        *out = NV_LABEL_V1_2;
    } else {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "unsupported label version '%s' (use 1.1 or 1.2)",
                    str ? str : "");
        return false;
    }
    return true;
}

uint32_t nv_label_version_label_size(NvLabelVersion v)
{
    return v == NV_LABEL_V1_2 ? LBL_V12_SIZE : LBL_V11_SIZE;
}

/* nd_fletcher64() (drivers/nvdimm/core.c): a 32-bit running sum of words
 * and a 64-bit sum of those sums; the result is hi << 32 | lo. */
uint64_t nv_fletcher64(const void *buf, size_t len, bool le)
{
    const uint8_t *p = buf;
    uint32_t lo = 0;
    uint64_t hi = 0;

    for (size_t i = 0; len >= 4 && i <= len - 4; i += 4) {
        uint32_t w;
        if (le) {
            w = nv_ld32(p + i);
        } else {
            memcpy(&w, p + i, sizeof(w));
        }
        lo += w;
        hi += lo;
    }
    return hi << 32 | lo;
}

uint64_t nv_label_csum_excluding(const uint8_t *p, uint64_t len,
                                 uint64_t csum_off)
{
    uint32_t lo = 0;
    uint64_t hi = 0;

    for (uint64_t i = 0; len >= 4 && i <= len - 4; i += 4) {
        uint32_t w = (i >= csum_off && i < csum_off + 8) ? 0 : nv_ld32(p + i);
        lo += w;
        hi += lo;
    }
    return hi << 32 | lo;
}

/* ---- geometry -------------------------------------------------------- */

/* __sizeof_namespace_index(): header plus one bit per slot, 256-aligned. */
static uint64_t index_bytes(uint64_t nslot)
{
    return nv_align_up(NV_LABEL_INDEX_HEADER + (nslot + 7) / 8,
                       NV_LABEL_INDEX_ALIGN);
}

bool nv_label_geometry(uint64_t area_size, uint32_t label_size,
                       NvLabelGeometry *geom, GError **errp)
{
    if (label_size != LBL_V11_SIZE && label_size != LBL_V12_SIZE) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "label size %u is not supported (128 or 256)", label_size);
        return false;
    }
    if (area_size > NV_LABEL_MAX_AREA) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label area of %" G_GUINT64_FORMAT " bytes is larger than "
                    "the %u bytes a label-size query can report", area_size,
                    NV_LABEL_MAX_AREA);
        return false;
    }
    /*
     * nvdimm_num_label_slots(): size the index for as many slots as would
     * fit with no index at all, reserve two such blocks, and fill the rest
     * with labels. sizeof_namespace_index(): the index block then only needs
     * room for the slots that remain; the area must hold two of those plus
     * at least two labels (UEFI 2.7: "2 index blocks and 2 labels").
     */
    uint64_t reserve = 2 * index_bytes(area_size / label_size);
    uint64_t nslot = area_size >= reserve ? (area_size - reserve) / label_size
                                          : 0;
    uint64_t isize = index_bytes(nslot);
    if (nslot < 2 || 2 * isize > area_size - nslot * label_size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "label area of %" G_GUINT64_FORMAT " bytes is too small "
                    "for %u-byte labels: it must hold 2 index blocks and 2 "
                    "labels (at least %u bytes)", area_size, label_size,
                    2 * NV_LABEL_INDEX_ALIGN + 2 * label_size);
        return false;
    }
    *geom = (NvLabelGeometry) {
        .area_size = area_size,
        .label_size = label_size,
        .index_size = (uint32_t)isize,
        .nslot = (uint32_t)nslot,
        .label_offset = 2 * isize,
    };
    return true;
}

/* ---- index blocks ---------------------------------------------------- */

static void read_index_header(const uint8_t *area, uint64_t size,
                              NvLabelIndex *ix)
{
    ix->readable = ix->offset <= size &&
                   size - ix->offset >= NV_LABEL_INDEX_HEADER;
    if (!ix->readable) {
        return;
    }
    const uint8_t *p = area + ix->offset;
    ix->has_signature = memcmp(p + IDX_SIG, NV_LABEL_INDEX_SIG,
                               NV_LABEL_INDEX_SIG_LEN) == 0;
    ix->labelsize = p[IDX_LABELSIZE];
    ix->seq = nv_ld32(p + IDX_SEQ);
    ix->myoff = nv_ld64(p + IDX_MYOFF);
    ix->mysize = nv_ld64(p + IDX_MYSIZE);
    ix->otheroff = nv_ld64(p + IDX_OTHEROFF);
    ix->labeloff = nv_ld64(p + IDX_LABELOFF);
    ix->nslot = nv_ld32(p + IDX_NSLOT);
    ix->major = nv_ld16(p + IDX_MAJOR);
    ix->minor = nv_ld16(p + IDX_MINOR);
    ix->checksum = nv_ld64(p + IDX_CHECKSUM);
}

/* Free bits among the first @nslot of the bitmap at @bitmap. */
static uint32_t count_free(const uint8_t *bitmap, uint32_t nslot)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < nslot; s++) {
        n += (bitmap[s / 8] >> (s % 8)) & 1;
    }
    return n;
}

/*
 * __nd_label_validate() for block @i with @g's label size, checks in the
 * kernel's order (plus a version check it leaves implicit). Returns how many
 * checks passed, so that when nothing is valid the report can come from the
 * label size that got furthest.
 */
static int check_index(const uint8_t *area, uint64_t size,
                       const NvLabelGeometry *g, unsigned i, NvLabelIndex *ix)
{
    const uint64_t isize = g->index_size;
    int score = 0;

#define FAIL(...) do { ix->reason = g_strdup_printf(__VA_ARGS__); \
                       return score; } while (0)
    if (!ix->readable) { /* cannot happen once the geometry fits; be sure */
        FAIL("the index block lies outside the area");
    }
    score++;
    if (!ix->has_signature) {
        FAIL("no \"NAMESPACE_INDEX\" signature");
    }
    score++;
    if (ix->major != 1 || (ix->minor != 1 && ix->minor != 2)) {
        FAIL("unsupported version %u.%u (1.1 or 1.2)", ix->major, ix->minor);
    }
    score++;
    /* "label sizes larger than 128 arrived with v1.2" */
    uint32_t lsize = 128;
    if (ix->minor >= 2) {
        if (ix->labelsize > 1) {
            FAIL("labelsize field %u is not supported (0: 128-byte labels, "
                 "1: 256-byte labels)", ix->labelsize);
        }
        lsize = 128u << ix->labelsize;
    }
    if (lsize != g->label_size) {
        FAIL("it describes %u-byte labels, not %u", lsize, g->label_size);
    }
    score++;
    const uint8_t *p = area + ix->offset;
    uint64_t sum = nv_label_csum_excluding(p, isize, IDX_CHECKSUM);
    if (sum != ix->checksum) {
        FAIL("checksum 0x%016" G_GINT64_MODIFIER "x, expected 0x%016"
             G_GINT64_MODIFIER "x", ix->checksum, sum);
    }
    score++;
    if ((ix->seq & 3) == 0) {
        FAIL("sequence number 0x%x is invalid (low two bits zero)", ix->seq);
    }
    score++;
    if (ix->myoff != i * isize) {
        FAIL("myoff 0x%" G_GINT64_MODIFIER "x, expected 0x%" G_GINT64_MODIFIER
             "x", ix->myoff, i * isize);
    }
    score++;
    if (ix->otheroff != (1 - i) * isize) {
        FAIL("otheroff 0x%" G_GINT64_MODIFIER "x, expected 0x%"
             G_GINT64_MODIFIER "x", ix->otheroff, (1 - i) * isize);
    }
    score++;
    if (ix->labeloff != 2 * isize) {
        FAIL("labeloff 0x%" G_GINT64_MODIFIER "x, expected 0x%"
             G_GINT64_MODIFIER "x", ix->labeloff, 2 * isize);
    }
    score++;
    if (ix->mysize > isize || ix->mysize < NV_LABEL_INDEX_HEADER) {
        FAIL("mysize %" G_GUINT64_FORMAT " is outside [%u, %" G_GUINT64_FORMAT
             "]", ix->mysize, NV_LABEL_INDEX_HEADER, isize);
    }
    score++;
    /* 64-bit arithmetic: the kernel's 32-bit product can wrap. */
    if ((uint64_t)ix->nslot * g->label_size + 2 * isize > size) {
        FAIL("nslot %u does not fit: room for %" G_GUINT64_FORMAT " slots "
             "of %u bytes", ix->nslot, (size - 2 * isize) / g->label_size,
             g->label_size);
    }
    score++;
#undef FAIL
    ix->valid = true;
    /* The bitmap lies inside the area: nslot / 8 < nslot * label_size. */
    ix->nfree = count_free(p + IDX_FREE, ix->nslot);
    return score;
}

typedef struct {
    NvLabelGeometry geom;
    bool geom_ok;
    NvLabelIndex ix[2];
    int score, nvalid;
} Probe;

static void probe(const uint8_t *area, uint64_t size, uint32_t label_size,
                  Probe *pr)
{
    g_autoptr(GError) err = NULL;

    memset(pr, 0, sizeof(*pr));
    pr->geom_ok = nv_label_geometry(size, label_size, &pr->geom, &err);
    for (unsigned i = 0; i < 2; i++) {
        NvLabelIndex *ix = &pr->ix[i];
        /* to_namespace_index(): block i at i * sizeof_namespace_index() */
        ix->offset = i * (pr->geom_ok ? pr->geom.index_size
                                      : (uint64_t)NV_LABEL_INDEX_ALIGN);
        read_index_header(area, size, ix);
        if (!pr->geom_ok) {
            ix->reason = g_strdup(err->message);
            continue;
        }
        pr->score += check_index(area, size, &pr->geom, i, ix);
        pr->nvalid += ix->valid;
    }
}

/* best_seq(): of two valid sequence numbers, the one that follows the
 * other in the cycle 1 -> 2 -> 3 -> 1 is newer; equal ones pick b. */
static uint32_t best_seq(uint32_t a, uint32_t b)
{
    a &= 3;
    b &= 3;
    if (a == 0 || a == b) {
        return b;
    } else if (b == 0) {
        return a;
    }
    return nv_label_next_seq(a) == b ? b : a;
}

/* ---- the parse ------------------------------------------------------- */

static void problem(NvLabelSet *set, unsigned *dropped, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void problem(NvLabelSet *set, unsigned *dropped, const char *fmt, ...)
{
    if (set->problems->len >= PROBLEMS_MAX) {
        (*dropped)++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(set->problems, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void decode_label(const uint8_t *p, uint32_t label_size, NvLabel *l)
{
    memcpy(l->uuid, p + LBL_UUID, 16);
    const uint8_t *name = p + LBL_NAME;
    const uint8_t *nul = memchr(name, 0, NV_LABEL_NAME_LEN);
    l->name_terminated = nul != NULL;
    l->name_len = nul ? (size_t)(nul - name) : NV_LABEL_NAME_LEN;
    memcpy(l->name, name, l->name_len);
    l->name[l->name_len] = '\0';
    l->flags = nv_ld32(p + LBL_FLAGS);
    l->nlabel = nv_ld16(p + LBL_NLABEL);
    l->position = nv_ld16(p + LBL_POSITION);
    l->isetcookie = nv_ld64(p + LBL_ISETCOOKIE);
    l->lbasize = nv_ld64(p + LBL_LBASIZE);
    l->dpa = nv_ld64(p + LBL_DPA);
    l->rawsize = nv_ld64(p + LBL_RAWSIZE);
    l->slot_field = nv_ld32(p + LBL_SLOT);
    l->checksum_ok = true;
    /* efi_namespace_label_has(): a field exists if it starts inside the
     * label, so align, the GUIDs and the checksum need 256-byte labels. */
    if (label_size >= LBL_V12_SIZE) {
        l->has_v12_fields = true;
        l->align = p[LBL_ALIGN];
        memcpy(l->type_guid, p + LBL_TYPE_GUID, 16);
        memcpy(l->abstraction_guid, p + LBL_ABSTRACTION_GUID, 16);
        l->checksum = nv_ld64(p + LBL_CHECKSUM);
        l->checksum_ok = nv_label_csum_excluding(p, label_size,
                                                 LBL_CHECKSUM) == l->checksum;
    }
    /* slot_valid(): Linux skips a label in the wrong slot or with a bad
     * checksum (older kernels also wanted 4K-aligned dpa and rawsize). */
    l->valid = l->slot_field == l->slot && l->checksum_ok;
}

static void label_problems(NvLabelSet *set, unsigned *dropped,
                           const NvLabel *l, const uint8_t *p)
{
    if (l->slot_field != l->slot) {
        problem(set, dropped, "slot %u: the label's slot field says %u "
                "(Linux ignores this label)", l->slot, l->slot_field);
    }
    if (!l->checksum_ok) {
        problem(set, dropped, "slot %u: label checksum 0x%016"
                G_GINT64_MODIFIER "x, expected 0x%016" G_GINT64_MODIFIER
                "x (Linux ignores this label)", l->slot, l->checksum,
                nv_label_csum_excluding(p, set->geom.label_size,
                                        LBL_CHECKSUM));
    }
    if (l->rawsize == 0) {
        problem(set, dropped, "slot %u: rawsize is 0", l->slot);
    } else if (l->dpa > UINT64_MAX - l->rawsize + 1) {
        problem(set, dropped, "slot %u: dpa 0x%" G_GINT64_MODIFIER
                "x + rawsize 0x%" G_GINT64_MODIFIER "x overflows 64 bits",
                l->slot, l->dpa, l->rawsize);
    }
    if (!(l->flags & NV_LABEL_FLAG_LOCAL) &&
        (l->nlabel == 0 || l->position >= l->nlabel)) {
        problem(set, dropped, "slot %u: position %u is not below nlabel %u",
                l->slot, l->position, l->nlabel);
    }
}

typedef struct {
    uint64_t start, end; /* [start, end) */
    uint32_t slot;
} Range;

static int range_cmp(const void *a, const void *b)
{
    const Range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Two labels claiming the same DIMM bytes (Linux's DPA allocation in
 * nd_label_reserve_dpa() would fail with -EBUSY). */
static void overlap_problems(NvLabelSet *set, unsigned *dropped)
{
    g_autofree Range *r = g_new(Range, set->labels->len ? set->labels->len
                                                        : 1);
    guint n = 0;
    for (guint i = 0; i < set->labels->len; i++) {
        const NvLabel *l = &g_array_index(set->labels, NvLabel, i);
        if (l->valid && l->rawsize && l->dpa <= UINT64_MAX - l->rawsize) {
            r[n++] = (Range) { l->dpa, l->dpa + l->rawsize, l->slot };
        }
    }
    qsort(r, n, sizeof(*r), range_cmp);
    for (guint i = 1, widest = 0; i < n; i++) {
        if (r[i].start < r[widest].end) {
            problem(set, dropped, "slots %u and %u: DPA ranges overlap "
                    "(0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x "
                    "and 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)",
                    r[widest].slot, r[i].slot, r[widest].start,
                    r[widest].end - 1, r[i].start, r[i].end - 1);
        }
        if (r[i].end > r[widest].end) {
            widest = i;
        }
    }
}

static void list_labels(const uint8_t *area, uint64_t size, NvLabelSet *set,
                        unsigned *dropped)
{
    const NvLabelIndex *cur = &set->index[set->current];
    const NvLabelGeometry *g = &set->geom;
    const uint8_t *bitmap = area + cur->offset + IDX_FREE;

    if (NV_LABEL_INDEX_HEADER + ((uint64_t)cur->nslot + 7) / 8 >
        g->index_size) {
        problem(set, dropped, "index block %d: the free bitmap for %u slots "
                "runs past the %u-byte block", set->current, cur->nslot,
                g->index_size);
    }
    for (uint32_t s = 0; s < cur->nslot; s++) {
        /* for_each_clear_bit_le(): a clear bit is a slot in use */
        if ((bitmap[s / 8] >> (s % 8)) & 1) {
            continue;
        }
        uint64_t off = g->label_offset + (uint64_t)s * g->label_size;
        if (off > size || size - off < g->label_size) {
            break; /* excluded by the nslot check; never trust it blindly */
        }
        NvLabel l = { .slot = s, .offset = off };
        decode_label(area + off, g->label_size, &l);
        label_problems(set, dropped, &l, area + off);
        set->labels_in_use++;
        if (set->labels->len < LABELS_LIST_MAX) {
            g_array_append_val(set->labels, l);
        }
    }
    if (set->labels_in_use > set->labels->len) {
        problem(set, dropped, "%" G_GUINT64_FORMAT " labels in use; only "
                "the first %u are listed and cross-checked",
                set->labels_in_use, set->labels->len);
    }
    overlap_problems(set, dropped);
}

NvLabelSet *nv_label_parse(const uint8_t *area, uint64_t size)
{
    NvLabelSet *set = g_new0(NvLabelSet, 1);
    set->area_size = size;
    set->current = -1;
    set->labels = g_array_new(FALSE, TRUE, sizeof(NvLabel));
    set->problems = g_ptr_array_new_with_free_func(g_free);
    unsigned dropped = 0;

    /*
     * nd_label_validate(): the label size decides where index block 1 sits,
     * and only a valid index block tells the label size. Linux tries
     * 128-byte labels, then 256-byte ones, and keeps the first size under
     * which some index block is valid.
     */
    Probe pr[2];
    probe(area, size, LBL_V11_SIZE, &pr[0]);
    probe(area, size, LBL_V12_SIZE, &pr[1]);
    int k = pr[0].nvalid ? 0 : pr[1].nvalid ? 1
                                            : (pr[1].score > pr[0].score);
    for (unsigned i = 0; i < 2; i++) {
        set->index[i] = pr[k].ix[i];
        g_free(pr[1 - k].ix[i].reason);
    }

    NvLabelIndex *ix = set->index;
    if (pr[k].nvalid == 0) {
        problem(set, &dropped, "no valid index block (index block 0: %s; "
                "index block 1: %s)", ix[0].reason, ix[1].reason);
        return set;
    }
    set->geom = pr[k].geom;
    if (pr[k].nvalid == 1) {
        set->current = ix[1].valid;
        int other = 1 - set->current;
        problem(set, &dropped, "index block %d at offset 0x%"
                G_GINT64_MODIFIER "x is invalid: %s (index block %d is "
                "current)", other, ix[other].offset, ix[other].reason,
                set->current);
    } else {
        /* __nd_label_validate(): the best sequence number wins; if it is
         * index 1's (also when both are equal) index 1 is current. */
        uint32_t seq = best_seq(ix[0].seq, ix[1].seq);
        set->current = seq == (ix[1].seq & 3);
        if ((ix[0].seq & 3) == (ix[1].seq & 3)) {
            problem(set, &dropped, "both index blocks have sequence number "
                    "%u (Linux takes index block 1)", ix[0].seq & 3);
        }
    }
    ix[set->current].current = true;
    list_labels(area, size, set, &dropped);
    if (dropped) {
        g_ptr_array_add(set->problems,
                        g_strdup_printf("... and %u more problems", dropped));
    }
    return set;
}

void nv_label_set_free(NvLabelSet *set)
{
    if (!set) {
        return;
    }
    g_free(set->index[0].reason);
    g_free(set->index[1].reason);
    g_array_unref(set->labels);
    g_ptr_array_unref(set->problems);
    g_free(set);
}

/* ---- well-known GUIDs ------------------------------------------------ */

const char *nv_label_guid_name(const uint8_t guid[16])
{
    /* GUID text as in ACPI 6.2 (NFIT persistent memory range) and Linux's
     * NVDIMM_*_GUID (drivers/nvdimm/label.h); stored as EFI GUIDs, i.e.
     * with the first three fields little-endian. */
    static const struct { const char *text, *name; } known[] = {
        { "66f0d379-b4f3-4074-ac43-0d3318b78cdb", "pmem" },
        { "8aed63a2-29a2-4c66-8b12-f05d15d3922a", "btt" },
        { "18633bfc-1735-4217-8ac9-17239282d3f8", "btt2" },
        { "266400ba-fb9f-4677-bcb0-968f11d0d225", "pfn" },
        { "97a86d9c-3cdd-4eda-986f-5068b4f80088", "dax" },
    };
    static const uint8_t zero[16];

    if (memcmp(guid, zero, 16) == 0) {
        return "none";
    }
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        uint8_t u[16], g[16];
        if (!nv_parse_uuid(known[i].text, u, NULL)) {
            continue;
        }
        static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                           8, 9, 10, 11, 12, 13, 14, 15 };
        for (int b = 0; b < 16; b++) {
            g[b] = u[order[b]];
        }
        if (memcmp(guid, g, 16) == 0) {
            return known[i].name;
        }
    }
    return NULL;
}
