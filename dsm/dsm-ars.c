/*
 * dsm/dsm-ars.c — the root device's address range scrub (ARS) and Clear
 * Uncorrectable Error, over the NVDIMMs' media-error lists
 * (nvdimm/media-errors.h). Layouts are Linux's nd_cmd_ars_* (little-
 * endian; docs/health.md):
 *
 *   1 Query ARS Capabilities  in  u64 address, u64 length
 *                             out u32 status, u32 max_ars_out,
 *                                 u32 clear_err_unit, u16 flags, u16 rsvd
 *   2 Start ARS               in  u64 address, u64 length, u16 type,
 *                                 u8 flags, u8 reserved[5]
 *                             out u32 status, u32 scrub_time
 *   3 Query ARS Status        out 48-byte header, then 24-byte records
 *   4 Clear Uncorrectable Error in u64 address, u64 length
 *                             out u32 status, u32 rsvd, u64 cleared
 *
 * A range is valid when it is not empty, does not wrap and meets at least
 * one NVDIMM's guest physical range; otherwise status 2 (invalid input).
 *
 * Progress is counted in calls, not in time: after a full Start ARS the
 * next Query ARS Status answers "in progress" (Linux's scrub worker then
 * sleeps its timeout, 2 s the first time, and asks again), the one after
 * it completes the scrub: the records are taken then, from the lists as
 * they are, and kept until the next start. Counting calls makes every
 * guest, however slow (a nested TCG guest), see the same sequence, and
 * tests need no sleeps. A short scrub (ND_ARS_RETURN_PREV_DATA) completes
 * at once with what the guest already knows (Linux queries right after
 * starting one at boot and after a notification).
 */
#include "dsm-int.h"
#include "media-errors.h"

#include <inttypes.h>
#include <stdio.h>

/* Query ARS Status header offsets. */
enum {
    ST_STATUS = 0, ST_OUT_LEN = 4, ST_ADDR = 8, ST_LEN = 16,
    ST_RESTART_ADDR = 24, ST_RESTART_LEN = 32, ST_TYPE = 40, ST_FLAGS = 42,
    ST_NUM = 44,
};

struct ars_status_layout {
    uint32_t status, out_length;
    uint64_t address, length, restart_address, restart_length;
    uint16_t type, flags;
    uint32_t num_records;
} __attribute__((packed));
struct ars_record_layout {
    uint32_t handle, reserved;
    uint64_t err_address, length;
} __attribute__((packed));
struct ars_start_layout {
    uint64_t address, length;
    uint16_t type;
    uint8_t flags, reserved[5];
} __attribute__((packed));
_Static_assert(sizeof(struct ars_status_layout) == NV_ARS_STATUS_HDR_LEN &&
               offsetof(struct ars_status_layout, restart_address) ==
                   ST_RESTART_ADDR &&
               offsetof(struct ars_status_layout, type) == ST_TYPE &&
               offsetof(struct ars_status_layout, num_records) == ST_NUM &&
               sizeof(struct ars_record_layout) == NV_ARS_RECORD_LEN &&
               sizeof(struct ars_start_layout) == NV_ARS_START_IN_LEN,
               "ARS layouts as Linux's nd_cmd_ars_status/start");
_Static_assert(NV_ARS_MAX_OUT <= NV_DSM_OUT_MAX &&
               NV_ARS_CLEAR_UNIT == NV_MEDIA_ERR_UNIT &&
               NV_ARS_MAX_RECORDS >= NV_MEDIA_ERR_MAX,
               "a full status fits the mailbox; one DIMM's errors fit one");

/* [a, a + len) not empty, not wrapping, meeting an NVDIMM. */
static bool meets_nvdimm(NvDsm *dsm, uint64_t a, uint64_t len)
{
    if (len == 0 || a > UINT64_MAX - len) {
        return false;
    }
    for (guint i = 0; i < dsm->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(dsm->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->state.realized && d->size &&
            a < d->addr + d->size && d->addr < a + len) {
            return true;
        }
    }
    return false;
}

