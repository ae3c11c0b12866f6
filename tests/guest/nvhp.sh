# Guest side of tests/test-nvhp-guest.sh (/test.sh); host side:
# tests/guest/nvhp-host.sh. Mailbox as in memhp.sh: the label-less NVDIMM
# mbox0 (region0, /dev/pmem0) is there from the start; the guest writes
# its markers in blocks 1..15, the host in 16..23; block 24 keeps the
# namespace's uuid from boot 1 for boot 2.
# Boot 1: the host hot-adds nv1 (slot 1, 1 GiB + a 128 KiB label area on
#   $DISK1). Without a reboot: ndctl lists the new nmem and region; its
#   labels are initialized, a 256 MiB fsdax namespace created, and a
#   marker written through its /dev/pmemN (the host then finds it in
#   $DISK1). The namespace's uuid goes to the mailbox.
# Boot 2: nv1 is on the command line: the namespace is still there, same
#   uuid, the marker still at its start. Then a 512 MiB devdax namespace
#   in the rest of the region, turned into system RAM with daxctl
#   reconfigure-device --mode=system-ram (kmem): MemTotal grows by its
#   128 MiB-aligned part, those blocks are online, and more memory than
#   was free before is touched and read back.
r() { echo "RESULT: $*"; }
mark() { # text block
    echo "$1" | dd of=/dev/pmem0 bs=4096 seek="$2" conv=sync oflag=direct 2>/dev/null
}
get() { # block: its text
    dd if=/dev/pmem0 bs=4096 skip="$1" count=1 iflag=direct 2>/dev/null | tr -d '\0' | head -n 1
}
fail() { r "FAIL $*"; mark "memhp-fail $*" 15; exit 1; }
oneline() { tr -d '\n\t ' ; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
nds() { (cd /sys/bus/nd/devices && echo nmem* region*); }

r "boot=$TESTHOST_BOOT nd=$(nds)"
if [ "$TESTHOST_BOOT" = 1 ]; then
    # mbox0 in slot 0 is nmem0/region0; the hot-added DIMM must appear
    nd0=$(nds)
    mark nvhp-ready 1
    i=0
    while [ ! -e /sys/bus/nd/devices/nmem1 ] || [ ! -e /sys/bus/nd/devices/region1 ]; do
        i=$((i + 1)); [ $i -gt 900 ] && fail "no nmem1/region1 after 90 s: $(nds)"
        sleep 0.1
    done
    sleep 1
    r "hot-added nd-before=[$nd0] nd-after=[$(nds)] uptime=$(cut -d' ' -f1 /proc/uptime)"
    r "dimms=$(ndctl list -D 2>&1 | oneline)"
    r "regions=$(ndctl list -R 2>&1 | oneline)"
    ndctl disable-region region1 >/dev/null 2>&1 || fail disable-region
    ndctl init-labels -f nmem1 >/dev/null 2>&1 || fail init-labels
    ndctl enable-region region1 >/dev/null 2>&1 || fail enable-region
    ns=$(ndctl create-namespace -r region1 -m fsdax -s 256M 2>&1) || fail "create-namespace $(echo "$ns" | oneline)"
    r "created=$(echo "$ns" | oneline)"
    uuid=$(echo "$ns" | sed -n 's/.*"uuid":"\([0-9a-f-]*\)".*/\1/p' | head -n 1)
    dev=$(echo "$ns" | sed -n 's/.*"blockdev":"\([a-z0-9.]*\)".*/\1/p' | head -n 1)
    [ -n "$uuid" ] && [ -b "/dev/$dev" ] || fail "no uuid/blockdev in '$(echo "$ns" | oneline)'"
    echo "nvhp-marker-$uuid" | dd of="/dev/$dev" bs=4096 conv=sync oflag=direct 2>/dev/null || fail "write /dev/$dev"
    sync
    r "wrote nvhp-marker-$uuid to /dev/$dev"
    mark "nvhp-created uuid=$uuid dev=$dev" 24
    # stay up until the host has looked at the backing file
    i=0
    while ! dd if=/dev/pmem0 bs=4096 skip=16 count=1 iflag=direct 2>/dev/null | grep -q nvhp-host-done; do
        i=$((i + 1)); [ $i -gt 1200 ] && fail "no host-done marker"
        sleep 0.1
    done
    exit 0
fi

# boot 2
created=$(get 24)
uuid0=$(echo "$created" | sed -n 's/.*uuid=\([0-9a-f-]*\).*/\1/p')
nsl=$(ndctl list -N -r region1 2>&1 | oneline)
r "b2 boot1-uuid=$uuid0 namespaces=$nsl"
dev=$(echo "$nsl" | sed -n 's/.*"blockdev":"\([a-z0-9.]*\)".*/\1/p' | head -n 1)
uuid1=$(echo "$nsl" | sed -n 's/.*"uuid":"\([0-9a-f-]*\)".*/\1/p' | head -n 1)
r "b2 uuid=$uuid1 same=$([ -n "$uuid0" ] && [ "$uuid0" = "$uuid1" ] && echo yes || echo no)"
r "b2 marker=$(dd if="/dev/$dev" bs=4096 count=1 iflag=direct 2>/dev/null | tr -d '\0' | head -n 1)"

# devdax -> system RAM
M0=$(memtotal) F0=$(memfree)
BS=$(printf '%d' "0x$(cat /sys/devices/system/memory/block_size_bytes)")
B0=$(cd /sys/devices/system/memory && ls -d memory[0-9]* | tr '\n' ' ')
ns=$(ndctl create-namespace -r region1 -m devdax -s 512M 2>&1) || fail "devdax create-namespace $(echo "$ns" | oneline)"
r "b2 devdax=$(echo "$ns" | oneline)"
dax=$(echo "$ns" | sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p' | head -n 1)
[ -n "$dax" ] || fail "no dax chardev"
# daxctl onlines the memory itself (movable) and refuses to run while the
# kernel would auto-online it: policy offline for this step
echo offline > /sys/devices/system/memory/auto_online_blocks
out=$(daxctl reconfigure-device --mode=system-ram "$dax" 2>&1); rc=$?
r "b2 reconfigure rc=$rc $(echo "$out" | oneline)"
[ $rc = 0 ] || fail "daxctl reconfigure-device"
sleep 1
nb=0 on=0
for b in $(cd /sys/devices/system/memory && ls -d memory[0-9]*); do
    case " $B0 " in *" $b "*) continue ;; esac
    nb=$((nb + 1))
    [ "$(cat /sys/devices/system/memory/$b/state)" = online ] && on=$((on + 1))
    z="$z $(cat /sys/devices/system/memory/$b/valid_zones)"
done
M1=$(memtotal)
r "b2 kmem memtotal0=$M0 memtotal=$M1 delta-kb=$((M1 - M0)) new-blocks=$nb online=$on block-kb=$((BS / 1024)) memfree0=$F0 zones=$(echo $z | tr ' ' ,)"
r "b2 daxctl=$(daxctl list -d "$dax" 2>&1 | oneline)"
# more than was free before the dax memory came: the new memory is used
t=$((F0 / 1024 + 64))
memhp-touch "$t" > /tmp/touch.out 2>&1; rc=$?
r "b2 kmem-touch rc=$rc need-mib>$((F0 / 1024)) $(cat /tmp/touch.out)"
exit 0
