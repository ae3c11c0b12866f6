#!/bin/sh
# bench/fio-host-ext4.sh — the test host's /host.sh for `bench/fio-vs-qemu
# --backing ext4`: before the first VMM run it makes an ext4 file system on
# the test host's /dev/pmem0 (the runner's --host-pmem) and mounts it
# WITHOUT dax at /mnt/b, so each VMM's backing file (/mnt/b/NAME.img, fresh
# before each run) lives in the page cache of a file system that keeps its
# files: nvemu's flush is an msync there.
[ "$1" = before ] || exit 0
if ! grep -q ' /mnt/b ' /proc/mounts; then
    mkdir -p /mnt/b
    mkfs.ext4 -q -F /dev/pmem0 >/dev/null 2>&1 || echo "RESULT: fio-host error=mkfs"
    mount -t ext4 /dev/pmem0 /mnt/b || echo "RESULT: fio-host error=mount"
fi
rm -f "/mnt/b/$VMM_NAME.img"
echo "RESULT: fio-host vmm=$VMM_NAME boot=$2 backing=$(grep ' /mnt/b ' /proc/mounts | cut -d' ' -f1-4 | tr ' ' ,)"
