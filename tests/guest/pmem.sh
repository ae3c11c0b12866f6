#!/bin/sh
# Guest side of tests/test-pmem.sh: real pmem software on four NVDIMMs,
# one per host backing store (tests/guest/pmem-host.sh sets them up):
#   nmem0  host /dev/pmem0 (block)    fsdax + ext4 -o dax, pmempool, libpmemobj
#   nmem1  file on host ext4 -o dax   fsdax + xfs -o dax
#   nmem2  file on host xfs -o dax    sector (BTT) + ext4, e2fsck after restart
#   nmem3  host /dev/dax3.0 (devdax)  devdax + daxio
# Boot 1 creates the namespaces and writes a marker on each (found on the
# host afterwards); boot 2 checks that everything is still there.
r() { echo "RESULT: $*"; }
flat() { tr -d ' \n\t'; }
boot=${TESTHOST_BOOT:-1}
mark() { printf '%s-%s-%s' nvemu mark "$1"; }
# the first "KEY":"VALUE" of the JSON on stdin (top-level fields come first)
field() { awk -v k="\"$1\":\"" '{ i = index($0, k); if (i) { s = substr($0, i + length(k)); print substr(s, 1, index(s, "\"") - 1) } }'; }
region_of() { ndctl list -R -d "$1" | flat | field dev; }
ns_of() { ndctl list -N -v -d "$1" | flat; }   # the one namespace on DIMM $1
pad4k() { mark "$1" > /tmp/m; dd if=/dev/zero bs=1 count=$((4096 - $(wc -c < /tmp/m))) >> /tmp/m 2>/dev/null; }
mkdir -p /mnt/a /mnt/b /mnt/c

r boot=$boot
r "regions=$(ndctl list -R | flat)"
# persistence_domain per DIMM's region (test-pmem.sh judges it per boot)
for d in $(ls /sys/bus/nd/devices | grep '^nmem'); do
    r "pd-$d=$(ndctl list -R -d $d | flat | field persistence_domain)"
done
# Boot 3 is the machine without nv0, run for its persistence domain only.
[ "$boot" = 3 ] && { r done; exit 0; }
if [ "$boot" = 1 ]; then
    ndctl disable-region all >/dev/null 2>&1
    ndctl init-labels -f all >/dev/null 2>&1 && r init-labels=ok
    ndctl enable-region all >/dev/null 2>&1
    ndctl create-namespace -r "$(region_of nmem0)" -m fsdax -n ext4dax >/dev/null 2>&1 && r ns-ext4dax=created
    ndctl create-namespace -r "$(region_of nmem1)" -m fsdax -n xfsdax >/dev/null 2>&1 && r ns-xfsdax=created
    ndctl create-namespace -r "$(region_of nmem2)" -m sector -n btt >/dev/null 2>&1 && r ns-btt=created
    ndctl create-namespace -r "$(region_of nmem3)" -m devdax -n devdax >/dev/null 2>&1 && r ns-devdax=created
fi
for d in nmem0 nmem1 nmem2 nmem3; do
    ns=$(ns_of $d)
    r "ns-$d=name:$(echo "$ns" | field name) mode:$(echo "$ns" | field mode) uuid:$(echo "$ns" | field uuid)"
done
pa=/dev/$(ns_of nmem0 | field blockdev)
pb=/dev/$(ns_of nmem1 | field blockdev)
pc=/dev/$(ns_of nmem2 | field blockdev)
dx=/dev/$(ns_of nmem3 | field chardev)
r "devices=$pa $pb $pc $dx"

r "t-nmem0=$(cut -d' ' -f1 /proc/uptime)"
# nmem0: ext4 -o dax, pmempool, libpmemobj
# (-b 4096: DAX needs the page size; mke2fs picks 1K blocks below 512M)
if [ "$boot" = 1 ]; then mkfs.ext4 -q -F -b 4096 "$pa" >/dev/null 2>&1 && r mkfs-ext4=ok; fi
if mount -o dax "$pa" /mnt/a; then
    r "mount-a=$(grep ' /mnt/a ' /proc/mounts | cut -d' ' -f3,4)"
    if [ "$boot" = 1 ]; then
        mark nv0 > /mnt/a/marker
        pmempool create --layout nvemu-pool --size 32M obj /mnt/a/tool.pool && r pmempool-create=ok
        pmem-check obj-write /mnt/a/obj.pool "$(mark obj)" | sed 's/^/RESULT: /'
    fi
    pmem-check dax /mnt/a/marker | sed 's/^/RESULT: ext4 /'
    r "ext4-marker=$(cat /mnt/a/marker)"
    pmempool check /mnt/a/tool.pool >/dev/null 2>&1 && r pmempool-check=consistent
    pmem-check obj-read /mnt/a/obj.pool | sed 's/^/RESULT: /'
    umount /mnt/a
fi

r "t-nmem1=$(cut -d' ' -f1 /proc/uptime)"
# nmem1: xfs -o dax
if [ "$boot" = 1 ]; then mkfs.xfs -q -f -m reflink=0 "$pb" >/dev/null 2>&1 && r mkfs-xfs=ok; fi
if mount -o dax "$pb" /mnt/b; then
    r "mount-b=$(grep ' /mnt/b ' /proc/mounts | cut -d' ' -f3,4)"
    [ "$boot" = 1 ] && mark nv1 > /mnt/b/marker
    pmem-check dax /mnt/b/marker | sed 's/^/RESULT: xfs /'
    r "xfs-marker=$(cat /mnt/b/marker)"
    umount /mnt/b
fi
r "dmesg-dax=$(dmesg | grep -ci 'dax')"

r "t-nmem2=$(cut -d' ' -f1 /proc/uptime)"
# nmem2: ext4 on a sector (BTT) namespace; e2fsck after the restart
if [ "$boot" = 1 ]; then
    # (no zeroing of the inode tables and journal: through BTT, under nested
    # KVM in TCG, mke2fs's defaults took 100 s of one boot; these 1.5 s)
    mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$pc" >/dev/null 2>&1 &&
        r mkfs-btt=ok
    r "t-mkfs-btt=$(cut -d' ' -f1 /proc/uptime)"
else
    e2fsck -f -n "$pc" >/tmp/fsck 2>&1
    r "e2fsck=$? $(tail -n 1 /tmp/fsck)"
fi
if mount -o noinit_itable "$pc" /mnt/c; then
    [ "$boot" = 1 ] && mark nv2 > /mnt/c/marker
    r "btt-marker=$(cat /mnt/c/marker)"
    umount /mnt/c
fi

r "t-nmem3=$(cut -d' ' -f1 /proc/uptime)"
# nmem3: daxio on devdax
if [ "$boot" = 1 ]; then
    pad4k nv3
    daxio -i /tmp/m -o "$dx" -l 4096 >/dev/null 2>&1 && r daxio-write=ok
fi
daxio -i "$dx" -o /tmp/back -l 4096 >/dev/null 2>&1 && r daxio-read=ok
r "daxio-marker=$(tr -d '\000' < /tmp/back)"
r "t-end=$(cut -d' ' -f1 /proc/uptime)"
sync
r "done"