static gint by_addr(gconstpointer a, gconstpointer b)
{
    const NvDimm *x = *(NvDimm *const *)a, *y = *(NvDimm *const *)b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

GPtrArray *nv_dsm_nvdimms_by_addr(NvDsm *dsm)
{
    GPtrArray *l = g_ptr_array_new();
    for (guint i = 0; i < dsm->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dsm->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->state.realized && d->size) {
            g_ptr_array_add(l, d);
        }
    }
    g_ptr_array_sort(l, by_addr);
    return l;
}

uint32_t nv_dsm_ars_cap(NvDsmCall *c)
{
    if (!meets_nvdimm(c->dsm, nv_ld64(c->in), nv_ld64(c->in + 8))) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    nv_st32(c->out, NV_ARS_CAP_PERSISTENT);
    nv_st32(c->out + 4, NV_ARS_MAX_OUT);
    nv_st32(c->out + 8, NV_ARS_CLEAR_UNIT);
    nv_st32(c->out + 12, 0); /* flags, reserved */
    return NV_ARS_CAP_OUT_LEN;
}

/* The scrub ends: take its records (all errors in its range for a full
 * scrub, the known ones for a short one), at most NV_ARS_MAX_RECORDS;
 * a full scrub tells the guest of what it reports. */
static void ars_complete(NvDsm *dsm)
{
    NvDsmArs *ars = &dsm->ars;
    uint64_t a = ars->addr, end = ars->addr + ars->length;
    g_autoptr(GPtrArray) dimms = nv_dsm_nvdimms_by_addr(dsm);
    g_array_set_size(ars->records, 0);
    ars->overflow = false;
    ars->restart_addr = ars->restart_length = 0;
    for (guint i = 0; i < dimms->len && !ars->overflow; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        guint n;
        const NvMediaError *m = nv_dimm_media_errors(d, &n);
        for (guint k = 0; k < n; k++) {
            uint64_t s = MAX(d->addr + m[k].offset, a);
            uint64_t e = MIN(d->addr + m[k].offset + m[k].length, end);
            if (s >= e || (ars->prev_data && !m[k].known)) {
                continue;
            }
            if (ars->records->len == NV_ARS_MAX_RECORDS) {
                /* no room: stop here, the guest goes on from s */
                ars->overflow = true;
                ars->restart_addr = s;
                ars->restart_length = end - s;
                break;
            }
            NvArsRecord r = { d->slot + 1, s, e - s };
            g_array_append_val(ars->records, r);
            if (!ars->prev_data) {
                nv_media_list_mark_known(d->state.media_errors,
                                         s - d->addr, e - s);
            }
        }
    }
    ars->state = NV_ARS_DONE;
}

uint32_t nv_dsm_ars_start(NvDsmCall *c)
{
    NvDsmArs *ars = &c->dsm->ars;
    uint64_t a = nv_ld64(c->in), len = nv_ld64(c->in + 8);
    uint16_t type = nv_ld16(c->in + 16);
    uint8_t flags = c->in[18];
    if (!(type & NV_ARS_TYPE_PERSISTENT) ||
        (type & ~(NV_ARS_TYPE_PERSISTENT | NV_ARS_TYPE_VOLATILE)) ||
        !meets_nvdimm(c->dsm, a, len)) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    if (ars->state == NV_ARS_RUNNING) {
        return nv_dsm_status(c->out, NV_ARS_START_BUSY);
    }
    if (!ars->records) {
        ars->records = g_array_new(FALSE, FALSE, sizeof(NvArsRecord));
    }
    ars->addr = a;
    ars->length = len;
    ars->type = type;
    ars->prev_data = flags & NV_ARS_FLAG_PREV_DATA;
    ars->busy_reported = false;
    if (ars->prev_data) {
        ars_complete(c->dsm);
    } else {
        ars->state = NV_ARS_RUNNING;
    }
    nv_st32(c->out, NV_DSM_OK);
    nv_st32(c->out + 4, ars->prev_data ? 0 : 1); /* estimated seconds */
    return NV_ARS_START_OUT_LEN;
}

/* The header; out_length counts the whole result, status included (as
 * nfit_test and Linux's record check, 44 + 24 (i + 1) <= out_length). */
