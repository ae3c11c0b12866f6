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
