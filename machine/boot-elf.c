/*
 * machine/boot-elf.c — load an uncompressed Linux kernel (vmlinux, a 64-bit
 * x86 ELF executable) into guest RAM. Each PT_LOAD segment goes to its
 * physical address (p_paddr; 16 MiB for a stock x86-64 kernel), and the
 * vCPU enters at e_entry, the physical address of vmlinux's startup_64,
 * with the same CPU state as the bzImage 64-bit entry point (boot.rst,
 * "64-bit Boot Protocol"). This is the path Firecracker and cloud-hypervisor
 * use; it skips the bzImage's in-guest decompressor, and with it KASLR.
 *
 * The file is untrusted input: every offset and address is checked before
 * anything is copied.
 */
#include "boot.h"

#include <elf.h>
#include <string.h>

bool nv_boot_is_elf(const uint8_t *data, gsize len)
{
    return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static bool elf_fail(GError **errp, const char *path, const char *why)
{
    g_set_error(errp, NV_ERROR, NV_ERROR_INVALID, "-kernel %s: %s", path, why);
    return false;
}

/* [addr, addr+len) lies in [lo, hi), without overflow. */
static bool within(uint64_t addr, uint64_t len, uint64_t lo, uint64_t hi)
{
    return addr >= lo && addr <= hi && len <= hi - addr;
}

bool nv_boot_load_elf(NvBoard *b, const char *path, const uint8_t *data,
                      gsize len, uint64_t *entry, uint64_t *end, GError **errp)
{
    Elf64_Ehdr eh;
    if (len < sizeof(eh)) {
        return elf_fail(errp, path, "too small to be an ELF file");
    }
    memcpy(&eh, data, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
        return elf_fail(errp, path, "not a 64-bit little-endian x86-64 ELF");
    }
    if (eh.e_type != ET_EXEC) {
        return elf_fail(errp, path, "not an ELF executable (a vmlinux is "
                                    "ET_EXEC)");
    }
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        !within(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), 0,
                len)) {
        return elf_fail(errp, path, "program headers missing or past the "
                                    "end of the file");
    }

    /* Check every segment before copying any, so a bad file leaves guest
     * RAM as it was. */
    uint64_t lo = UINT64_MAX, hi = 0;
    bool entry_ok = false;
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
            if (ph.p_type != PT_LOAD || ph.p_memsz == 0) {
                continue;
            }
            if (pass == 1) {
                uint8_t *dst = nv_board_guest_ptr(b, ph.p_paddr, ph.p_memsz);
                memcpy(dst, data + ph.p_offset, ph.p_filesz);
                memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
                continue;
            }
            if (ph.p_filesz > ph.p_memsz ||
                !within(ph.p_offset, ph.p_filesz, 0, len)) {
                return elf_fail(errp, path, "a segment lies past the end of "
                                            "the file");
            }
            /* Below 1 MiB are the zero page, page tables and command line;
             * above fw_base the DSM mailbox and ACPI tables. */
            if (!within(ph.p_paddr, ph.p_memsz, NV_BOOT_KERNEL, b->fw_base)) {
                g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                            "-kernel %s: segment at physical 0x%"
                            G_GINT64_MODIFIER "x (+0x%" G_GINT64_MODIFIER
                            "x) is outside guest RAM from 1 MiB to 0x%"
                            G_GINT64_MODIFIER "x (raise -m)", path,
                            (guint64)ph.p_paddr, (guint64)ph.p_memsz,
                            (guint64)b->fw_base);
                return false;
            }
            lo = MIN(lo, ph.p_paddr);
            hi = MAX(hi, ph.p_paddr + ph.p_memsz);
            entry_ok |= eh.e_entry >= ph.p_paddr &&
                        eh.e_entry - ph.p_paddr < ph.p_memsz;
        }
        if (pass == 0 && hi == 0) {
            return elf_fail(errp, path, "no loadable segment");
        }
        if (pass == 0 && !entry_ok) {
            return elf_fail(errp, path, "the entry point is in no segment "
                                        "(not a vmlinux with a physical "
                                        "entry address?)");
        }
    }
    *entry = eh.e_entry;
    *end = hi;
    return true;
}
