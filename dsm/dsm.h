/*
 * dsm/ — the _DSM mailbox: how the guest's NVDIMM _DSM calls reach nvemu.
 *
 * The _DSM AML writes a request into a mailbox in guest RAM and then writes
 * the doorbell register; nvemu processes the request synchronously, inside
 * that doorbell write, and leaves the response in the same mailbox. The
 * full ABI is in docs/dsm-abi.md.
 *
 * Contract:
 *  - Everything in the mailbox is untrusted. The request is copied out of
 *    guest memory before it is parsed; a request never makes nvemu touch
 *    memory other than the mailbox and the label area it may address.
 *  - Every failure is a status code in the response, never a crash.
 *  - Set Label Data answers success only after the bytes are persisted.
 *    A label read or write the host cannot do (a full filesystem, EIO)
 *    answers NV_DSM_HW_ERROR and prints one warning line naming the DIMM,
 *    the file and the error; a failed Set leaves the area as it was.
 *  - Calls are serialized: one request at a time per device, whatever the
 *    number of vCPUs ringing the doorbell.
 *  - No KVM: tests write the mailbox and ring the doorbell themselves.
 */
#ifndef NVEMU_DSM_H
#define NVEMU_DSM_H

#include "nvdimm.h"

#include <stddef.h>

/* ---- mailbox layout (little-endian) ---------------------------------- */
#define NV_DSM_MAILBOX_SIZE  (132 * KiB)
/* request, written by the guest */
#define NV_DSM_REQ_HANDLE    0x00 /* u32: 0 = root, slot + 1 = NVDIMM */
#define NV_DSM_REQ_FAMILY    0x04 /* u32: NV_DSM_FAMILY_*, from the UUID */
#define NV_DSM_REQ_REVISION  0x08 /* u32: _DSM Arg1 */
#define NV_DSM_REQ_FUNCTION  0x0C /* u32: _DSM Arg2 */
#define NV_DSM_REQ_IN_LEN    0x10 /* u32: bytes of Arg3 that follow */
#define NV_DSM_REQ_IN        0x14 /* Arg3 bytes */
#define NV_DSM_IN_MAX        (NV_DSM_MAILBOX_SIZE - NV_DSM_REQ_IN)
/* response, written by nvemu over the request */
#define NV_DSM_RESP_OUT_LEN  0x00 /* u32: bytes of the _DSM result buffer */
#define NV_DSM_RESP_OUT      0x04 /* the result buffer */
#define NV_DSM_OUT_MAX       (NV_DSM_MAILBOX_SIZE - NV_DSM_RESP_OUT)

/* Largest label transfer per call (Get Label Size's "max transfer"). */
#define NV_DSM_MAX_XFER      (128 * KiB)

/*
 * Compile-time checks of the guest-visible mailbox (docs/dsm-abi.md, and
 * the AML in acpi-nfit/ssdt-nvdimm.c, which uses these constants): the
 * header as a struct, the documented sizes, and that a max-transfer Get
 * and Set fit in the mailbox.
 */
struct nv_dsm_request_layout {
    uint32_t handle, family, revision, function, in_len;
    uint8_t in[];
};
struct nv_dsm_response_layout {
    uint32_t out_len;
    uint8_t out[];
};
_Static_assert(offsetof(struct nv_dsm_request_layout, handle) ==
                   NV_DSM_REQ_HANDLE &&
               offsetof(struct nv_dsm_request_layout, family) ==
                   NV_DSM_REQ_FAMILY &&
               offsetof(struct nv_dsm_request_layout, revision) ==
                   NV_DSM_REQ_REVISION &&
               offsetof(struct nv_dsm_request_layout, function) ==
                   NV_DSM_REQ_FUNCTION &&
               offsetof(struct nv_dsm_request_layout, in_len) ==
                   NV_DSM_REQ_IN_LEN &&
               offsetof(struct nv_dsm_request_layout, in) == NV_DSM_REQ_IN &&
               sizeof(struct nv_dsm_request_layout) == 20,
               "DSM request header: five u32, then Arg3 at 0x14");
