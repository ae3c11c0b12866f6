#!/usr/bin/env python3
"""Write the seed corpus for fuzz-dsm: mailbox contents as the SSDT's AML
leaves them (docs/dsm-abi.md): u32 handle, family, revision, function,
in_len, then Arg3. Handles follow fuzz-dsm.c's machine: 1 = nv0 (labels),
2 = nv1 (no labels), 3 = nv2 (unarmed), 4 = a pc-dimm, 0 = the root,
0x10000 = _FIT's. The root's ARS and injection seeds use the machine's
guest addresses: nv0 at NV0 (128 MiB of pmem each, one after another),
the pc-dimm at PC.
Run from this directory: ./make-dsm-seeds.py"""
import os
import struct

ROOT, INTEL, FIT = 1, 2, 3
FIT_HANDLE = 0x10000
NV0, NV1, NV2, PC = 0x100000000, 0x108000000, 0x110000000, 0x118000000
PMEM = 0x8000000


def req(handle, family, rev, fn, arg=b'', in_len=None):
    n = len(arg) if in_len is None else in_len
    return struct.pack('<5I', handle, family, rev, fn, n) + arg


def off_len(off, length):
    return struct.pack('<II', off, length)


def threshold(ctl, spares, mtemp, ctemp):
    return struct.pack('<HBHH', ctl, spares, mtemp, ctemp)


def inject(flags, mt_en=0, mt=0, sp_en=0, sp=0, fatal=0, unsafe=0):
    return struct.pack('<QBHBBBB', flags, mt_en, mt, sp_en, sp, fatal, unsafe)


def rng(addr, length):
    return struct.pack('<QQ', addr, length)


def ars_start(addr, length, typ=2, flags=0):
    return rng(addr, length) + struct.pack('<HB5x', typ, flags)


def err_inj(addr, length, options=0, size=20):
    return (rng(addr, length) + struct.pack('<I', options))[:size]


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
    # root: ARS, Clear Uncorrectable Error, Translate SPA, injection
    'ars-cap': req(0, ROOT, 1, 1, rng(NV0, PMEM)),
    'ars-cap-pc-dimm': req(0, ROOT, 1, 1, rng(PC, 4096)),
    'ars-cap-wrap': req(0, ROOT, 1, 1, rng(2**64 - 16, 256)),
    'ars-start': req(0, ROOT, 1, 2, ars_start(NV0, PMEM)),
    'ars-start-short': req(0, ROOT, 1, 2, ars_start(NV1, PMEM, 2, 2)),
    'ars-start-all': req(0, ROOT, 1, 2, ars_start(NV0, 3 * PMEM, 3)),
    'ars-start-volatile': req(0, ROOT, 1, 2, ars_start(NV0, PMEM, 1)),
    'ars-start-short-len': req(0, ROOT, 1, 2, ars_start(NV0, PMEM)[:20]),
    'ars-status': req(0, ROOT, 1, 3),
    'ars-status-arg': req(0, ROOT, 1, 3, b'\0' * 8),
    'clear-error': req(0, ROOT, 1, 4, rng(NV0 + 42 * 512, 8 * 512)),
    'clear-error-partial': req(0, ROOT, 1, 4, rng(NV1 + PMEM - 512, 4096)),
    'clear-error-unaligned': req(0, ROOT, 1, 4, rng(NV0 + 0x80, 0x100)),
    'translate-spa': req(0, ROOT, 1, 5, struct.pack('<Q', NV2 + 0x1234)),
    'translate-spa-ram': req(0, ROOT, 1, 5, struct.pack('<Q', 0x100000)),
    'fn6': req(0, ROOT, 1, 6),
    'err-inject': req(0, ROOT, 1, 7, err_inj(NV0 + 42 * 512, 256)),
    'err-inject-notify': req(0, ROOT, 1, 7, err_inj(NV1 + 0x1000, 256, 1)),
    'err-inject-17': req(0, ROOT, 1, 7, err_inj(NV2, 0x1000, 0, 17)),
    'err-inject-option': req(0, ROOT, 1, 7, err_inj(NV0, 256, 0x80)),
    'err-inject-cross': req(0, ROOT, 1, 7, err_inj(NV1 - 256, 512)),
    'err-inject-clear': req(0, ROOT, 1, 8, rng(NV0 + 42 * 512, 4096)),
    'err-inject-clear-pc': req(0, ROOT, 1, 8, rng(PC, 4096)),
    'err-inject-status': req(0, ROOT, 1, 9),
    'err-inject-status-hdr': req(0, ROOT, 1, 9, b'\0' * 8),
    'root-rev2': req(0, ROOT, 2, 1, rng(NV0, PMEM)),
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