static uint32_t status_header(NvDsmCall *c, uint32_t status, uint32_t n)
{
    const NvDsmArs *ars = &c->dsm->ars;
    uint32_t len = NV_ARS_STATUS_HDR_LEN + n * NV_ARS_RECORD_LEN;
    memset(c->out, 0, NV_ARS_STATUS_HDR_LEN);
    nv_st32(c->out + ST_STATUS, status);
    nv_st32(c->out + ST_OUT_LEN, len);
    if (ars->state != NV_ARS_NONE) {
        nv_st64(c->out + ST_ADDR, ars->addr);
        nv_st64(c->out + ST_LEN, ars->length);
        nv_st16(c->out + ST_TYPE, ars->type);
    }
    nv_st32(c->out + ST_NUM, n);
    return len;
}

uint32_t nv_dsm_ars_status(NvDsmCall *c)
{
    NvDsmArs *ars = &c->dsm->ars;
    if (ars->state == NV_ARS_NONE) {
        return status_header(c, NV_ARS_STATUS_NONE, 0);
    }
    if (ars->state == NV_ARS_RUNNING && !ars->busy_reported) {
        ars->busy_reported = true;
        return status_header(c, NV_ARS_STATUS_BUSY, 0);
    }
    if (ars->state == NV_ARS_RUNNING) {
        ars_complete(c->dsm);
    }
    uint32_t n = ars->records->len;
    uint32_t len = status_header(c, ars->overflow ? NV_ARS_STATUS_INTR
                                                  : NV_DSM_OK, n);
    g_assert(len <= NV_ARS_MAX_OUT);
    if (ars->overflow) {
        nv_st64(c->out + ST_RESTART_ADDR, ars->restart_addr);
        nv_st64(c->out + ST_RESTART_LEN, ars->restart_length);
        nv_st16(c->out + ST_FLAGS, NV_ARS_STATUS_OVERFLOW);
    }
    for (uint32_t i = 0; i < n; i++) {
        const NvArsRecord *r = &g_array_index(ars->records, NvArsRecord, i);
        uint8_t *p = c->out + NV_ARS_STATUS_HDR_LEN + i * NV_ARS_RECORD_LEN;
        nv_st32(p, r->handle);
        nv_st32(p + 4, 0);
        nv_st64(p + 8, r->spa);
        nv_st64(p + 16, r->length);
    }
    return len;
}

/* One warning line for a change the host could not keep (the state file
 * could not be written): the guest gets NV_DSM_HW_ERROR. */
void nv_dsm_warn_media(const char *what, const GError *err)
{
    g_printerr("nvemu: warning: %s: %s\n", what, err->message);
}

/*
 * Clear Uncorrectable Error: @address and @length aligned to the clear
 * unit; the range from @address to the end of its NVDIMM at most is
 * cleared (a range running past it is a partial clear: cleared < length,
 * Linux accounts what was cleared). Status 2 for a bad range or an
 * address in no NVDIMM; 4 when the list could not change (a split past
 * NV_MEDIA_ERR_MAX ranges, the state file not written).
 */
uint32_t nv_dsm_clear_error(NvDsmCall *c)
{
    uint64_t a = nv_ld64(c->in), len = nv_ld64(c->in + 8), off = 0;
    if (len == 0 || ((a | len) & (NV_ARS_CLEAR_UNIT - 1)) ||
        a > UINT64_MAX - len) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    NvDimm *d = nv_media_find_spa(c->dsm->dimms, a, 1, &off);
    if (!d) {
        return nv_dsm_status(c->out, NV_ARS_INVALID);
    }
    uint64_t n = MIN(len, d->size - off);
    g_autoptr(GError) err = NULL;
    if (!nv_dimm_media_remove(d, off, n, NULL, &err)) {
        g_autofree char *what = g_strdup_printf(
            "Clear Uncorrectable Error at 0x%" PRIx64, a);
        nv_dsm_warn_media(what, err);
        return nv_dsm_status(c->out, NV_DSM_HW_ERROR);
    }
    nv_st32(c->out, NV_DSM_OK);
    nv_st32(c->out + 4, 0);
    nv_st64(c->out + 8, n);
    return NV_CLEAR_ERROR_OUT_LEN;
}
