/*
 * machine/boot.c — direct 64-bit boot of a Linux bzImage, following the
 * x86 boot protocol (Documentation/arch/x86/boot.rst): load the protected-
 * mode kernel at 1 MiB, fill in the zero page (boot_params), and leave the
 * CPU state the 64-bit entry point expects (long mode, identity-mapped page
 * tables, __BOOT_CS/__BOOT_DS flat segments, RSI = zero page).
 */
#include "boot.h"

#include <stddef.h>
#include <string.h>
#include <sys/random.h>

/* Offsets in the bzImage / boot_params (boot.rst, "The real-mode kernel
 * header", and arch/x86/include/uapi/asm/bootparam.h). */
enum {
    BP_ACPI_RSDP_ADDR = 0x070, /* u64, boot_params */
    BP_E820_ENTRIES = 0x1E8,   /* u8 */
    HDR_START = 0x1F1,         /* setup header starts here */
    HDR_SETUP_SECTS = 0x1F1,   /* u8, 0 means 4 */
    HDR_VID_MODE = 0x1FA,      /* u16 */
    HDR_BOOT_FLAG = 0x1FE,     /* u16, 0xAA55 */
    HDR_JUMP = 0x200,          /* jump; byte 0x201 = header length - 0x202 */
    HDR_MAGIC = 0x202,         /* "HdrS" */
    HDR_VERSION = 0x206,       /* u16 */
    HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211,
    HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21C,
    HDR_HEAP_END_PTR = 0x224,
    HDR_CMD_LINE_PTR = 0x228,
    HDR_INITRD_ADDR_MAX = 0x22C,
    HDR_XLOADFLAGS = 0x236,    /* u16 */
    HDR_CMDLINE_SIZE = 0x238,  /* u32 */
    HDR_PAYLOAD_OFFSET = 0x248, /* u32, from the protected-mode code */
    HDR_PAYLOAD_LENGTH = 0x24C, /* u32 */
    HDR_SETUP_DATA = 0x250,    /* u64, protocol 2.09+ */
    HDR_INIT_SIZE = 0x260,     /* u32 */
    BP_E820_TABLE = 0x2D0,     /* 128 entries of 20 bytes */
    BP_E820_MAX = 128,
    BP_SIZE = 0x1000,
};
#define LOADED_HIGH   0x01
#define CAN_USE_HEAP  0x80
#define XLF_KERNEL_64 0x0001
#define PAGE          UINT64_C(4096)

/*
 * Compile-time checks of the offsets above against the zero page as Linux
 * declares it (struct boot_params, setup_header, boot_e820_entry and
 * setup_data in arch/x86/include/uapi/asm/bootparam.h, all packed;
 * Documentation/arch/x86/zero-page.rst). Members nvemu does not write are
 * byte arrays of their size there.
 */
struct nv_setup_header_layout {
    uint8_t setup_sects;
    uint16_t root_flags;
    uint32_t syssize;
    uint16_t ram_size, vid_mode, root_dev, boot_flag, jump;
    uint32_t header;
    uint16_t version;
    uint32_t realmode_swtch;
    uint16_t start_sys_seg, kernel_version;
    uint8_t type_of_loader, loadflags;
    uint16_t setup_move_size;
    uint32_t code32_start, ramdisk_image, ramdisk_size, bootsect_kludge;
    uint16_t heap_end_ptr;
    uint8_t ext_loader_ver, ext_loader_type;
    uint32_t cmd_line_ptr, initrd_addr_max, kernel_alignment;
    uint8_t relocatable_kernel, min_alignment;
    uint16_t xloadflags;
    uint32_t cmdline_size, hardware_subarch;
    uint64_t hardware_subarch_data;
    uint32_t payload_offset, payload_length;
    uint64_t setup_data, pref_address;
    uint32_t init_size, handover_offset, kernel_info_offset;
} __attribute__((packed));

