# Guest side of tests/test-memhp-guest.sh (/test.sh). The test host's job
# (tests/guest/memhp-host.sh) drives the VMM's QMP monitor; the two talk
# through 4 KiB blocks of a label-less NVDIMM (/dev/pmem0 here, $DISK0
# there): this script writes its phase markers into blocks 1..15, the host
# writes its own into blocks 16.. . Between markers the guest waits for
# what the host's command must do to it (MemTotal).
#
# The kernel onlines hot-added memory by itself: memhp_default_state=
# online_movable is on the command line (both VMMs, same policy), so every
# hot-added block is in ZONE_MOVABLE and can be removed again. Boot 2
# switches the policy to online_kernel through sysfs for its DIMM.
#
# Boot 1: one 1 GiB pc-dimm added, its blocks online and movable, 640 MiB
#   touched (more than the whole boot RAM, so the new memory is used);
#   removed (MemTotal back, the blocks gone); added again in the same slot
#   and removed again; then two DIMMs, node 0 and node 1: node1's meminfo
#   and its memory block links show the second; both removed.
# Boot 2: a DIMM onlined as normal (kernel) memory, 640 MiB of it held in
#   use by memhp-touch; the host's device_del must fail in the guest: the
#   memory stays (MemTotal, blocks online).
r() { echo "RESULT: $*"; }
mark() { # text block
    echo "$1" | dd of=/dev/pmem0 bs=4096 seek="$2" conv=sync oflag=direct 2>/dev/null
}
has() { # text block
    dd if=/dev/pmem0 bs=4096 skip="$2" count=1 iflag=direct 2>/dev/null | grep -q "$1"
}
fail() { r "FAIL $*"; mark "memhp-fail $*" 15; exit 1; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
node_memtotal() { # node
    sed -n 's/^Node [0-9]* MemTotal: *\([0-9]*\) kB/\1/p' "/sys/devices/system/node/node$1/meminfo" 2>/dev/null
}
blocks() { # the memory blocks present, one name a line
    (cd /sys/devices/system/memory && ls -d memory[0-9]* | sort -V)
}
wait_memtotal() { # kB secs: wait until MemTotal is kB
    i=0
    while [ "$(memtotal)" != "$1" ]; do
        i=$((i + 1)); [ $i -gt $(($2 * 10)) ] && return 1; sleep 0.1
    done
}
wait_host() { # text block secs
    i=0
    while ! has "$1" "$2"; do
        i=$((i + 1)); [ $i -gt $(($3 * 10)) ] && return 1; sleep 0.1
    done
}
# new_blocks: the blocks not in $B0, with state and zone: "memory40:online:Movable"
new_blocks() {
    for b in $(blocks); do
        case " $B0 " in *" $b "*) continue ;; esac
        echo "$b:$(cat /sys/devices/system/memory/$b/state):$(cat /sys/devices/system/memory/$b/valid_zones | tr ' ' +)"
    done | tr '\n' ' '
}
# check_added PHASE ZONE: the new blocks are DIMM/BS, every one online in ZONE
check_added() {
    nb=$(new_blocks)
    n=0 good=0
    for x in $nb; do
        n=$((n + 1))
        case "$x" in *:online:"$2") good=$((good + 1)) ;; esac
    done
    r "$1 new-blocks=$n online-$2=$good expected=$PER_DIMM list=$nb"
    [ "$n" = "$PER_DIMM" ] && [ "$good" = "$PER_DIMM" ]
}

GIB_KB=1048576
BS=$(printf '%d' "0x$(cat /sys/devices/system/memory/block_size_bytes)")
PER_DIMM=$((1073741824 / BS))
M0=$(memtotal)
B0=$(blocks | tr '\n' ' ')
# The mailbox NVDIMM has node=1 (its NFIT SPA and SRAT proximity domain):
# Linux's region target_node is that node; numa_node is the nearest node
# online at boot (node 1 has no CPU and no RAM then, so node 0).
rg=/sys/bus/nd/devices/region0
r "boot=$TESTHOST_BOOT region0 numa_node=$(cat $rg/numa_node 2>&1) target_node=$(cat $rg/target_node 2>&1)"
r "boot=$TESTHOST_BOOT memtotal0=$M0 block-size=$BS blocks0=$(echo $B0 | wc -w) policy=$(cat /sys/devices/system/memory/auto_online_blocks) nodes=$(cd /sys/devices/system/node && echo node[0-9]*) cmdline-memhp=$(grep -o 'memhp_default_state=[a-z_]*' /proc/cmdline)"

