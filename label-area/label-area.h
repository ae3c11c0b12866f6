/*
 * label-area/ — an NVDIMM's label storage area and the namespace-label
 * format written into it.
 *
 * Two halves:
 *  1. NvLabelStore: where the bytes live (the tail of the backing file, or a
 *     separate label file) and the only way to read and write them. A write
 *     returns success only once the bytes are persisted (hostmem persist);
 *     a write that fails leaves the area as it was (best effort, said in
 *     the error). Files and block devices are accessed with pread/pwrite,
 *     so a full filesystem is an error, never a SIGBUS.
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
/*
 * Reads the old bytes, writes the new ones, persists them. If the write or
 * the persist fails, the bytes that were written are put back (and
 * persisted) before returning false; the error's message is the cause in
 * a few words (errno text, "cannot persist: ..."), and says so when even
 * the restore failed. The caller names the device and the file.
 */
bool nv_label_store_write(NvLabelStore *ls, uint64_t off, const void *buf,
                          uint64_t len, GError **errp);
/* The file holding the label area (label-file or mem-path); NULL for RAM. */
const char *nv_label_store_file(const NvLabelStore *ls);

/* ---- 2. the namespace-label format ----------------------------------- */
/*
 * On-media layout (UEFI 2.7 §13.19; Linux drivers/nvdimm/label.[ch]), all
 * integers little-endian:
 *
 *     [index block 0][index block 1][label slot 0] ... [label slot nslot-1]
 *
 * An index block is a 72-byte header followed by the free-slot bitmap (bit
 * set = slot free), padded to a multiple of 256 bytes. Labels are 128 bytes
 * (v1.1) or 256 bytes (v1.2, which adds align, type/abstraction GUIDs and a
 * Fletcher-64 checksum). The index block size, the slot count and which
 * index block is current follow Linux exactly (label-format.c cites where).
 *
 * Everything here works on a caller-provided byte buffer holding the whole
 * area (untrusted: any size, any bytes); nothing reads or writes outside
 * [area, area + size). No I/O.
 */

#define NV_LABEL_INDEX_SIG       "NAMESPACE_INDEX" /* 16 bytes with the NUL */
#define NV_LABEL_INDEX_SIG_LEN   16
#define NV_LABEL_INDEX_HEADER    72   /* fixed part; the bitmap follows */
#define NV_LABEL_INDEX_ALIGN     256
#define NV_LABEL_NAME_LEN        64
#define NV_LABEL_MAX_AREA        UINT32_MAX /* config_size is 32-bit (_DSM) */

/* Label flags (UEFI 2.7 Table 239; Linux NSLABEL_FLAG_*). */
enum {
    NV_LABEL_FLAG_ROLABEL  = 0x1,
    NV_LABEL_FLAG_LOCAL    = 0x2,
    NV_LABEL_FLAG_BTT      = 0x4,
    NV_LABEL_FLAG_UPDATING = 0x8,
};

typedef enum {
    NV_LABEL_V1_1 = 101, /* 128-byte labels, no label checksum */
    NV_LABEL_V1_2 = 102, /* 256-byte labels */
} NvLabelVersion;

/* `ndctl init-labels` without --label-version writes v1.1. */
#define NV_LABEL_VERSION_DEFAULT NV_LABEL_V1_1

/* "1.1" or "1.2". */
bool nv_label_version_parse(const char *str, NvLabelVersion *out,
                            GError **errp);
uint32_t nv_label_version_label_size(NvLabelVersion v); /* 128 or 256 */

/*
 * Fletcher-64 over @len / 4 32-bit words (a trailing partial word is
 * ignored), as Linux's nd_fletcher64(): words read little-endian when @le,
 * in host order otherwise. The label format always uses @le = true.
 */
uint64_t nv_fletcher64(const void *buf, size_t len, bool le);

typedef struct {
    uint64_t area_size;
    uint32_t label_size;   /* 128 or 256 */
    uint32_t index_size;   /* bytes per index block, a multiple of 256 */
    uint32_t nslot;        /* label slots */
    uint64_t label_offset; /* first slot: 2 * index_size */
} NvLabelGeometry;

/*
 * Geometry Linux derives for an area of @area_size bytes holding
 * @label_size-byte labels. Error when the area cannot hold two index
 * blocks and two labels, is larger than NV_LABEL_MAX_AREA, or @label_size
 * is neither 128 nor 256.
 */
bool nv_label_geometry(uint64_t area_size, uint32_t label_size,
                       NvLabelGeometry *geom, GError **errp);

/* One index block as found in the area. */
typedef struct {
    uint64_t offset;       /* where it was read (depends on the label size) */
    bool readable;         /* the 72-byte header lies inside the area */
    bool has_signature;    /* it starts with "NAMESPACE_INDEX\0" */
    bool valid;            /* passes Linux's checks (and is v1.1/1.2) */
    bool current;
    char *reason;          /* why it is invalid; NULL when valid */
    /* Header fields as stored (meaningful when readable). */
    uint8_t labelsize;     /* log2(label size) - 7 for v1.2 */
    uint32_t seq;
    uint64_t myoff, mysize, otheroff, labeloff;
    uint32_t nslot;
    uint16_t major, minor;
    uint64_t checksum;
    uint32_t nfree;        /* free slots among the first nslot (valid only) */
} NvLabelIndex;

