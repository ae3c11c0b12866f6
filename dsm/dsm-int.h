/*
 * dsm/dsm-int.h — inside the _DSM mailbox: the function tables.
 *
 * Each family (the root device's bus family, the Intel NVDIMM family) is a
 * table of NvDsmFn: which function, which revisions, what input sizes,
 * whether it is offered (available), and the handler. dsm.c checks a
 * request against its entry before the handler runs, and builds function
 * 0's bitmap from the same table, per revision.
 *
 * Handlers run with the DSM lock held, see only nvemu's private copy of
 * Arg3 (c->in, c->in_len bytes, already checked against in_min/in_max)
 * and fill c->out (NV_DSM_OUT_MAX bytes); they return the result length.
 */
#ifndef NVEMU_DSM_INT_H
#define NVEMU_DSM_INT_H

#include "dsm.h"

#include <stddef.h>
#include <string.h>

/* An ARS result record (dsm-ars.c). */
typedef struct {
    uint32_t handle;     /* NFIT device handle: slot + 1 */
    uint64_t spa, length;
} NvArsRecord;

/* The root device's one address range scrub (dsm-ars.c). */
typedef enum {
    NV_ARS_NONE,     /* none since this board was built */
    NV_ARS_RUNNING,  /* started; the next status query says in progress */
    NV_ARS_DONE,     /* results below */
} NvArsState;

typedef struct {
    NvArsState state;
    uint64_t addr, length;     /* as started */
    uint16_t type;
    bool prev_data;            /* a short scrub (ND_ARS_RETURN_PREV_DATA) */
    bool busy_reported;        /* RUNNING: "in progress" answered once */
    GArray *records;           /* NvArsRecord, at most NV_ARS_MAX_RECORDS */
    bool overflow;
    uint64_t restart_addr, restart_length;
} NvDsmArs;

/* The device (dsm.c; the FIT family's handler reads fit). */
struct NvDsm {
    GMutex lock;          /* one request at a time */
    uint8_t *mailbox;     /* guest RAM, NV_DSM_MAILBOX_SIZE bytes */
    GPtrArray *dimms;     /* NvDimm *, borrowed */
    uint8_t *in;          /* private copy of Arg3 (NV_DSM_IN_MAX) */
    uint8_t *out;         /* private result buffer (NV_DSM_OUT_MAX) */
    uint64_t calls;
    NvDsmNotifyFn notify; /* health notifications (nv_dsm_set_notify) */
    void *notify_opaque;
    GBytes *fit;          /* the NFIT's structures (nv_dsm_set_fit()) */
    bool fit_dirty;       /* changed since the last Read FIT at 0 */
    NvDsmArs ars;         /* the root's scrub (dsm-ars.c) */
};

typedef struct NvDsmCall {
    NvDsm *dsm;
    NvDimm *dimm;          /* the addressed NVDIMM; NULL for the root */
    uint32_t handle, revision, function, in_len;
    const uint8_t *in;
    uint8_t *out;
} NvDsmCall;

#define NV_DSM_REV(r) (1u << (r)) /* NvDsmFn.revisions */

typedef struct {
    uint32_t function;        /* 1..63 */
    uint32_t revisions;       /* NV_DSM_REV() bits accepted */
    uint32_t in_min, in_max;  /* Arg3 bytes accepted; else status 3 */
    uint32_t out_len;         /* result bytes on success (0: variable) */
    /* Offered on this device now? NULL: always. Checked for function 0's
     * bitmap and before every call (status 1 when not). */
    bool (*available)(const NvDsmCall *c);
    uint32_t (*handler)(NvDsmCall *c);
} NvDsmFn;

typedef enum {
    NV_DSM_ON_ROOT,    /* handle 0 */
    NV_DSM_ON_NVDIMM,  /* handle slot + 1 of a realized NVDIMM */
    NV_DSM_ON_HANDLE,  /* exactly NvDsmFamily.handle (e.g. _FIT's) */
} NvDsmScope;

typedef struct {
    uint32_t family;          /* NV_DSM_FAMILY_* */
    const char *name;         /* for tests and messages */
    NvDsmScope scope;
    uint32_t handle;          /* NV_DSM_ON_HANDLE only */
    const NvDsmFn *fns;
    size_t n_fns;
} NvDsmFamily;

/* The families (dsm-root.c, dsm-intel.c with dsm-label.c and
 * dsm-health.c, dsm-fit.c). */
extern const NvDsmFamily nv_dsm_family_root;
extern const NvDsmFamily nv_dsm_family_intel;
extern const NvDsmFamily nv_dsm_family_fit;

/* The Intel family's functions, by topic. */
uint32_t nv_dsm_get_label_size(NvDsmCall *c);
uint32_t nv_dsm_get_label_data(NvDsmCall *c);
uint32_t nv_dsm_set_label_data(NvDsmCall *c);
bool nv_dsm_has_labels(const NvDsmCall *c);
bool nv_dsm_labels_writable(const NvDsmCall *c);

/* The health functions (dsm-health.c). */
uint32_t nv_dsm_get_smart(NvDsmCall *c);
uint32_t nv_dsm_get_threshold(NvDsmCall *c);
uint32_t nv_dsm_latch_shutdown(NvDsmCall *c);
uint32_t nv_dsm_set_threshold(NvDsmCall *c);
uint32_t nv_dsm_inject_smart(NvDsmCall *c);

/* The root family's functions (dsm-ars.c). */
uint32_t nv_dsm_ars_cap(NvDsmCall *c);
uint32_t nv_dsm_ars_start(NvDsmCall *c);
uint32_t nv_dsm_ars_status(NvDsmCall *c);
uint32_t nv_dsm_clear_error(NvDsmCall *c);
uint32_t nv_dsm_translate_spa(NvDsmCall *c);
uint32_t nv_dsm_ars_inject(NvDsmCall *c);
uint32_t nv_dsm_ars_inject_clear(NvDsmCall *c);
uint32_t nv_dsm_ars_inject_status(NvDsmCall *c);
/* The realized NVDIMMs in guest address order (a new array of borrowed
 * pointers). */
GPtrArray *nv_dsm_nvdimms_by_addr(NvDsm *dsm);
/* "nvemu: warning: @what: <message>" (a media-error change not kept). */
void nv_dsm_warn_media(const char *what, const GError *err);

/* Ask the machine to send Notify (NVxx, 0x81) to @dimm (dsm.c; the hook
 * of nv_dsm_set_notify(), nothing without one). DSM lock held. */
void nv_dsm_notify_dimm(NvDsm *dsm, const NvDimm *dimm);

/* A result that is just a status code; returns its length, 4. */
static inline uint32_t nv_dsm_status(uint8_t *out, uint32_t status)
{
    nv_st32(out, status);
    return 4;
}

/* Function 0's bitmap of @fam for @c's device and revision (bit 0 set
 * when any other bit is). Exposed for tests. */
uint64_t nv_dsm_family_functions(const NvDsmFamily *fam, const NvDsmCall *c);

#endif