struct nv_e820_entry_layout {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

struct nv_setup_data_layout {
    uint64_t next;
    uint32_t type, len;
    uint8_t data[];
};

struct nv_boot_params_layout {
    uint8_t screen_info[0x40], apm_bios_info[0x14], pad2[4];
    uint64_t tboot_addr;
    uint8_t ist_info[0x10];
    uint64_t acpi_rsdp_addr;
    uint8_t pad3[8], hd0_info[16], hd1_info[16], sys_desc_table[0x10];
    uint8_t olpc_ofw_header[0x10];
    uint32_t ext_ramdisk_image, ext_ramdisk_size, ext_cmd_line_ptr;
    uint8_t pad4[112];
    uint32_t cc_blob_address;
    uint8_t edid_info[0x80], efi_info[0x20];
    uint32_t alt_mem_k, scratch;
    uint8_t e820_entries, eddbuf_entries, edd_mbr_sig_buf_entries;
    uint8_t kbd_status, secure_boot, pad5[2], sentinel, pad6[1];
    struct nv_setup_header_layout hdr;
    uint8_t pad7[0x290 - 0x1f1 - sizeof(struct nv_setup_header_layout)];
    uint32_t edd_mbr_sig_buffer[16];
    struct nv_e820_entry_layout e820_table[128];
    uint8_t pad8[48], eddbuf[6 * 82], pad9[276];
} __attribute__((packed));

#define BP_OFF(f) offsetof(struct nv_boot_params_layout, f)
#define HDR_OFF(f) (BP_OFF(hdr) + offsetof(struct nv_setup_header_layout, f))
_Static_assert(sizeof(struct nv_boot_params_layout) == BP_SIZE &&
               BP_OFF(acpi_rsdp_addr) == BP_ACPI_RSDP_ADDR &&
               BP_OFF(e820_entries) == BP_E820_ENTRIES &&
               BP_OFF(hdr) == HDR_START &&
               BP_OFF(e820_table) == BP_E820_TABLE &&
               sizeof(((struct nv_boot_params_layout *)0)->e820_table) ==
                   BP_E820_MAX * 20 &&
               sizeof(struct nv_e820_entry_layout) == 20,
               "zero page offsets differ from struct boot_params");
_Static_assert(sizeof(struct nv_setup_header_layout) == 0x26C - 0x1F1 &&
               HDR_OFF(setup_sects) == HDR_SETUP_SECTS &&
               HDR_OFF(vid_mode) == HDR_VID_MODE &&
               HDR_OFF(boot_flag) == HDR_BOOT_FLAG &&
               HDR_OFF(jump) == HDR_JUMP && HDR_OFF(header) == HDR_MAGIC &&
               HDR_OFF(version) == HDR_VERSION &&
               HDR_OFF(type_of_loader) == HDR_TYPE_OF_LOADER &&
               HDR_OFF(loadflags) == HDR_LOADFLAGS &&
               HDR_OFF(ramdisk_image) == HDR_RAMDISK_IMAGE &&
               HDR_OFF(ramdisk_size) == HDR_RAMDISK_SIZE &&
               HDR_OFF(heap_end_ptr) == HDR_HEAP_END_PTR &&
               HDR_OFF(cmd_line_ptr) == HDR_CMD_LINE_PTR &&
               HDR_OFF(initrd_addr_max) == HDR_INITRD_ADDR_MAX &&
               HDR_OFF(xloadflags) == HDR_XLOADFLAGS &&
               HDR_OFF(cmdline_size) == HDR_CMDLINE_SIZE &&
               HDR_OFF(payload_offset) == HDR_PAYLOAD_OFFSET &&
               HDR_OFF(payload_length) == HDR_PAYLOAD_LENGTH &&
               HDR_OFF(setup_data) == HDR_SETUP_DATA &&
               HDR_OFF(init_size) == HDR_INIT_SIZE,
               "setup header offsets differ from struct setup_header");
_Static_assert(offsetof(struct nv_setup_data_layout, type) == 8 &&
               offsetof(struct nv_setup_data_layout, len) == 12 &&
               offsetof(struct nv_setup_data_layout, data) == 16,
               "setup_data: next, type, len, then the data at 16");
#undef BP_OFF
#undef HDR_OFF

GArray *nv_board_e820(const NvBoard *b)
{
    const NvMemLayout *l = &b->cfg->layout;
    GArray *map = g_array_new(FALSE, FALSE, sizeof(NvE820Entry));
    const NvE820Entry low[] = {
        { 0, NV_BOOT_EBDA, NV_E820_RAM },
        { NV_BOOT_EBDA, NV_BOOT_KERNEL - NV_BOOT_EBDA, NV_E820_RESERVED },
        { NV_BOOT_KERNEL, b->fw_base - NV_BOOT_KERNEL, NV_E820_RAM },
        /* DSM mailbox and ACPI tables: the guest must leave them alone */
        { b->fw_base, NV_FW_AREA_SIZE, NV_E820_RESERVED },
    };
    g_array_append_vals(map, low, G_N_ELEMENTS(low));
    if (l->ram_above_4g) {
        NvE820Entry high = { 4 * GiB, l->ram_above_4g, NV_E820_RAM };
        g_array_append_val(map, high);
    }
    /* pc-dimms present at boot are plain RAM to the guest, onlined at boot
     * whatever its hotplug policy (the memory hotplug controller lists them
     * as present too, and the SRAT as hot-pluggable); NVDIMMs stay out: the
     * NFIT describes them. */
    for (guint i = 0; i < b->cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(b->cfg->dimms, i);
        if (d->kind == NV_DIMM_PC) {
            NvE820Entry e = { d->addr, d->size, NV_E820_RAM };
            g_array_append_val(map, e);
        }
    }
    return map;
}

/* Identity-map the first 4 GiB with 2 MiB pages: PML4 -> one PDPT -> four
 * page directories. */
static void write_page_tables(uint8_t *pt)
{
    const uint64_t present_rw = 0x3, huge = 0x80;
    memset(pt, 0, 6 * PAGE);
    nv_st64(pt, (NV_BOOT_PML4 + PAGE) | present_rw);
    for (uint64_t i = 0; i < 4; i++) {
        nv_st64(pt + PAGE + i * 8, (NV_BOOT_PML4 + (2 + i) * PAGE) | present_rw);
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t addr = i * GiB + j * 2 * MiB;
            nv_st64(pt + (2 + i) * PAGE + j * 8, addr | present_rw | huge);
        }
    }
}

