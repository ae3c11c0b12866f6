#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/fuzz-kernel.c into tests/fuzz/kernel/:
a small vmlinux-like ELF (mode byte 0) and bzImages around it with an xz and
a gzip payload (mode byte 1), as tests/test-kernel-load.c builds them."""
import gzip
import lzma
import os
import struct

MIB = 1 << 20


def elf():
    off0, seg0, off1, seg1_file = 4096, 8192, 4096 + 8192, 100
    ehdr = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
            + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 16 * MIB + 0x40, 64, 0, 0,
                          64, 56, 2, 0, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 1, 5, off0, 0xffffffff81000000, 16 * MIB,
                     seg0, seg0, 0x1000)
    ph += struct.pack("<IIQQQQQQ", 1, 6, off1, 0xffffffff81400000, 20 * MIB,
                      seg1_file, MIB, 0x1000)
    body = bytearray(off1 + seg1_file)
    body[:len(ehdr)] = ehdr
    body[64:64 + len(ph)] = ph
    for i in range(seg0):
        body[off0 + i] = (i * 31 + 5) & 0xff
    body[off1:off1 + seg1_file] = b"\xd1" * seg1_file
    return bytes(body)


def bzimage(payload):
    setup_sects, payload_off = 4, 0x100
    pm = (setup_sects + 1) * 512
    k = bytearray(pm + payload_off + len(payload))
    k[0x1F1] = setup_sects
    struct.pack_into("<H", k, 0x1FE, 0xAA55)
    k[0x200:0x202] = b"\xeb\x6a"
    k[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", k, 0x206, 0x020F)
    struct.pack_into("<I", k, 0x22C, 0x7FFFFFFF)
    struct.pack_into("<H", k, 0x236, 1)
    struct.pack_into("<I", k, 0x238, 2047)
    struct.pack_into("<II", k, 0x248, payload_off, len(payload))
    struct.pack_into("<I", k, 0x260, 32 * MIB)
    k[pm + payload_off:] = payload
    return bytes(k)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel")
    os.makedirs(out, exist_ok=True)
    e = elf()
    xz = lzma.compress(e, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    xz += struct.pack("<I", len(e))  # the kernel build's size_append
    gz = gzip.compress(e, mtime=0)   # gzip's trailer already ends in ISIZE
    seeds = {"elf": b"\x00" + e, "bz-xz": b"\x01" + bzimage(xz),
             "bz-gzip": b"\x01" + bzimage(gz)}
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