_Static_assert(offsetof(struct nv_dsm_response_layout, out) ==
                   NV_DSM_RESP_OUT &&
               NV_DSM_RESP_OUT_LEN == 0,
               "DSM response: u32 out_len, then the result at 4");
_Static_assert(NV_DSM_MAILBOX_SIZE == 135168 && NV_DSM_IN_MAX == 135148 &&
               NV_DSM_OUT_MAX == 135164,
               "mailbox sizes as docs/dsm-abi.md gives them");
_Static_assert(8 + NV_DSM_MAX_XFER <= NV_DSM_IN_MAX &&
               4 + NV_DSM_MAX_XFER <= NV_DSM_OUT_MAX &&
               NV_DSM_MAILBOX_SIZE < MiB,
               "a max-transfer Set/Get fits; the mailbox fits the 1 MiB "
               "firmware area");

/* Doorbell: a 4-byte MMIO register; the value written is the mailbox
 * number, which must be 0 (one mailbox per machine). */
#define NV_DSM_DOORBELL_SIZE 4

#define NV_DSM_REVISION      1

/*
 * Which _DSM a request is for: the AML of each device writes the family
 * of the UUID it matched (acpi-nfit/ssdt-nvdimm.c); a UUID it does not
 * know never reaches the mailbox. 0 and unknown values are refused
 * (function 0: an empty bitmap; others: status 1).
 */
enum {
    NV_DSM_FAMILY_ROOT = 1,  /* 2f10e7a4-...: the root device's bus family */
    NV_DSM_FAMILY_INTEL = 2, /* 4309ac30-...: the Intel NVDIMM family */
    NV_DSM_FAMILY_FIT = 3,   /* nvemu's: the root's _FIT (NV_DSM_FIT_HANDLE) */
};

/* Status codes (first u32 of every result but function 0's bitmap). */
enum {
    NV_DSM_OK = 0,
    NV_DSM_UNSUPPORTED = 1,   /* function, revision or feature not here */
    NV_DSM_NO_DEVICE = 2,     /* no NVDIMM has this handle */
    NV_DSM_INVALID_INPUT = 3, /* bad length, offset, size */
    NV_DSM_HW_ERROR = 4,      /* the host could not read or persist */
};

/* Function numbers of the Intel-family per-DIMM _DSM used here
 * (Linux's enum nvdimm_family_cmds). */
enum {
    NV_DSM_FN_QUERY = 0,
    NV_DSM_FN_SMART = 1,
    NV_DSM_FN_SMART_THRESHOLD = 2,
    NV_DSM_FN_GET_LABEL_SIZE = 4,
    NV_DSM_FN_GET_LABEL_DATA = 5,
    NV_DSM_FN_SET_LABEL_DATA = 6,
    NV_DSM_FN_LATCH_SHUTDOWN = 10,
    NV_DSM_FN_SET_SMART_THRESHOLD = 17,
    NV_DSM_FN_INJECT_SMART = 18,
};

/*
 * The root device's bus functions (family NV_DSM_FAMILY_ROOT, handle 0;
 * Linux's ND_CMD_ARS_* and NFIT_CMD_*; dsm/dsm-ars.c, docs/health.md).
 * Sizes are of Arg3 (IN) and of the result on success (OUT); a failure
 * answers the 4-byte status alone.
 */