void nv_boot_write_gdt(uint8_t *gdt)
{
    nv_st64(gdt + 0x00, 0);
    nv_st64(gdt + 0x08, 0);
    nv_st64(gdt + NV_BOOT_CS, UINT64_C(0x00AF9B000000FFFF)); /* G L P S type B */
    nv_st64(gdt + NV_BOOT_DS, UINT64_C(0x00CF93000000FFFF)); /* G D P S type 3 */
}

/*
 * The reset vector, F000:FFF0. A guest that reboots "through the BIOS"
 * jumps there in real mode; Linux does exactly that on a hardware-reduced
 * machine without EFI (reboot_init() picks EFI, efi_reboot() does nothing,
 * the next method is machine_real_restart()). Real firmware keeps a ROM
 * there; nvemu keeps three instructions that write the FADT reset register:
 *   mov dx, NV_PIO_PM_BASE + 2;  mov al, 1;  out dx, al;  hlt;  jmp $-1
 */
static void write_reset_vector(uint8_t *p)
{
    const uint16_t port = NV_PIO_PM_BASE + 2;
    const uint8_t stub[] = {
        0xBA, (uint8_t)port, (uint8_t)(port >> 8), /* mov dx, port */
        0xB0, NV_ACPI_RESET_VALUE,                 /* mov al, value */
        0xEE,                                      /* out dx, al */
        0xF4,                                      /* hlt */
        0xEB, 0xFD,                                /* jmp back to hlt */
    };
    memcpy(p, stub, sizeof(stub));
}

bool nv_boot_check_bzimage(const char *path, const uint8_t *k, gsize len,
                           uint64_t file_len, gsize *payload_off,
                           uint32_t *cmdline_size, GError **errp)
{
    const char *why = NULL;
    if (len < NV_BOOT_HDR_LEN) {
        why = "too small to be a bzImage";
    } else if (nv_ld16(k + HDR_BOOT_FLAG) != 0xAA55 ||
               memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
        why = "not a Linux bzImage or vmlinux (no boot flag or HdrS header, "
              "no ELF header)";
    } else if (nv_ld16(k + HDR_VERSION) < 0x020C) {
        why = "boot protocol older than 2.12";
    } else if (!(nv_ld16(k + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        why = "no 64-bit entry point (XLF_KERNEL_64)";
    }
    if (!why) {
        unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
        *payload_off = (gsize)(sects + 1) * 512;
        *cmdline_size = nv_ld32(k + HDR_CMDLINE_SIZE);
        if (*payload_off >= file_len) {
            why = "setup_sects points past the end of the file";
        }
    }
    if (why) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "-kernel %s: %s", path,
                    why);
        return false;
    }
    return true;
}

static bool load_file(const char *opt, const char *path, char **data,
                      gsize *len, GError **errp)
{
    if (!g_file_get_contents(path, data, len, errp)) {
        nv_error_prefix(errp, "%s", opt);
        return false;
    }
    return true;
}

