/*
 * tests/fuzz/fuzz-kernel.c — libFuzzer target for the kernel loaders: the
 * vmlinux ELF loader (machine/boot-elf.c) and the bzImage payload unpacker
 * (machine/kernel-unpack.c). A -kernel file is the user's input, not the
 * guest's, but a bad one must still never crash nvemu or write outside
 * guest RAM.
 *
 * Input byte 0 picks the loader: even = the rest is a vmlinux; odd = the
 * rest is a bzImage payload, unpacked without a cache and, if that gives an
 * ELF, loaded. Guest RAM is a 64 MiB board made once.
 */
#include "machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static NvBoard *board;
    if (!board) {
        const char *argv[] = { "nvemu", "-m", "64M" };
        NvConfig *cfg = nv_config_parse(3, (char **)argv, NULL);
        if (!cfg || !nv_config_plan(cfg, NULL) ||
            !(board = nv_board_new(cfg, NULL))) {
            __builtin_trap();
        }
    }
    if (size < 1) {
        return 0;
    }
    const uint8_t *k = data + 1;
    size_t len = size - 1;
    uint64_t entry = 0, end = 0;
    GError *err = NULL;
    if (!(data[0] & 1)) {
        if (nv_boot_load_elf(board, "fuzz", k, len, &entry, &end, &err) &&
            (entry < NV_BOOT_KERNEL || end > board->fw_base)) {
            __builtin_trap(); /* accepted something outside guest RAM */
        }
    } else {
        GBytes *v = nv_kernel_unpack("fuzz", k, len, NULL, &err);
        if (v) {
            gsize vlen;
            const uint8_t *vd = g_bytes_get_data(v, &vlen);
            g_clear_error(&err);
            if (nv_boot_is_elf(vd, vlen)) {
                (void)nv_boot_load_elf(board, "fuzz", vd, vlen, &entry, &end,
                                       &err);
            }
            g_bytes_unref(v);
        }
    }
    g_clear_error(&err);
    return 0;
}
