/*
 * dsm/dsm.c — the _DSM mailbox: snapshot the request out of guest RAM,
 * decode it, run the handler, write the response back.
 *
 * Handlers see only nvemu's private copy of the request and fill a private
 * result buffer; only process() touches the mailbox, and only within
 * NV_DSM_MAILBOX_SIZE bytes.
 */
#include "dsm.h"

#include <string.h>

struct NvDsm {
    GMutex lock;          /* one request at a time */
    uint8_t *mailbox;     /* guest RAM, NV_DSM_MAILBOX_SIZE bytes */
    GPtrArray *dimms;     /* NvDimm *, borrowed */
    uint8_t *in;          /* private copy of Arg3 (NV_DSM_IN_MAX) */
    uint8_t *out;         /* private result buffer (NV_DSM_OUT_MAX) */
    uint64_t calls;
    GBytes *fit;          /* the NFIT's structures (nv_dsm_set_fit()) */
    bool fit_dirty;       /* changed since the last Read FIT at 0 */
};

typedef struct {
    uint32_t handle, revision, function, in_len;
    const uint8_t *in;
} Request;

/* A result that is just a status code. Returns the result length. */
static uint32_t status_only(uint8_t *out, uint32_t status)
{
    nv_st32(out, status);
    return 4;
}

/* Function 0: the bitmap of supported functions, bit 0 set if any other
 * function is (ACPI 6.4 §9.1.1). Eight bytes, as Linux reads a u64. */
static uint32_t query(uint8_t *out, uint64_t funcs)
{
    if (funcs) {
        funcs |= 1;
    }
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(funcs >> (8 * i));
    }
    return 8;
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

static uint64_t dimm_functions(const NvDimm *d)
{
    if (!d->state.has_labels) {
        return 0;
    }
    uint64_t f = 1u << NV_DSM_FN_GET_LABEL_SIZE | 1u << NV_DSM_FN_GET_LABEL_DATA;
    if (!d->state.labels.readonly) {
        f |= 1u << NV_DSM_FN_SET_LABEL_DATA;
    }
    return f;
}

/* Function 4: status, label area size, max transfer. */
static uint32_t get_label_size(const NvDimm *d, uint8_t *out)
{
    nv_st32(out, NV_DSM_OK);
    nv_st32(out + 4, (uint32_t)d->state.labels.size);
    nv_st32(out + 8, NV_DSM_MAX_XFER);
    return 12;
}

/* Arg3 of functions 5 and 6 starts with u32 offset, u32 length; both must
 * stay inside the label area and the transfer limit. */
static bool label_range(const NvDimm *d, const Request *r, uint32_t *off,
                        uint32_t *len)
{
    if (r->in_len < 8) {
        return false;
    }
    *off = nv_ld32(r->in);
    *len = nv_ld32(r->in + 4);
    return *len <= NV_DSM_MAX_XFER &&
           (uint64_t)*off + *len <= d->state.labels.size; /* 64-bit: no wrap */
}

/*
 * One warning line for a label read or write the host could not do; the
 * guest gets NV_DSM_HW_ERROR and nvemu carries on. For example:
 * nvemu: warning: nvdimm nv0: label write of 256 bytes at 0x1000 to
 * pmem0.img failed: No space left on device
 */
static void warn_label_io(const NvDimm *d, bool write, uint32_t off,
                          uint32_t len, const GError *err)
{
    const char *file = nv_label_store_file(&d->state.labels);
    g_autofree char *who = d->id ? g_strdup(d->id)
                                 : g_strdup_printf("in slot %u", d->slot);
    g_autofree char *where = file ? g_strdup(file)
                                  : g_strdup_printf("RAM backend '%s'",
                                                    d->state.labels.mem->cfg.id);
    g_printerr("nvemu: warning: nvdimm %s: label %s of %u bytes at 0x%x %s "
               "%s failed: %s\n", who, write ? "write" : "read", len, off,
               write ? "to" : "from", where, err->message);
}

/* Function 5: status, then the bytes. */
static uint32_t get_label_data(NvDimm *d, const Request *r, uint8_t *out)
{
    uint32_t off, len;
    if (!label_range(d, r, &off, &len)) {
        return status_only(out, NV_DSM_INVALID_INPUT);
    }
    g_autoptr(GError) err = NULL;
    if (!nv_label_store_read(&d->state.labels, off, out + 4, len, &err)) {
        warn_label_io(d, false, off, len, err);
        return status_only(out, NV_DSM_HW_ERROR);
    }
    nv_st32(out, NV_DSM_OK);
    return 4 + len;
}

/* Function 6: offset, length, bytes in; status out, only once persisted.
 * A failed write leaves the area as it was (label-store puts the old bytes
 * back) and answers NV_DSM_HW_ERROR. */
static uint32_t set_label_data(NvDimm *d, const Request *r, uint8_t *out)
{
    uint32_t off, len;
    if (!label_range(d, r, &off, &len) || r->in_len - 8 < len) {
        return status_only(out, NV_DSM_INVALID_INPUT);
    }
    g_autoptr(GError) err = NULL;
    if (!nv_label_store_write(&d->state.labels, off, r->in + 8, len, &err)) {
        warn_label_io(d, true, off, len, err);
        return status_only(out, NV_DSM_HW_ERROR);
    }
    return status_only(out, NV_DSM_OK);
}

