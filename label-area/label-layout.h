/*
 * label-area/label-layout.h — byte offsets of the on-media namespace-label
 * structures and little-endian accessors. Private to label-format.c and
 * label-encode.c.
 *
 * Offsets from UEFI 2.7 §13.19 (Label Index Block, Namespace Label) and
 * Linux's struct nd_namespace_index / struct nvdimm_efi_label
 * (drivers/nvdimm/label.h). Byte-wise access: no alignment or host-endian
 * assumptions about the buffer.
 */
#ifndef NVEMU_LABEL_LAYOUT_H
#define NVEMU_LABEL_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Index block header (72 bytes), then the free bitmap. */
enum {
    IDX_SIG       = 0,   /* 16 bytes "NAMESPACE_INDEX\0" */
    IDX_FLAGS     = 16,  /* 3 bytes, zero */
    IDX_LABELSIZE = 19,  /* label size = 1 << (7 + this), v1.2 and later */
    IDX_SEQ       = 20,  /* le32, low two bits cycle 1 -> 2 -> 3 -> 1 */
    IDX_MYOFF     = 24,  /* le64 */
    IDX_MYSIZE    = 32,  /* le64 */
    IDX_OTHEROFF  = 40,  /* le64 */
    IDX_LABELOFF  = 48,  /* le64 */
    IDX_NSLOT     = 56,  /* le32 */
    IDX_MAJOR     = 60,  /* le16 */
    IDX_MINOR     = 62,  /* le16 */
    IDX_CHECKSUM  = 64,  /* le64, Fletcher-64 of the block with this zeroed */
    IDX_FREE      = 72,  /* bitmap, bit n (LE bit order) set = slot n free */
};

/* Namespace label: 128 bytes (v1.1) or 256 (v1.2, fields from LBL_ALIGN). */
enum {
    LBL_UUID       = 0,   /* 16 bytes */
    LBL_NAME       = 16,  /* 64 bytes, NUL-terminated unless all 64 used */
    LBL_FLAGS      = 80,  /* le32 */
    LBL_NLABEL     = 84,  /* le16 */
    LBL_POSITION   = 86,  /* le16 */
    LBL_ISETCOOKIE = 88,  /* le64 */
    LBL_LBASIZE    = 96,  /* le64 */
    LBL_DPA        = 104, /* le64 */
    LBL_RAWSIZE    = 112, /* le64 */
    LBL_SLOT       = 120, /* le32 */
    LBL_ALIGN      = 124, /* u8, then 3 reserved bytes */
    LBL_TYPE_GUID  = 128, /* 16 bytes */
    LBL_ABSTRACTION_GUID = 144, /* 16 bytes, then 88 reserved bytes */
    LBL_CHECKSUM   = 248, /* le64, Fletcher-64 of the label with this zeroed */
    LBL_V12_SIZE   = 256,
    LBL_V11_SIZE   = 128,
};

/*
 * Compile-time checks: the offsets above against the structures as Linux
 * declares them (struct nd_namespace_index and struct nvdimm_efi_label in
 * drivers/nvdimm/label.h: natural alignment, no packing needed, which the
 * size checks confirm). A v1.1 label is the first 128 bytes of the same
 * layout (Linux's sizeof_namespace_label()).
 */
