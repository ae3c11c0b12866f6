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
 *  - Calls are serialized: one request at a time per device, whatever the
 *    number of vCPUs ringing the doorbell.
 *  - No KVM: tests write the mailbox and ring the doorbell themselves.
 */
#ifndef NVEMU_DSM_H
#define NVEMU_DSM_H

#include "nvdimm.h"

/* ---- mailbox layout (little-endian) ---------------------------------- */
#define NV_DSM_MAILBOX_SIZE  (132 * KiB)
/* request, written by the guest */
#define NV_DSM_REQ_HANDLE    0x00 /* u32: 0 = root, slot + 1 = NVDIMM */
#define NV_DSM_REQ_REVISION  0x04 /* u32: _DSM Arg1 */
#define NV_DSM_REQ_FUNCTION  0x08 /* u32: _DSM Arg2 */
#define NV_DSM_REQ_IN_LEN    0x0C /* u32: bytes of Arg3 that follow */
#define NV_DSM_REQ_IN        0x10 /* Arg3 bytes */
#define NV_DSM_IN_MAX        (NV_DSM_MAILBOX_SIZE - NV_DSM_REQ_IN)
/* response, written by nvemu over the request */
#define NV_DSM_RESP_OUT_LEN  0x00 /* u32: bytes of the _DSM result buffer */
#define NV_DSM_RESP_OUT      0x04 /* the result buffer */
#define NV_DSM_OUT_MAX       (NV_DSM_MAILBOX_SIZE - NV_DSM_RESP_OUT)

/* Largest label transfer per call (Get Label Size's "max transfer"). */
#define NV_DSM_MAX_XFER      (128 * KiB)

/* Doorbell: a 4-byte MMIO register; the value written is the mailbox
 * number, which must be 0 (one mailbox per machine). */
#define NV_DSM_DOORBELL_SIZE 4

#define NV_DSM_REVISION      1

/* Status codes (first u32 of every result but function 0's bitmap). */
enum {
    NV_DSM_OK = 0,
    NV_DSM_UNSUPPORTED = 1,   /* function, revision or feature not here */
    NV_DSM_NO_DEVICE = 2,     /* no NVDIMM has this handle */
    NV_DSM_INVALID_INPUT = 3, /* bad length, offset, size */
    NV_DSM_HW_ERROR = 4,      /* the host could not read or persist */
};

/* Function numbers of the Intel-family per-DIMM _DSM used here. */
enum {
    NV_DSM_FN_QUERY = 0,
    NV_DSM_FN_GET_LABEL_SIZE = 4,
    NV_DSM_FN_GET_LABEL_DATA = 5,
    NV_DSM_FN_SET_LABEL_DATA = 6,
};

typedef struct NvDsm NvDsm;

/*
 * @mailbox: nvemu's view of the mailbox in guest RAM (NV_DSM_MAILBOX_SIZE
 * bytes); @dimms: NvDimm * (realized; pc-dimms are ignored), borrowed.
 */
NvDsm *nv_dsm_new(uint8_t *mailbox, GPtrArray *dimms);
void nv_dsm_free(NvDsm *dsm);

/* The doorbell register's I/O handler (see machine/iobus): a 4-byte write
 * processes the mailbox; reads return the number of requests served. */
void nv_dsm_doorbell_io(void *opaque, uint64_t offset, uint8_t *data,
                        unsigned len, bool is_write);

/* Requests served since creation (tests, benchmarks). */
uint64_t nv_dsm_calls(NvDsm *dsm);

#endif