enum {
    NV_DSM_FN_ARS_CAP = 1,           /* Query ARS Capabilities */
    NV_DSM_FN_ARS_START = 2,
    NV_DSM_FN_ARS_STATUS = 3,        /* Query ARS Status */
    NV_DSM_FN_CLEAR_ERROR = 4,       /* Clear Uncorrectable Error */
    NV_DSM_FN_TRANSLATE_SPA = 5,
    NV_DSM_FN_ARS_INJECT = 7,        /* ARS Error Inject */
    NV_DSM_FN_ARS_INJECT_CLEAR = 8,
    NV_DSM_FN_ARS_INJECT_STATUS = 9,
};
/* Root status codes (low 16 bits) and ARS extended statuses (high 16). */
enum {
    NV_ARS_INVALID = 2,               /* invalid input (root functions) */
    NV_ARS_START_BUSY = 6,            /* Start ARS while one runs */
    NV_ARS_CAP_PERSISTENT = 2u << 16, /* ARS Capabilities: persistent scrub */
    NV_ARS_STATUS_BUSY = 1u << 16,    /* Query ARS Status: in progress */
    NV_ARS_STATUS_NONE = 2u << 16,    /* ... no ARS this boot */
    NV_ARS_STATUS_INTR = 3u << 16,    /* ... stopped early (overflow) */
};
#define NV_ARS_TYPE_VOLATILE     1   /* Start ARS type bits */
#define NV_ARS_TYPE_PERSISTENT   2
#define NV_ARS_FLAG_PREV_DATA    0x2 /* Start ARS flags: a short scrub */
#define NV_ARS_STATUS_OVERFLOW   0x1 /* Query ARS Status flags */
#define NV_ARS_INJECT_NOTIFY     0x1 /* ARS Error Inject options */
#define NV_ARS_CLEAR_UNIT        256 /* = NV_MEDIA_ERR_UNIT */
#define NV_ARS_CAP_IN_LEN        16
#define NV_ARS_CAP_OUT_LEN       16
#define NV_ARS_START_IN_LEN      24
#define NV_ARS_START_OUT_LEN     8
#define NV_ARS_STATUS_HDR_LEN    48
#define NV_ARS_RECORD_LEN        24
/* Records per Query ARS Status: all of one DIMM's error ranges, so the
 * scrub Linux runs per SPA range (one per NVDIMM) never overflows. */
#define NV_ARS_MAX_RECORDS       1024
#define NV_ARS_MAX_OUT  (NV_ARS_STATUS_HDR_LEN + \
                         NV_ARS_RECORD_LEN * NV_ARS_MAX_RECORDS)
#define NV_CLEAR_ERROR_IN_LEN    16
#define NV_CLEAR_ERROR_OUT_LEN   16
#define NV_TRANSLATE_SPA_IN_LEN  8
#define NV_TRANSLATE_SPA_OUT_LEN 36  /* one NVDIMM: 20 + 16 */
#define NV_ARS_INJECT_IN_MIN     17  /* base, length, u8 options */
#define NV_ARS_INJECT_IN_MAX     20  /* ndctl sends the options as 4 bytes */
#define NV_ARS_INJECT_CLEAR_IN_LEN 16
#define NV_INJECT_STATUS_IN_MAX  8   /* ndctl sends its 8-byte header */
#define NV_INJECT_STATUS_RECORD_LEN 16
/* ndctl's buffer: 8 + max_ars_out bytes */
#define NV_INJECT_STATUS_MAX_RECORDS \
    (NV_ARS_MAX_OUT / NV_INJECT_STATUS_RECORD_LEN)

/* Sizes of the health functions' fixed layouts (docs/health.md). */
#define NV_DSM_SMART_OUT_LEN        132
#define NV_DSM_THRESHOLD_OUT_LEN    12
#define NV_DSM_SET_THRESHOLD_IN_LEN 7
#define NV_DSM_INJECT_IN_LEN        15
/*
 * The FIT handle (QEMU's reserved handle, docs/specs/acpi_nvdimm.rst): the
 * root device's _FIT method reads the current NFIT structures (the NFIT
 * without its header) through the mailbox, as QEMU's does, with family
 * NV_DSM_FAMILY_FIT (dsm/dsm-fit.c):
 *   function 0: the bitmap 0x3;
 *   function 1 "Read FIT", Arg3 = u32 offset: u32 status, then the FIT's
 *     bytes from offset to its end, at most NV_DSM_FIT_MAX_READ of them
 *     (none at the end: _FIT stops there). Status NV_DSM_OK;
 *     NV_DSM_INVALID_INPUT for an offset past the end (or no offset);
 *     NV_DSM_FIT_CHANGED when offset != 0 and the FIT changed since the
 *     last read at offset 0 (_FIT starts again from 0).
 */