if [ "$TESTHOST_BOOT" = 2 ]; then
    echo online_kernel > /sys/devices/system/memory/auto_online_blocks
    r "b2 policy=$(cat /sys/devices/system/memory/auto_online_blocks)"
    mark memhp-b2-ready 1
    wait_memtotal $((M0 + GIB_KB)) 90 || fail "b2 memtotal=$(memtotal) after-add expected=$((M0 + GIB_KB))"
    r "b2 added memtotal=$(memtotal)"
    check_added b2-added Normal || fail "b2 blocks"
    # 640 MiB held, mlock'd: user pages and their page tables in the new
    # ZONE_NORMAL (the boot RAM is all DMA32 below 4 GiB, so kernel and
    # user allocations prefer the DIMM)
    memhp-touch 640 300 > /tmp/hold.out 2>&1 &
    hold=$!
    i=0
    while ! grep -q '^touch ' /tmp/hold.out && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    r "b2 $(head -n 1 /tmp/hold.out)"
    grep -q '^touch .* bad=0 ' /tmp/hold.out || fail "b2 touch"
    mark memhp-b2-held 2
    wait_host memhp-host-del-done 16 120 || fail "b2 no host marker after device_del"
    r "b2 after-del memtotal=$(memtotal) expected=$((M0 + GIB_KB))"
    check_added b2-kept Normal || r "b2 blocks not all kept"
    [ "$(memtotal)" = $((M0 + GIB_KB)) ] && mark memhp-b2-kept 3
    kill "$hold"; wait "$hold"
    r "b2 hold-exited $(tail -n 1 /tmp/hold.out)"
    exit 0
fi

mark memhp-ready 1
# 1. one 1 GiB DIMM
wait_memtotal $((M0 + GIB_KB)) 90 || fail "add1 memtotal=$(memtotal) expected=$((M0 + GIB_KB))"
r "add1 memtotal=$(memtotal) delta-kb=$(($(memtotal) - M0))"
check_added add1 Movable || fail "add1 blocks"
free0=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
r "add1 memfree-kb=$free0"
memhp-touch 640 > /tmp/touch.out 2>&1; rc=$?
r "add1 rc=$rc $(cat /tmp/touch.out)"
[ $rc = 0 ] || fail "add1 touch"
mark memhp-added1 2
# 2. removed
wait_memtotal "$M0" 90 || fail "del1 memtotal=$(memtotal) expected=$M0"
r "del1 memtotal=$(memtotal) new-blocks=[$(new_blocks)]"
[ -z "$(new_blocks)" ] || fail "del1 blocks left"
mark memhp-removed1 3
# 3. again, same slot
wait_memtotal $((M0 + GIB_KB)) 90 || fail "add2 memtotal=$(memtotal) expected=$((M0 + GIB_KB))"
r "add2 memtotal=$(memtotal)"
check_added add2 Movable || fail "add2 blocks"
mark memhp-added2 4
wait_memtotal "$M0" 90 || fail "del2 memtotal=$(memtotal) expected=$M0"
r "del2 memtotal=$(memtotal) new-blocks=[$(new_blocks)]"
mark memhp-removed2 5
# 4. two DIMMs, node 0 and node 1
n1=$(node_memtotal 1)
r "numa node1-memtotal0=$n1"
wait_memtotal $((M0 + 2 * GIB_KB)) 90 || fail "numa memtotal=$(memtotal) expected=$((M0 + 2 * GIB_KB))"
PER_DIMM=$((2 * PER_DIMM)) check_added numa-add Movable || fail "numa blocks"
nb1=$(cd /sys/devices/system/node/node1 2>/dev/null && ls -d memory[0-9]* 2>/dev/null | tr '\n' ' ')
r "numa memtotal=$(memtotal) node0-memtotal=$(node_memtotal 0) node1-memtotal=$(node_memtotal 1) node1-blocks=$(echo $nb1 | wc -w) [$nb1]"
# a block of node 1 links to node1 from its side too
b=${nb1%% *}
r "numa $b-node-link=$(ls -d /sys/devices/system/memory/$b/node* 2>/dev/null | sed 's,.*/,,')"
mark memhp-numa-added 6
wait_memtotal "$M0" 90 || fail "numa-del memtotal=$(memtotal) expected=$M0"
r "numa-del memtotal=$(memtotal) node1-memtotal=$(node_memtotal 1) new-blocks=[$(new_blocks)]"
mark memhp-numa-removed 7
