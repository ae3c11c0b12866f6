/*
 * label-area/ — an NVDIMM's label storage area and the namespace-label
 * format written into it.
 *
 * Two halves:
 *  1. NvLabelStore: where the bytes live (the tail of the backing file, or a
 *     separate label file) and the only way to read and write them. A write
 *     returns success only once the bytes are persisted (hostmem persist).
 *  2. The namespace-label codec (UEFI 2.7 §13.19, v1.2, and the v1.1 layout
 *     Linux also writes): index blocks, labels, Fletcher-64 checksums, the
 *     free-slot bitmap and sequence numbers. Used by tools/nvemu-label and
 *     the tests; the device model itself never interprets label contents.
 *
 * Contract: every function bounds-checks against the area size and works on
 * untrusted bytes without reading or writing outside them. No KVM.
 */
#ifndef NVEMU_LABEL_AREA_H
#define NVEMU_LABEL_AREA_H

#include "hostmem.h"

/* ---- 1. storage ------------------------------------------------------ */

typedef struct {
    NvHostMem *mem;     /* backing: the memdev (tail) or the label file */
    uint64_t offset;    /* where the label area starts inside mem */
    uint64_t size;      /* label area size in bytes */
    bool readonly;      /* writes refused (read-only backend, or unarmed) */
} NvLabelStore;

/* A store over [offset, offset+size) of a realized backend. */
bool nv_label_store_init(NvLabelStore *ls, NvHostMem *mem, uint64_t offset,
                         uint64_t size, bool readonly, GError **errp);
bool nv_label_store_read(const NvLabelStore *ls, uint64_t off, void *buf,
                         uint64_t len, GError **errp);
/* Copies then persists; false (nothing claimed durable) if either fails. */
bool nv_label_store_write(NvLabelStore *ls, uint64_t off, const void *buf,
                          uint64_t len, GError **errp);

/* ---- 2. the namespace-label format ----------------------------------- */
/* (codec API: see label-format.c; declared below) */

#endif