#define NV_DSM_FIT_HANDLE    0x10000
#define NV_DSM_FN_READ_FIT   1
#define NV_DSM_FIT_CHANGED   0x100
/* All of it in one call: a result over 252 bytes moves the whole mailbox
 * field in the guest's interpreter anyway (ssdt-nvdimm.c), so smaller
 * chunks would only mean more round trips. */
#define NV_DSM_FIT_MAX_READ  (NV_DSM_OUT_MAX - 4)

typedef struct NvDsm NvDsm;

/*
 * @mailbox: nvemu's view of the mailbox in guest RAM (NV_DSM_MAILBOX_SIZE
 * bytes); @dimms: NvDimm * (realized; pc-dimms are ignored), borrowed.
 */
NvDsm *nv_dsm_new(uint8_t *mailbox, GPtrArray *dimms);
void nv_dsm_free(NvDsm *dsm);

/* The doorbell register's I/O handler (see devices/bus.c): a 4-byte write
 * processes the mailbox; reads return the number of requests served. */
void nv_dsm_doorbell_io(void *opaque, uint64_t offset, uint8_t *data,
                        unsigned len, bool is_write);

/*
 * Health notifications: @fn(@opaque, slot) is called when the DIMM in
 * @slot should get Notify 0x81 (a threshold crossed, an injected fatal
 * error or unsafe shutdown). Called with the DSM lock held, from the
 * doorbell write (a vCPU thread): it must not call back into the DSM.
 * NULL drops it.
 */
typedef void (*NvDsmNotifyFn)(void *opaque, uint32_t slot);
void nv_dsm_set_notify(NvDsm *dsm, NvDsmNotifyFn fn, void *opaque);
/* The slot NvDsmNotifyFn gets for Notify (\_SB.NVDR, 0x81) on the root
 * device: new uncorrectable errors, the guest should scrub (ARS). */
#define NV_DSM_NOTIFY_ROOT UINT32_MAX
/* Ask for that root notification (after the host added media errors
 * with notify; nv_dimm_media_add()'s @notify marks them known, so even a
 * short ARS reports them). Call with the DSM lock held (nv_dsm_lock()). */
void nv_dsm_notify_uc_error(NvDsm *dsm);

/* Take and drop the DSM lock, for code outside a request that reads or
 * changes a DIMM's run-time state (NvDimmState.health) while the guest
 * runs (the host-side commands of issue 13). */
void nv_dsm_lock(NvDsm *dsm);
void nv_dsm_unlock(NvDsm *dsm);
/*
 * The host's side of a DIMM's health (QMP x-nvdimm-set-health and
 * x-nvdimm-query-health), under the DSM lock so a guest's call sees the
 * health before or after a change, never half of it.
 * nv_dsm_update_health() applies @u to @dimm (an NVDIMM of this device)
 * and sends the DIMM Notify 0x81 through the nv_dsm_set_notify() hook:
 * with @notify NV_DSM_NOTIFY_AUTO when nv_health_apply() says the guest
 * would be told (as Inject SMART does), ALWAYS or NEVER as they say. A
 * changed shutdown count or state is written to the state file at once
 * (a failure: one warning line, as Inject SMART). Returns whether the
 * DIMM was notified. nv_dsm_read_health() copies the health out.
 */
typedef enum {
    NV_DSM_NOTIFY_AUTO,
    NV_DSM_NOTIFY_ALWAYS,
    NV_DSM_NOTIFY_NEVER,
} NvDsmNotifyMode;
bool nv_dsm_update_health(NvDsm *dsm, NvDimm *dimm, const NvHealthUpdate *u,
                          NvDsmNotifyMode notify);
void nv_dsm_read_health(NvDsm *dsm, const NvDimm *dimm, NvDimmHealth *out);

/* The FIT that Read FIT returns from now on (@len bytes at @fit, copied):
 * marks it changed, so a read at a non-zero offset answers
 * NV_DSM_FIT_CHANGED until the guest reads at 0 again. Thread-safe
 * against the guest's calls (takes the device's lock). */
void nv_dsm_set_fit(NvDsm *dsm, const void *fit, size_t len);

/* Requests served since creation (tests, benchmarks). */
uint64_t nv_dsm_calls(NvDsm *dsm);

#endif
