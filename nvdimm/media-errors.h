/*
 * nvdimm/media-errors.h — an NVDIMM's media errors (poisoned ranges), the
 * model behind the root device's ARS, Clear Uncorrectable Error and error
 * injection functions (dsm/dsm-ars.c) and the host's commands (issue 13
 * points 4-5).
 *
 * Each NVDIMM keeps its own list (NvDimmState.media_errors) of ranges in
 * DIMM offsets (offset 0 = the DIMM's guest physical address), kept
 * sorted, disjoint, never adjacent (touching ranges merge) and aligned to
 * NV_MEDIA_ERR_UNIT (added and removed ranges are rounded outward to it:
 * it is the ARS Clear Error unit, so a clear always removes whole
 * ranges). At most NV_MEDIA_ERR_MAX ranges per DIMM: an add or remove
 * that would need more fails and changes nothing.
 *
 * Errors: NV_ERROR_RANGE for a request the model refuses (a range outside
 * the DIMM or every NVDIMM, one range too many), NV_ERROR_INVALID for a
 * range that is not one (empty, past 2^64) and for a state file that
 * could not be written (the change undone).
 *
 * Scrub semantics: a range is "known" once the guest was told of it, by
 * a full ARS whose range covered it or by a notification (an add with
 * @notify). A short ARS (ND_ARS_RETURN_PREV_DATA) reports only known
 * ranges; a full one reports all and marks them known. An add that
 * brings new bytes gives the merged range its own flag (known only with
 * @notify); an add inside one range only marks it known (@notify) or
 * changes nothing. Known bits are not
 * persisted (a new run's guest knows nothing) and are cleared at every
 * guest reset (nv_dsm_new()).
 *
 * Locking: while the machine runs the list is guarded by the DSM lock
 * (nv_dsm_lock(), or inside a DSM handler). Every change that succeeds is
 * written to the DIMM's state file at once (when it has one); when that
 * write fails the change is undone and the call fails.
 */
#ifndef NVEMU_MEDIA_ERRORS_H
#define NVEMU_MEDIA_ERRORS_H

#include "nvdimm.h"

#define NV_MEDIA_ERR_UNIT 256u   /* bytes; ARS Capabilities' clear_err_unit */
#define NV_MEDIA_ERR_MAX  1024u  /* ranges per DIMM */

typedef struct {
    uint64_t offset;   /* DIMM offset, NV_MEDIA_ERR_UNIT aligned */
    uint64_t length;   /* > 0, NV_MEDIA_ERR_UNIT multiple */
    bool known;        /* the guest was told (ARS or notification) */
} NvMediaError;

/* ---- the list itself (GArray of NvMediaError), pure ---------------- */
GArray *nv_media_list_new(void);
/* Add [off, off + len) rounded outward to the unit (len > 0, no u64
 * overflow: the caller checks bounds). */
bool nv_media_list_add(GArray *list, uint64_t off, uint64_t len, bool known,
                       GError **errp);
/* Remove the units [off, off + len) touches; *removed (may be NULL) gets
 * the bytes of error removed. Splitting a range may need one more. */
bool nv_media_list_remove(GArray *list, uint64_t off, uint64_t len,
                          uint64_t *removed, GError **errp);
/* Mark every range intersecting [off, off + len) known. */
void nv_media_list_mark_known(GArray *list, uint64_t off, uint64_t len);
void nv_media_list_forget_known(GArray *list);

/* ---- a DIMM's list (DSM lock held while the machine runs) ----------- */
/* [off, off + len) must lie inside the NVDIMM's guest-visible size; the
 * error names the DIMM and the range. @notify: the guest is being told
 * now (the range is known). Persisted (state-file=) before returning. */
bool nv_dimm_media_add(NvDimm *d, uint64_t off, uint64_t len, bool notify,
                       GError **errp);
bool nv_dimm_media_remove(NvDimm *d, uint64_t off, uint64_t len,
                          uint64_t *removed, GError **errp);
/* The ranges, in order (*n of them; NULL when none). */
const NvMediaError *nv_dimm_media_errors(const NvDimm *d, guint *n);

/* ---- by guest physical address -------------------------------------- */
/* The realized NVDIMM of @dimms whose [addr, addr + size) holds all of
 * [spa, spa + len) (len > 0), and the DIMM offset of @spa; NULL if none
 * (a range crossing DIMMs, or outside every NVDIMM). */
NvDimm *nv_media_find_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                          uint64_t *off);
/* nv_dimm_media_add/remove for a guest physical range inside one NVDIMM;
 * the error says when no NVDIMM holds it all. */
bool nv_media_add_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                      bool notify, GError **errp);
bool nv_media_remove_spa(GPtrArray *dimms, uint64_t spa, uint64_t len,
                         uint64_t *removed, GError **errp);

#endif
