#!/usr/bin/env python3
"""Write the seed corpus for fuzz-label: label areas (1K, 4K and 128K) built here, in
Python, independently of label-area/ (the layout from UEFI 2.7 §13.19 and
Linux's geometry rules). Each seed is a mode byte (0: no resealing) and an
area. Run from this directory: ./make-label-seeds.py"""
import struct


def fletcher64(b):
    lo = hi = 0
    for (w,) in struct.iter_unpack('<I', b[:len(b) // 4 * 4]):
        lo = (lo + w) & 0xffffffff
        hi = (hi + lo) & 0xffffffff
    return hi << 32 | lo


def align(v, a):
    return (v + a - 1) // a * a


def geometry(size, lsize):
    tmp = size // lsize
    n = align(72 + (tmp + 7) // 8, 256) // 256
    nslot = (size - 2 * 256 * n) // lsize
    return align(72 + (nslot + 7) // 8, 256), nslot


def area(size, lsize, labels=()):
    isize, nslot = geometry(size, lsize)
    a = bytearray(size)
    for i, seq in ((0, 3), (1, 2)):
        free = bytearray((nslot + 7) // 8)
        for s in range(nslot):
            if s not in labels:
                free[s // 8] |= 1 << (s % 8)
        hdr = struct.pack('<16s3sBIQQQQIHHQ', b'NAMESPACE_INDEX\0', b'\0' * 3,
                          lsize >> 8, seq, i * isize, isize, (1 - i) * isize,
                          2 * isize, nslot, 1, 1 if lsize == 128 else 2, 0)
        blk = bytearray(isize)
        blk[:72] = hdr
        blk[72:72 + len(free)] = free
        blk[64:72] = struct.pack('<Q', fletcher64(blk))
        a[i * isize:(i + 1) * isize] = blk
    for s in labels:
        lab = bytearray(lsize)
        lab[0:16] = bytes((s + i) & 0xff for i in range(16))  # uuid
        name = b'ns%03d' % s
        lab[16:16 + len(name)] = name                  # name
        struct.pack_into('<IHHQQQQI', lab, 80, 0, 1, 0, 0x1234, 0,
                         s << 20, 1 << 20, s)          # flags..slot
        if lsize == 256:
            lab[248:256] = struct.pack('<Q', fletcher64(lab))
        off = 2 * isize + s * lsize
        a[off:off + lsize] = lab
    return bytes(a)


seeds = {
    'v11-1k-empty': area(1024, 128),
    'v12-1k-empty': area(1024, 256),
    'v11-4k-two': area(4096, 128, labels=(0, 3)),
    'v12-4k-two': area(4096, 256, labels=(1, 2)),
    # Real areas: 128 KiB is Linux's and QEMU's usual label-size (1020
    # 128-byte or 510 256-byte slots, 256-byte index blocks).
    'v11-128k-empty': area(128 * 1024, 128),
    'v11-128k-three': area(128 * 1024, 128, labels=(0, 1, 1019)),
    'v12-128k-three': area(128 * 1024, 256, labels=(0, 7, 509)),
}
for name, a in seeds.items():
    with open('label/' + name, 'wb') as f:
        f.write(b'\0' + a)
