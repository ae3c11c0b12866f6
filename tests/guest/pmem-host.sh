#!/bin/sh
# Test-host side of tests/test-pmem.sh (busybox sh in the test host, booted
# with --host-pmem 4x640M: /dev/pmem0 ... /dev/pmem3, legacy e820 regions).
# "before 1": pmem1 and pmem2 become fsdax and carry ext4 and xfs mounted
# -o dax with one backing file each, pmem3 becomes devdax (/dev/dax3.0),
# pmem0 stays a raw block device; a watcher records how nvemu mapped the two
# files (/proc/PID/smaps VmFlags: "sf" = MAP_SYNC). "after N": the markers
# the guest wrote in boot 1, looked for on each host device or file.
r() { echo "RESULT: host $*"; }
flat() { tr -d ' \n\t'; }
# what the guest writes (built here as there, so the literal is in neither script)
mark() { printf '%s-%s-%s' nvemu mark "$1"; }
case "$1 $2" in
    "before 1")
        ndctl create-namespace -f -e namespace1.0 -m fsdax >/dev/null 2>&1 && r ns1=fsdax
        ndctl create-namespace -f -e namespace2.0 -m fsdax >/dev/null 2>&1 && r ns2=fsdax
        ndctl create-namespace -f -e namespace3.0 -m devdax >/dev/null 2>&1 && r ns3=devdax
        r "namespaces=$(ndctl list -N | flat)"
        mkdir -p /mnt/ext4 /mnt/xfs
        mkfs.ext4 -q -F /dev/pmem1 >/dev/null 2>&1 && mount -o dax /dev/pmem1 /mnt/ext4 && r ext4=mounted
        mkfs.xfs -q -f -m reflink=0 /dev/pmem2 >/dev/null 2>&1 && mount -o dax /dev/pmem2 /mnt/xfs && r xfs=mounted
        grep -E ' /mnt/(ext4|xfs) ' /proc/mounts | while read -r dev _ fs opts _; do
            r "mount-$fs=$dev $opts"
        done
        # Sparse, as nvemu creates them: 384M + 128K of labels, 256M + 128K.
        truncate -s 393344K /mnt/ext4/nv1.img && r nv1-file=ok
        truncate -s 262272K /mnt/xfs/nv2.img && r nv2-file=ok
        for f in /mnt/ext4/nv1.img /mnt/xfs/nv2.img; do pmem-check dax "$f" | sed "s|^|RESULT: host $f |"; done
        # The watcher: once nvemu has mapped both files, keep their VmFlags.
        (
            i=0
            while [ $i -lt 600 ]; do
                pid=$(pidof nvemu)
                if [ -n "$pid" ] && awk '/^[0-9a-f]+-[0-9a-f]+ / { path = $6 }
                        /^VmFlags:/ && path ~ /\/mnt\/(ext4|xfs)\// { print path, $0 }' \
                        "/proc/$pid/smaps" > /tmp/smaps.new 2>/dev/null &&
                   grep -q '^/mnt/ext4/' /tmp/smaps.new && grep -q '^/mnt/xfs/' /tmp/smaps.new; then
                    mv /tmp/smaps.new /tmp/smaps.txt
                    break
                fi
                sleep 0.5; i=$((i + 1))
            done
        ) </dev/null >/dev/null 2>&1 &
        ;;
    after*)
        if [ "$2" = 1 ]; then
            if [ -s /tmp/smaps.txt ]; then
                while read -r path _ flags; do r "smaps $path $flags"; done < /tmp/smaps.txt
            else
                r "smaps none"
            fi
        fi
        for spec in nv0:/dev/pmem0 nv1:/mnt/ext4/nv1.img nv2:/mnt/xfs/nv2.img nv3:/dev/dax3.0; do
            r "boot$2-found-${spec%%:*}=$(pmem-check find "${spec#*:}" "$(mark "${spec%%:*}")")"
        done ;;
esac