static void write_e820(const NvBoard *b, uint8_t *zp)
{
    g_autoptr(GArray) map = nv_board_e820(b);
    zp[BP_E820_ENTRIES] = (uint8_t)MIN(map->len, BP_E820_MAX);
    for (guint i = 0; i < map->len && i < BP_E820_MAX; i++) {
        const NvE820Entry *e = &g_array_index(map, NvE820Entry, i);
        uint8_t *p = zp + BP_E820_TABLE + i * 20;
        nv_st64(p, e->addr);
        nv_st64(p + 8, e->size);
        nv_st32(p + 16, e->type);
    }
}

/*
 * A random seed for the guest's RNG, as a setup_data entry of type
 * SETUP_RNG_SEED (9; Linux 6.0+ reads it, older kernels skip unknown types).
 * Linux credits it when it trusts the boot loader (RANDOM_TRUST_BOOTLOADER,
 * random.trust_bootloader), so 32 bytes make its random pool ready at boot.
 * Without it a guest with no RDRAND and no virtio-rng blocks in getrandom()
 * until its jitter entropy fills the pool: ndctl create-namespace, which
 * needs a uuid, then waits seconds. Returns the setup_data address, or 0
 * if the host has no randomness to give.
 */
static uint64_t write_rng_seed(NvBoard *b)
{
    enum { SETUP_RNG_SEED = 9, SEED_LEN = 32 };
    uint8_t *sd = nv_board_guest_ptr(b, NV_BOOT_SETUP_DATA, 16 + SEED_LEN);
    if (getrandom(sd + 16, SEED_LEN, GRND_NONBLOCK) != SEED_LEN) {
        return 0;
    }
    nv_st64(sd, 0); /* next: none */
    nv_st32(sd + 8, SETUP_RNG_SEED);
    nv_st32(sd + 12, SEED_LEN);
    return NV_BOOT_SETUP_DATA;
}

/*
 * The vmlinux in the payload of bzImage @k (protected-mode code at @pm_off),
 * unpacked on the host through the kernel cache: *out stays NULL when the
 * payload is in a format nvemu leaves to the guest's decompressor, or its
 * header fields point outside the file. False: the payload is corrupt.
 */