/* One in-use label slot of the current index block. */
typedef struct {
    uint32_t slot;         /* its position in the slot array */
    uint64_t offset;       /* byte offset in the area */
    uint8_t uuid[16];
    char name[NV_LABEL_NAME_LEN + 1]; /* up to the first NUL, NUL-ended */
    size_t name_len;
    bool name_terminated;  /* the 64 stored bytes contain a NUL */
    uint32_t flags;
    uint16_t nlabel, position;
    uint64_t isetcookie, lbasize, dpa, rawsize;
    uint32_t slot_field;   /* the label's own slot field */
    bool has_v12_fields;   /* a 256-byte label: the fields below exist */
    uint8_t align;
    uint8_t type_guid[16], abstraction_guid[16]; /* stored byte order */
    uint64_t checksum;
    bool checksum_ok;      /* true for 128-byte labels (they have none) */
    bool valid;            /* Linux uses it: slot field and checksum match */
} NvLabel;

/* A parsed label area. */
typedef struct {
    uint64_t area_size;
    NvLabelIndex index[2];
    int current;           /* 0 or 1; -1 when no index block is valid */
    NvLabelGeometry geom;  /* for the label size in use (current >= 0) */
    GArray *labels;        /* NvLabel, in-use slots in slot order (capped) */
    uint64_t labels_in_use; /* all in-use slots, even beyond the cap */
    GPtrArray *problems;   /* char *, one per problem `check` reports */
} NvLabelSet;

/*
 * Parse an area: validate both index blocks, pick the current one as
 * Linux's nd_label_validate() does, list the in-use labels and collect
 * problems. Never fails; an area without a valid index block has
 * current == -1 and a problem saying why.
 */
NvLabelSet *nv_label_parse(const uint8_t *area, uint64_t size);
void nv_label_set_free(NvLabelSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvLabelSet, nv_label_set_free)

/* "pmem", "btt", "btt2", "pfn", "dax", "none" for well-known type and
 * abstraction GUIDs (given in stored byte order), else NULL. */
const char *nv_label_guid_name(const uint8_t guid[16]);

/* ---- writing (label-encode.c) ---- */

/*
 * Initialize an area as `ndctl init-labels` and Linux's init_labels() do:
 * both index blocks rewritten (index 0 seq 3, index 1 seq 2, so index 0 is
 * current), every slot free. The label slots are left as they are; only
 * [0, 2 * index_size) changes. Returns the geometry used in @geom (may be
 * NULL).
 */
bool nv_label_init(uint8_t *area, uint64_t size, NvLabelVersion version,
                   NvLabelGeometry *geom, GError **errp);

/* Write index block @which (0 or 1) fresh, all slots free, with @seq
 * (Linux's nd_label_write_index() with ND_NSINDEX_INIT). */
bool nv_label_write_index(uint8_t *area, uint64_t size, uint32_t label_size,
                          unsigned which, uint32_t seq, GError **errp);

/* A namespace label to write. */
typedef struct {
    uint8_t uuid[16];
    const char *name;      /* NULL or up to 64 bytes (64: no NUL stored) */
    uint32_t flags;
    uint16_t nlabel, position;
    uint64_t isetcookie, lbasize, dpa, rawsize;
    uint8_t align;         /* these three: 256-byte labels only */
    uint8_t type_guid[16], abstraction_guid[16]; /* stored byte order */
} NvLabelSpec;

/*
 * Write @spec into @slot: the slot is zeroed, the label's slot field set to
 * @slot and, for 256-byte labels, its checksum computed. The index blocks
 * are not touched (see nv_label_update_index()).
 */
bool nv_label_write_label(uint8_t *area, uint64_t size, uint32_t label_size,
                          uint32_t slot, const NvLabelSpec *spec,
                          GError **errp);

/*
 * Commit a label change the way Linux does (__pmem_label_update(),
 * nd_label_write_index()): copy the current index block over the other
 * one, mark @slots in use (@in_use) or free in the copy, give it the next
 * sequence number and a new checksum. The copy becomes current. Error when
 * there is no valid index block or a slot is out of range.
 */
bool nv_label_update_index(uint8_t *area, uint64_t size, const uint32_t *slots,
                           size_t nslots, bool in_use, GError **errp);
/*
 * The same commit with @used slots marked in use and @freed slots marked
 * free in the one new index block, as Linux's __pmem_label_update() does
 * for an update (the new label's slot allocated, the old one freed, one
 * index write). Either list may be empty (NULL, 0).
 */
bool nv_label_commit_index(uint8_t *area, uint64_t size, const uint32_t *used,
                           size_t nused, const uint32_t *freed, size_t nfreed,
                           GError **errp);

#endif
