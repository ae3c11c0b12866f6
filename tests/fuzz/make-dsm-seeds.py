#!/usr/bin/env python3
"""Write the seed corpus for fuzz-dsm: mailbox contents as the SSDT's AML
leaves them (docs/dsm-abi.md): u32 handle, family, revision, function,
in_len, then Arg3. Handles follow fuzz-dsm.c's machine: 1 = nv0 (labels),
2 = nv1 (no labels), 3 = nv2 (unarmed), 4 = a pc-dimm, 0 = the root,
0x10000 = _FIT's.
Run from this directory: ./make-dsm-seeds.py"""
import os
import struct

ROOT, INTEL, FIT = 1, 2, 3
FIT_HANDLE = 0x10000


def req(handle, family, rev, fn, arg=b'', in_len=None):
    n = len(arg) if in_len is None else in_len
    return struct.pack('<5I', handle, family, rev, fn, n) + arg


def off_len(off, length):
    return struct.pack('<II', off, length)


def threshold(ctl, spares, mtemp, ctemp):
    return struct.pack('<HBHH', ctl, spares, mtemp, ctemp)


def inject(flags, mt_en=0, mt=0, sp_en=0, sp=0, fatal=0, unsafe=0):
    return struct.pack('<QBHBBBB', flags, mt_en, mt, sp_en, sp, fatal, unsafe)


SEEDS = {
    'root-query': req(0, ROOT, 1, 0),
    'dimm-query': req(1, INTEL, 1, 0),
    'dimm-query-rev2': req(1, INTEL, 2, 0),
    'unknown-family': req(1, 7, 1, 0),
    'root-family-on-dimm': req(1, ROOT, 1, 1),
    'pc-dimm': req(4, INTEL, 1, 0),
    'label-size': req(1, INTEL, 1, 4),
    'label-less': req(2, INTEL, 1, 4),
    'get-label': req(1, INTEL, 1, 5, off_len(0, 0x1000)),
    'get-label-max': req(3, INTEL, 1, 5, off_len(0, 0x20000)),
    'bad-range': req(1, INTEL, 1, 5, off_len(0xfffffff0, 0x20)),
    'bad-len': req(1, INTEL, 1, 5, in_len=0xffffffff),
    'set-label': req(1, INTEL, 1, 6, off_len(0x100, 16) + bytes(range(16))),
    'set-unarmed': req(3, INTEL, 1, 6, off_len(0, 4) + b'abcd'),
    'smart': req(1, INTEL, 1, 1),
    'smart-threshold': req(2, INTEL, 1, 2),
    'set-threshold': req(1, INTEL, 2, 17, threshold(7, 50, 80 * 16, 90 * 16)),
    'set-threshold-short': req(1, INTEL, 2, 17, threshold(7, 0, 0, 0)[:6]),
    'inject-temp': req(1, INTEL, 2, 18, inject(1, 1, 85 * 16)),
    'inject-spares': req(2, INTEL, 2, 18, inject(2, sp_en=1, sp=5)),
    'inject-fatal': req(1, INTEL, 2, 18, inject(4, fatal=1)),
    'inject-unsafe': req(1, INTEL, 2, 18, inject(8, unsafe=1)),
    'uninject-all': req(1, INTEL, 2, 18, inject(15)),
    'inject-rev1': req(1, INTEL, 1, 18, inject(1, 1, 85 * 16)),
    'latch-shutdown': req(1, INTEL, 1, 10, b'\x01'),
    'fit-query': req(FIT_HANDLE, FIT, 1, 0),
    'fit-read': req(FIT_HANDLE, FIT, 1, 1, struct.pack('<I', 0)),
    'fit-read-offset': req(FIT_HANDLE, FIT, 1, 1, struct.pack('<I', 0x40)),
    'fit-read-past': req(FIT_HANDLE, FIT, 1, 1, struct.pack('<I', 0xffffffff)),
    'fit-read-short': req(FIT_HANDLE, FIT, 1, 1, b'\x01\x00'),
    'fit-wrong-family': req(FIT_HANDLE, INTEL, 1, 1, struct.pack('<I', 0)),
}

if __name__ == '__main__':
    os.makedirs('dsm', exist_ok=True)
    for old in os.listdir('dsm'):
        os.remove(os.path.join('dsm', old))
    for name, data in SEEDS.items():
        with open(os.path.join('dsm', name), 'wb') as f:
            f.write(data)