static uint32_t handle_dimm(NvDimm *d, const Request *r, uint8_t *out)
{
    uint64_t funcs = dimm_functions(d);
    if (r->function == NV_DSM_FN_QUERY) {
        return query(out, r->revision == NV_DSM_REVISION ? funcs : 0);
    }
    if (r->revision != NV_DSM_REVISION || r->function >= 64 ||
        !(funcs & (UINT64_C(1) << r->function))) {
        /* Set on a read-only DIMM lands here too: not offered by query. */
        return status_only(out, NV_DSM_UNSUPPORTED);
    }
    switch (r->function) {
    case NV_DSM_FN_GET_LABEL_SIZE:
        return get_label_size(d, out);
    case NV_DSM_FN_GET_LABEL_DATA:
        return get_label_data(d, r, out);
    case NV_DSM_FN_SET_LABEL_DATA:
        return set_label_data(d, r, out);
    }
    return status_only(out, NV_DSM_UNSUPPORTED);
}

/* Handle NV_DSM_FIT_HANDLE: QEMU's Read FIT (see dsm.h). */
static uint32_t handle_fit(NvDsm *dsm, const Request *r)
{
    if (r->function == NV_DSM_FN_QUERY) {
        return query(dsm->out, r->revision == NV_DSM_REVISION
                                   ? 1u << NV_DSM_FN_READ_FIT : 0);
    }
    if (r->revision != NV_DSM_REVISION ||
        r->function != NV_DSM_FN_READ_FIT) {
        return status_only(dsm->out, NV_DSM_UNSUPPORTED);
    }
    if (r->in_len < 4) {
        return status_only(dsm->out, NV_DSM_INVALID_INPUT);
    }
    uint32_t off = nv_ld32(r->in);
    gsize len = 0;
    const uint8_t *fit = dsm->fit ? g_bytes_get_data(dsm->fit, &len) : NULL;
    if (off > len) {
        return status_only(dsm->out, NV_DSM_INVALID_INPUT);
    }
    if (off == 0) {
        dsm->fit_dirty = false;
    } else if (dsm->fit_dirty) {
        return status_only(dsm->out, NV_DSM_FIT_CHANGED);
    }
    size_t n = MIN(len - off, (size_t)NV_DSM_FIT_MAX_READ);
    nv_st32(dsm->out, NV_DSM_OK);
    if (n) {
        memcpy(dsm->out + 4, fit + off, n);
    }
    return 4 + (uint32_t)n;
}

static uint32_t dispatch(NvDsm *dsm, const Request *r)
{
    if (r->handle == NV_DSM_FIT_HANDLE) {
        return handle_fit(dsm, r);
    }
    if (r->handle == 0) {
        /* Root device: no root functions (ARS etc.) are offered yet. */
        if (r->function == NV_DSM_FN_QUERY) {
            return query(dsm->out, 0);
        }
        return status_only(dsm->out, NV_DSM_UNSUPPORTED);
    }
    NvDimm *d = find_nvdimm(dsm, r->handle);
    if (!d) {
        return status_only(dsm->out, NV_DSM_NO_DEVICE);
    }
    return handle_dimm(d, r, dsm->out);
}

/* Snapshot, decode, dispatch, answer. Called with dsm->lock held. */
static void process(NvDsm *dsm)
{
    uint8_t hdr[NV_DSM_REQ_IN];
    uint32_t out_len;

    memcpy(hdr, dsm->mailbox, sizeof(hdr));
    Request r = {
        .handle = nv_ld32(hdr + NV_DSM_REQ_HANDLE),
        .revision = nv_ld32(hdr + NV_DSM_REQ_REVISION),
        .function = nv_ld32(hdr + NV_DSM_REQ_FUNCTION),
        .in_len = nv_ld32(hdr + NV_DSM_REQ_IN_LEN),
        .in = dsm->in,
    };
    if (r.in_len > NV_DSM_IN_MAX) {
        out_len = status_only(dsm->out, NV_DSM_INVALID_INPUT);
    } else {
        /* Parse only the private copy: the guest may change the mailbox
         * under us from another vCPU. */
        memcpy(dsm->in, dsm->mailbox + NV_DSM_REQ_IN, r.in_len);
        out_len = dispatch(dsm, &r);
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

void nv_dsm_set_fit(NvDsm *dsm, const void *fit, size_t len)
{
    GBytes *b = g_bytes_new(fit, len);
    g_mutex_lock(&dsm->lock);
    GBytes *old = dsm->fit;
    dsm->fit = b;
    dsm->fit_dirty = true;
    g_mutex_unlock(&dsm->lock);
    if (old) {
        g_bytes_unref(old);
    }
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
    g_ptr_array_unref(dsm->dimms);
    g_free(dsm->in);
    g_free(dsm->out);
    g_free(dsm);
}
