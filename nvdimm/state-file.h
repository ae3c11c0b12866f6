/*
 * nvdimm/state-file.h — an NVDIMM's own state file (-device
 * nvdimm,state-file=PATH): what must outlive one nvemu run. The format
 * (docs/health.md), little-endian:
 *
 *   0   8  magic "NVEMUSTA"
 *   8   4  version (1)
 *   12  4  size of the whole file, checksum included (48 + 16 n)
 *   16  4  flags: bit 0 RUNNING (nvemu is running the DIMM: a file still
 *          RUNNING at the next start means that run died uncleanly)
 *   20  4  unsafe-shutdown count
 *   24  1  shutdown state (0 clean, 1 dirty), 3 bytes reserved
 *   28  4  n: media-error records that follow
 *   32  8  reserved (0)
 *   40 16n records { u64 DIMM offset, u64 length }: the media-error
 *          list (media-errors.h), sorted, disjoint, each inside the DIMM
 *   40+16n 8  Fletcher-64 (label-area's nv_fletcher64, little-endian
 *          words) of every byte before it
 *
 * Written atomically: a temporary file in the same directory, fsync,
 * rename over the old one, fsync of the directory.
 */
#ifndef NVEMU_STATE_FILE_H
#define NVEMU_STATE_FILE_H

#include "nvdimm.h"

#define NV_STATE_MAGIC         "NVEMUSTA"
#define NV_STATE_VERSION       1
#define NV_STATE_HEADER        40
#define NV_STATE_RECORD        16
#define NV_STATE_MIN_SIZE      (NV_STATE_HEADER + 8)
#define NV_STATE_MAX_RECORDS   65536
#define NV_STATE_FLAG_RUNNING  0x1u

typedef struct {
    uint64_t offset, length;
} NvStateRecord;

typedef struct {
    uint32_t flags;
    uint32_t shutdown_count;
    uint8_t shutdown_state;
    GArray *records;   /* NvStateRecord; kept as read, written back */
} NvStateData;

/* Decode @len bytes; on failure a message saying what is wrong (no
 * prefix). On success out->records is a new array. */
bool nv_state_decode(const uint8_t *buf, size_t len, NvStateData *out,
                     GError **errp);
GByteArray *nv_state_encode(const NvStateData *d);

/*
 * Open @path for @dimm: read it (a missing file is a new DIMM: count 0,
 * clean, no media error), apply an unclean end of the last run (RUNNING
 * still set: count + 1, state dirty) to its health, load its media-error
 * records into dimm->state.media_errors (each must lie inside the DIMM;
 * they are merged and rounded as nv_media_list_add() does), and write it
 * back RUNNING. Errors name the DIMM and @path in one line.
 */
NvStateFile *nv_state_file_open(const char *path, NvDimm *dimm,
                                GError **errp);
/* Write @h's count and state and @media's ranges (NvMediaError, or NULL:
 * none); RUNNING unless @clean (a clean end: the state is written
 * clean). */
bool nv_state_file_save(NvStateFile *sf, const NvDimmHealth *h,
                        const GArray *media, bool clean, GError **errp);
/* Put the file back as nv_state_file_open() found it (its bytes, or no
 * file): a device_add that failed after opening it leaves it as it was. */
bool nv_state_file_restore(NvStateFile *sf, GError **errp);
const char *nv_state_file_path(const NvStateFile *sf);
/* Before anything is created: each state file is a regular file or
 * missing, and no other file of the machine (a backend's mem-path, a
 * label-file, another DIMM's state file; compared by device and inode,
 * or by canonical path while missing): its atomic rewrite would replace
 * that file. */
bool nv_state_files_check(GPtrArray *dimms, GPtrArray *backends,
                          GError **errp);
/* @d has a state file and it is @other (NULL: no file), compared as
 * nv_state_files_check() does. */
bool nv_state_file_same(const NvDimm *d, const char *other);
void nv_state_file_free(NvStateFile *sf);

#endif
