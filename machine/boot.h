/*
 * machine/boot.h — direct Linux boot (boot.c, boot-elf.c, kernel-unpack.c) and the
 * boot files' preflight checks (preflight.c).
 */
#ifndef NVEMU_MACHINE_BOOT_H
#define NVEMU_MACHINE_BOOT_H

#include "board.h"

/*
 * Low-memory layout of a direct 64-bit boot (Documentation/arch/x86/
 * boot.rst): GDT, identity page tables for the first 4 GiB, the zero page
 * (boot_params), setup_data, the command line, a bzImage at 1 MiB (a
 * vmlinux at its physical link address, 16 MiB on x86-64), the initrd as
 * high as it may go below the firmware area.
 */
#define NV_BOOT_GDT          UINT64_C(0x500)
#define NV_BOOT_PML4         UINT64_C(0x1000) /* + PDPT, 4 page directories */
#define NV_BOOT_ZERO_PAGE    UINT64_C(0x7000)
#define NV_BOOT_SETUP_DATA   UINT64_C(0x8000) /* setup_data list (RNG seed) */
#define NV_BOOT_CMDLINE      UINT64_C(0x20000)
#define NV_BOOT_CMDLINE_MAX  UINT64_C(0x10000)
#define NV_BOOT_KERNEL       UINT64_C(0x100000)
#define NV_BOOT_EBDA         UINT64_C(0x9FC00) /* [EBDA, 1M) is reserved */
#define NV_BOOT_RESET_VECTOR UINT64_C(0xFFFF0) /* F000:FFF0 */
#define NV_BOOT_CS           0x10             /* __BOOT_CS */
#define NV_BOOT_DS           0x18             /* __BOOT_DS */
#define NV_BOOT_GDT_LIMIT    (4 * 8 - 1)      /* null, null, CS, DS */

enum { NV_E820_RAM = 1, NV_E820_RESERVED = 2 };
typedef struct {
    uint64_t addr, size;
    uint32_t type;
} NvE820Entry;

/* The guest's e820 map: RAM, the reserved BIOS area and firmware area,
 * and each pc-dimm as RAM. NVDIMMs are not in it (the NFIT describes them). */
GArray *nv_board_e820(const NvBoard *board);

/* Where the vCPU starts: 64-bit entry, boot_params in RSI, page tables. */
typedef struct {
    uint64_t entry;
    uint64_t boot_params;
    uint64_t cr3;
    uint64_t gdt;          /* NV_BOOT_GDT_LIMIT bytes long */
} NvBootInfo;

/*
 * Load a bzImage (boot protocol >= 2.12 with XLF_KERNEL_64), the initrd
 * and the command line into guest RAM, and write the zero page (with the
 * e820 map and acpi_rsdp_addr), GDT and page tables. Errors name the file
 * and what is wrong with it.
 */
/* The boot GDT (4 descriptors: flat 64-bit code at __BOOT_CS, flat data at
 * __BOOT_DS) at @gdt; also used by the KVM probe guest. */
void nv_boot_write_gdt(uint8_t *gdt);

bool nv_boot_linux(NvBoard *board, const char *kernel, const char *initrd,
                   const char *cmdline, uint64_t rsdp_addr, NvBootInfo *info,
                   GError **errp);

/* The bzImage header checks (boot protocol 2.12+, a 64-bit entry point),
 * for boot.c and preflight.c alike: @k holds the first @len bytes of a
 * @file_len-byte kernel; a header needs NV_BOOT_HDR_LEN of them. Gives
 * where the protected-mode code starts and the kernel's cmdline_size. */
#define NV_BOOT_HDR_LEN 0x270
bool nv_boot_check_bzimage(const char *path, const uint8_t *k, gsize len,
                           uint64_t file_len, gsize *payload_off,
                           uint32_t *cmdline_size, GError **errp);

/* preflight.c: before any file is created, check that -kernel (and
 * -initrd) is a readable regular file, that -kernel is a bzImage or a
 * vmlinux, and that -append fits its command-line size; -initrd or -append
 * without -kernel is an error, as in QEMU. */
bool nv_boot_preflight(const char *kernel, const char *initrd,
                       const char *append, GError **errp);
/* The limit guest physical addresses must stay below, and where it comes
 * from: NVEMU_PHYS_BITS=N (tests), else the host CPU (CPUID 0x80000008). */
bool nv_host_phys_limit(uint64_t *limit, const char **from, GError **errp);

/* kernel-unpack.c: the vmlinux in a bzImage's payload (@p, @plen bytes,
 * ending in its 4-byte decompressed size) when it is xz or gzip: read from
 * @cache_dir (NULL: no cache) if there, else decompressed now and stored
 * there. NULL without an error: another format, boot it as a bzImage; NULL
 * with an error: a corrupt payload. */
GBytes *nv_kernel_unpack(const char *path, const uint8_t *p, gsize plen,
                         const char *cache_dir, GError **errp);
/* $NVEMU_CACHE_DIR/kernels (NULL if NVEMU_CACHE_DIR is empty), else
 * $XDG_CACHE_HOME/nvemu/kernels. It keeps the NV_KERNEL_CACHE_KEEP most
 * recently used kernels. */
#define NV_KERNEL_CACHE_KEEP 4
char *nv_kernel_cache_dir(void);
/* The cache's file name for payload @p: "<CRC-64 in hex>-<length>.vmlinux"
 * (liblzma's CRC-64, ECMA-182, as xz uses it). */
char *nv_kernel_cache_name(const uint8_t *p, gsize plen);

/* boot-elf.c: an uncompressed vmlinux (64-bit x86 ELF executable). */
bool nv_boot_is_elf(const uint8_t *data, gsize len);
/* Copy its PT_LOAD segments to their physical addresses, which must lie in
 * RAM between 1 MiB and the firmware area; *entry is e_entry (physical
 * startup_64), *end the end of the highest segment. */
bool nv_boot_load_elf(NvBoard *board, const char *path, const uint8_t *data,
                      gsize len, uint64_t *entry, uint64_t *end,
                      GError **errp);

#endif
