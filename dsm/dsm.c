/*
 * dsm/dsm.c — the _DSM mailbox: snapshot the request out of guest RAM,
 * decode it, find its family's table entry (dsm-int.h), check revision,
 * availability and input size, run the handler, write the response back.
 *
 * Handlers see only nvemu's private copy of the request and fill a private
 * result buffer; only process() touches the mailbox, and only within
 * NV_DSM_MAILBOX_SIZE bytes.
 */
#include "dsm-int.h"
#include "media-errors.h"

#include <string.h>


/* Every family nvemu answers; a request names one (NV_DSM_REQ_FAMILY). */
static const NvDsmFamily *const families[] = {
    &nv_dsm_family_root,
    &nv_dsm_family_intel,
    &nv_dsm_family_fit,
};

static const NvDsmFamily *find_family(uint32_t family)
{
    for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
        if (families[i]->family == family) {
            return families[i];
        }
    }
    return NULL;
}

static NvDimm *find_nvdimm(NvDsm *dsm, uint32_t handle)
{
    for (guint i = 0; handle && i < dsm->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dsm->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->slot + 1 == handle) {
            return d;
        }
    }
    return NULL;
}

static bool offered(const NvDsmFn *f, const NvDsmCall *c)
{
    return c->revision < 32 && (f->revisions & NV_DSM_REV(c->revision)) &&
           (!f->available || f->available(c));
}

uint64_t nv_dsm_family_functions(const NvDsmFamily *fam, const NvDsmCall *c)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < fam->n_fns; i++) {
        const NvDsmFn *f = &fam->fns[i];
        g_assert(f->function > 0 && f->function < 64);
        if (offered(f, c)) {
            bits |= UINT64_C(1) << f->function;
        }
    }
    /* ACPI 6.4 §9.1.1: bit 0 set iff any other function is supported.
     * Linux picks a DIMM's family by that bit (revision 1). */
    return bits ? bits | 1 : 0;
}

/* Function 0: the bitmap, eight bytes, as Linux reads a u64. */
static uint32_t query(uint8_t *out, uint64_t funcs)
{
    nv_st64(out, funcs);
    return 8;
}

/* A known family on its own kind of device: the entry's checks, then the
 * handler. */
static uint32_t call_family(const NvDsmFamily *fam, NvDsmCall *c)
{
    if (c->function == NV_DSM_FN_QUERY) {
        return query(c->out, nv_dsm_family_functions(fam, c));
    }
    for (size_t i = 0; i < fam->n_fns; i++) {
        const NvDsmFn *f = &fam->fns[i];
        if (f->function != c->function) {
            continue;
        }
        if (!offered(f, c)) {
            break;
        }
        if (c->in_len < f->in_min || c->in_len > f->in_max) {
            return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
        }
        uint32_t n = f->handler(c);
        g_assert(n >= 4 && n <= NV_DSM_OUT_MAX);
        g_assert(!f->out_len || n == f->out_len || n == 4);
        return n;
    }
    return nv_dsm_status(c->out, NV_DSM_UNSUPPORTED);
}

static uint32_t dispatch(NvDsm *dsm, NvDsmCall *c, uint32_t family)
{
    const NvDsmFamily *fam = find_family(family);
    bool ok_handle = false;
    if (fam && fam->scope == NV_DSM_ON_NVDIMM) {
        c->dimm = find_nvdimm(dsm, c->handle);
        if (!c->dimm) {
            return nv_dsm_status(c->out, NV_DSM_NO_DEVICE);
        }
        ok_handle = true;
    } else if (fam) {
        ok_handle = c->handle == (fam->scope == NV_DSM_ON_ROOT ? 0
                                                               : fam->handle);
    }
    if (!ok_handle) {
        /* An unknown family, or one asked of the wrong device: nothing is
         * offered (bit 0 clear, so Linux does not take the family). */
        return c->function == NV_DSM_FN_QUERY
                   ? query(c->out, 0)
                   : nv_dsm_status(c->out, NV_DSM_UNSUPPORTED);
    }
    return call_family(fam, c);
}

