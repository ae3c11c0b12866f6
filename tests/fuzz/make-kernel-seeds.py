#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/fuzz-kernel.c into tests/fuzz/kernel/:
a small vmlinux-like ELF (mode byte 0) and bzImage payloads of it, xz and
gzip (mode byte 1), as tests/test-kernel-load.c builds them."""
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


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel")
    os.makedirs(out, exist_ok=True)
    e = elf()
    xz = lzma.compress(e, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    xz += struct.pack("<I", len(e))  # the kernel build's size_append
    gz = gzip.compress(e, mtime=0)   # gzip's trailer already ends in ISIZE
    seeds = {"elf": b"\x00" + e, "payload-xz": b"\x01" + xz,
             "payload-gzip": b"\x01" + gz}
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