struct nv_label_index_layout {
    uint8_t sig[16];
    uint8_t flags[3];
    uint8_t labelsize;
    uint32_t seq;
    uint64_t myoff, mysize, otheroff, labeloff;
    uint32_t nslot;
    uint16_t major, minor;
    uint64_t checksum;
    uint8_t free[];
};
_Static_assert(offsetof(struct nv_label_index_layout, sig) == IDX_SIG &&
               offsetof(struct nv_label_index_layout, flags) == IDX_FLAGS &&
               offsetof(struct nv_label_index_layout, labelsize) ==
                   IDX_LABELSIZE &&
               offsetof(struct nv_label_index_layout, seq) == IDX_SEQ &&
               offsetof(struct nv_label_index_layout, myoff) == IDX_MYOFF &&
               offsetof(struct nv_label_index_layout, mysize) == IDX_MYSIZE &&
               offsetof(struct nv_label_index_layout, otheroff) ==
                   IDX_OTHEROFF &&
               offsetof(struct nv_label_index_layout, labeloff) ==
                   IDX_LABELOFF &&
               offsetof(struct nv_label_index_layout, nslot) == IDX_NSLOT &&
               offsetof(struct nv_label_index_layout, major) == IDX_MAJOR &&
               offsetof(struct nv_label_index_layout, minor) == IDX_MINOR &&
               offsetof(struct nv_label_index_layout, checksum) ==
                   IDX_CHECKSUM &&
               offsetof(struct nv_label_index_layout, free) == IDX_FREE,
               "index block offsets differ from struct nd_namespace_index");
_Static_assert(sizeof(struct nv_label_index_layout) == 72 &&
               IDX_FREE == NV_LABEL_INDEX_HEADER &&
               sizeof(NV_LABEL_INDEX_SIG) == NV_LABEL_INDEX_SIG_LEN,
               "index block header is 72 bytes, signature 16 with the NUL");

struct nv_label_layout {
    uint8_t uuid[16];
    uint8_t name[64];
    uint32_t flags;
    uint16_t nlabel, position;
    uint64_t isetcookie, lbasize, dpa, rawsize;
    uint32_t slot;
    uint8_t align;        /* v1.2 from here */
    uint8_t reserved[3];
    uint8_t type_guid[16];
    uint8_t abstraction_guid[16];
    uint8_t reserved2[88];
    uint64_t checksum;
};
_Static_assert(offsetof(struct nv_label_layout, uuid) == LBL_UUID &&
               offsetof(struct nv_label_layout, name) == LBL_NAME &&
               offsetof(struct nv_label_layout, flags) == LBL_FLAGS &&
               offsetof(struct nv_label_layout, nlabel) == LBL_NLABEL &&
               offsetof(struct nv_label_layout, position) == LBL_POSITION &&
               offsetof(struct nv_label_layout, isetcookie) ==
                   LBL_ISETCOOKIE &&
               offsetof(struct nv_label_layout, lbasize) == LBL_LBASIZE &&
               offsetof(struct nv_label_layout, dpa) == LBL_DPA &&
               offsetof(struct nv_label_layout, rawsize) == LBL_RAWSIZE &&
               offsetof(struct nv_label_layout, slot) == LBL_SLOT &&
               offsetof(struct nv_label_layout, align) == LBL_ALIGN &&
               offsetof(struct nv_label_layout, type_guid) == LBL_TYPE_GUID &&
               offsetof(struct nv_label_layout, abstraction_guid) ==
                   LBL_ABSTRACTION_GUID &&
               offsetof(struct nv_label_layout, checksum) == LBL_CHECKSUM,
               "label offsets differ from struct nvdimm_efi_label");
_Static_assert(sizeof(struct nv_label_layout) == LBL_V12_SIZE &&
               LBL_V12_SIZE == 256 && LBL_V11_SIZE == 128 &&
               LBL_ALIGN + 4 == LBL_V11_SIZE &&
               sizeof(((struct nv_label_layout *)0)->name) ==
                   NV_LABEL_NAME_LEN,
               "labels are 256 (v1.2) and 128 (v1.1) bytes, names 64");

/*
 * Fletcher-64 of @len bytes at @p with the 8-byte checksum field at
 * @csum_off treated as zero, without modifying the (const) buffer.
 */
uint64_t nv_label_csum_excluding(const uint8_t *p, uint64_t len,
                                 uint64_t csum_off);

/* Linux's nd_inc_seq(): 1 -> 2 -> 3 -> 1; 0 stays 0. */
static inline uint32_t nv_label_next_seq(uint32_t seq)
{
    static const uint32_t next[] = { 0, 2, 3, 1 };
    return next[seq & 3];
}

#endif