static bool host_unpack(const char *path, const uint8_t *k, gsize len,
                        gsize pm_off, GBytes **out, GError **errp)
{
    uint64_t off = (uint64_t)pm_off + nv_ld32(k + HDR_PAYLOAD_OFFSET);
    uint64_t n = nv_ld32(k + HDR_PAYLOAD_LENGTH);
    *out = NULL;
    if (off > len || n > len - off) {
        return true;
    }
    g_autofree char *cache = nv_kernel_cache_dir();
    GError *err = NULL;
    *out = nv_kernel_unpack(path, k + off, (gsize)n, cache, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

/* A setup header for a kernel that comes without one (a vmlinux ELF):
 * the fields the kernel reads from a boot loader that set up everything
 * itself. COMMAND_LINE_SIZE has been 2048 on x86 since Linux 2.6.22. */
static void synth_setup_header(uint8_t *zp)
{
    nv_st16(zp + HDR_BOOT_FLAG, 0xAA55);
    memcpy(zp + HDR_MAGIC, "HdrS", 4);
    nv_st16(zp + HDR_VERSION, 0x020F);
    nv_st32(zp + HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
    nv_st16(zp + HDR_XLOADFLAGS, XLF_KERNEL_64);
    nv_st32(zp + HDR_CMDLINE_SIZE, 2047);
}

bool nv_boot_linux(NvBoard *b, const char *kernel, const char *initrd,
                   const char *cmdline, uint64_t rsdp_addr, NvBootInfo *info,
                   GError **errp)
{
    g_autofree char *kdata = NULL, *idata = NULL;
    gsize klen = 0, ilen = 0, off = 0;
    if (!load_file("-kernel", kernel, &kdata, &klen, errp) ||
        (initrd && !load_file("-initrd", initrd, &idata, &ilen, errp))) {
        return false;
    }
    const uint8_t *k = (const uint8_t *)kdata;

    /* Zero page: the kernel's own setup header, then what the loader sets. */
    g_autofree uint8_t *zp = g_malloc0(BP_SIZE);
    g_autoptr(GBytes) vmlinux = NULL; /* unpacked from a bzImage */
    const uint8_t *elf = NULL;        /* the vmlinux to load, if any */
    gsize elen = 0;
    uint64_t entry, kernel_end;
    if (nv_boot_is_elf(k, klen)) {
        elf = k;
        elen = klen;
        synth_setup_header(zp);
    } else {
        uint32_t cmdline_size;
        if (!nv_boot_check_bzimage(kernel, k, klen, klen, &off, &cmdline_size,
                                   errp) ||
            (!b->cfg->kernel_unpack_guest &&
             !host_unpack(kernel, k, klen, off, &vmlinux, errp))) {
            return false;
        }
        size_t hdr_end = MIN((size_t)0x202 + k[HDR_JUMP + 1], (size_t)BP_SIZE);
        memcpy(zp + HDR_START, k + HDR_START, hdr_end - HDR_START);
        const uint8_t *v = vmlinux ? g_bytes_get_data(vmlinux, &elen) : NULL;
        if (v && nv_boot_is_elf(v, elen)) {
            elf = v; /* unpacked on the host: the bzImage's own header */
        } else {
            /* The kernel decompresses in place and needs init_size bytes. */
            entry = NV_BOOT_KERNEL + 0x200; /* the decompressor's startup_64 */
            kernel_end = NV_BOOT_KERNEL +
                         MAX(klen - off, (gsize)nv_ld32(k + HDR_INIT_SIZE));
        }
    }
    if (elf &&
        !nv_boot_load_elf(b, kernel, elf, elen, &entry, &kernel_end, errp)) {
        return false;
    }

    uint64_t initrd_max = nv_ld32(zp + HDR_INITRD_ADDR_MAX);
    uint64_t initrd_addr = 0, limit = MIN(b->fw_base, initrd_max + 1);
    if (initrd) {
        initrd_addr = ilen <= limit ? nv_align_down(limit - ilen, PAGE) : 0;
        if (initrd_addr < kernel_end) {
            g_autofree char *sz = nv_format_size(ilen);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "-initrd %s: %s does not fit in RAM below 0x%"
                        G_GINT64_MODIFIER "x next to the kernel (raise -m)",
                        initrd, sz, limit);
            return false;
        }
    } else if (kernel_end > b->fw_base) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-kernel %s: does not fit in RAM (raise -m)", kernel);
        return false;
    }
    uint32_t cmdline_max = nv_ld32(zp + HDR_CMDLINE_SIZE);
    size_t clen = cmdline ? strlen(cmdline) : 0;
    if (clen > MIN(cmdline_max, NV_BOOT_CMDLINE_MAX - 1)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "-append: %zu bytes, the kernel takes at most %u", clen,
                    cmdline_max);
        return false;
    }

    if (!elf) {
        memcpy(nv_board_guest_ptr(b, NV_BOOT_KERNEL, klen - off), k + off,
               klen - off);
    }
    if (initrd) {
        memcpy(nv_board_guest_ptr(b, initrd_addr, ilen), idata, ilen);
    }
    uint8_t *cl = nv_board_guest_ptr(b, NV_BOOT_CMDLINE, clen + 1);
    memcpy(cl, cmdline ? cmdline : "", clen + 1);

    nv_st16(zp + HDR_VID_MODE, 0xFFFF);
    zp[HDR_TYPE_OF_LOADER] = 0xFF;
    zp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
    nv_st16(zp + HDR_HEAP_END_PTR, 0xFE00);
    nv_st32(zp + HDR_CMD_LINE_PTR, (uint32_t)NV_BOOT_CMDLINE);
    nv_st32(zp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    nv_st32(zp + HDR_RAMDISK_SIZE, (uint32_t)ilen);
    nv_st64(zp + BP_ACPI_RSDP_ADDR, rsdp_addr);
    if (nv_ld16(zp + HDR_VERSION) >= 0x0209) {
        nv_st64(zp + HDR_SETUP_DATA, write_rng_seed(b));
    }
    write_e820(b, zp);
    memcpy(nv_board_guest_ptr(b, NV_BOOT_ZERO_PAGE, BP_SIZE), zp, BP_SIZE);

    nv_boot_write_gdt(nv_board_guest_ptr(b, NV_BOOT_GDT, 32));
    write_reset_vector(nv_board_guest_ptr(b, NV_BOOT_RESET_VECTOR, 16));
    write_page_tables(nv_board_guest_ptr(b, NV_BOOT_PML4, 6 * PAGE));
    *info = (NvBootInfo) {
        .entry = entry,
        .boot_params = NV_BOOT_ZERO_PAGE,
        .cr3 = NV_BOOT_PML4,
        .gdt = NV_BOOT_GDT,
    };
    return true;
}