/* Snapshot, decode, dispatch, answer. Called with dsm->lock held. */
static void process(NvDsm *dsm)
{
    uint8_t hdr[NV_DSM_REQ_IN];
    uint32_t out_len;

    memcpy(hdr, dsm->mailbox, sizeof(hdr));
    NvDsmCall c = {
        .dsm = dsm,
        .handle = nv_ld32(hdr + NV_DSM_REQ_HANDLE),
        .revision = nv_ld32(hdr + NV_DSM_REQ_REVISION),
        .function = nv_ld32(hdr + NV_DSM_REQ_FUNCTION),
        .in_len = nv_ld32(hdr + NV_DSM_REQ_IN_LEN),
        .in = dsm->in,
        .out = dsm->out,
    };
    if (c.in_len > NV_DSM_IN_MAX) {
        out_len = nv_dsm_status(dsm->out, NV_DSM_INVALID_INPUT);
    } else {
        /* Parse only the private copy: the guest may change the mailbox
         * under us from another vCPU. */
        memcpy(dsm->in, dsm->mailbox + NV_DSM_REQ_IN, c.in_len);
        out_len = dispatch(dsm, &c, nv_ld32(hdr + NV_DSM_REQ_FAMILY));
    }
    g_assert(out_len <= NV_DSM_OUT_MAX);
    memcpy(dsm->mailbox + NV_DSM_RESP_OUT, dsm->out, out_len);
    nv_st32(dsm->mailbox + NV_DSM_RESP_OUT_LEN, out_len);
    dsm->calls++;
}

void nv_dsm_doorbell_io(void *opaque, uint64_t offset, uint8_t *data,
                        unsigned len, bool is_write)
{
    NvDsm *dsm = opaque;
    g_mutex_lock(&dsm->lock);
    if (!is_write) {
        uint64_t calls = dsm->calls;
        for (unsigned i = 0; i < len; i++) {
            data[i] = i < 8 ? (uint8_t)(calls >> (8 * i)) : 0;
        }
    } else if (offset == 0 && len == NV_DSM_DOORBELL_SIZE &&
               nv_ld32(data) == 0) {
        process(dsm);
    }
    /* Other writes (wrong width, offset or mailbox number) are ignored:
     * the mailbox keeps the request, so the guest sees no response. */
    g_mutex_unlock(&dsm->lock);
}

void nv_dsm_set_notify(NvDsm *dsm, NvDsmNotifyFn fn, void *opaque)
{
    g_mutex_lock(&dsm->lock);
    dsm->notify = fn;
    dsm->notify_opaque = opaque;
    g_mutex_unlock(&dsm->lock);
}

void nv_dsm_notify_dimm(NvDsm *dsm, const NvDimm *dimm)
{
    if (dsm->notify) {
        dsm->notify(dsm->notify_opaque, dimm->slot);
    }
}

void nv_dsm_notify_uc_error(NvDsm *dsm)
{
    if (dsm->notify) {
        dsm->notify(dsm->notify_opaque, NV_DSM_NOTIFY_ROOT);
    }
}

void nv_dsm_lock(NvDsm *dsm)
{
    g_mutex_lock(&dsm->lock);
}

void nv_dsm_unlock(NvDsm *dsm)
{
    g_mutex_unlock(&dsm->lock);
}

uint64_t nv_dsm_calls(NvDsm *dsm)
{
    g_mutex_lock(&dsm->lock);
    uint64_t n = dsm->calls;
    g_mutex_unlock(&dsm->lock);
    return n;
}

NvDsm *nv_dsm_new(uint8_t *mailbox, GPtrArray *dimms)
{
    NvDsm *dsm = g_new0(NvDsm, 1);
    g_mutex_init(&dsm->lock);
    dsm->mailbox = mailbox;
    dsm->dimms = g_ptr_array_ref(dimms);
    /* A new board is a new guest: it knows no media error yet. */
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (d->state.media_errors) {
            nv_media_list_forget_known(d->state.media_errors);
        }
    }
    dsm->in = g_malloc(NV_DSM_IN_MAX);
    dsm->out = g_malloc(NV_DSM_OUT_MAX);
    return dsm;
}

void nv_dsm_free(NvDsm *dsm)
{
    if (!dsm) {
        return;
    }
    g_mutex_clear(&dsm->lock);
    if (dsm->fit) {
        g_bytes_unref(dsm->fit);
    }
    if (dsm->ars.records) {
        g_array_unref(dsm->ars.records);
    }
    g_ptr_array_unref(dsm->dimms);
    g_free(dsm->in);
    g_free(dsm->out);
    g_free(dsm);
}
