#!/usr/bin/env bash
# tests/test-memhp-guest.sh — pc-dimm hot-add and hot-remove driven from
# QMP against a real Linux guest, one test-host run, two boots
# (tests/guest/memhp-host.sh speaks QMP with socat in the test host,
# tests/guest/memhp.sh is the guest, tests/guest/memhp-touch.c its tool).
# The machine: -machine pc,nvdimm=on -m 512M,slots=8,maxmem=16G, two NUMA
# nodes (node 1 without memory at boot), a label-less 128 MiB NVDIMM on node 1
# as the marker mailbox (its region's target_node is checked), -qmp; the guest onlines hot-added memory as movable
# (memhp_default_state=online_movable on its command line).
# Boot 1: object-add memory-backend-ram 1 GiB + device_add pc-dimm:
#   query-memory-devices lists it (hotplugged), ACPI_DEVICE_OST of the
#   insertion; the guest's MemTotal grows by exactly 1 GiB, all the DIMM's
#   memory blocks are online in ZONE_MOVABLE, 640 MiB touched and read back;
#   device_del: DEVICE_DELETED and ACPI_DEVICE_OST, MemTotal back, the blocks
#   gone, query-memory-devices no longer lists it; device_add again with the
#   same slot and the same backend: works, removed again, object-del of the
#   freed backend works; two DIMMs with node=0 and node=1: node1's meminfo
#   and memory block links show the second; both removed.
# Boot 2: the guest onlines its DIMM as kernel memory (online_kernel,
#   through sysfs) and holds 640 MiB of it; device_del: ACPI_DEVICE_OST
#   with a failure status, no DEVICE_DELETED, the guest keeps its memory,
#   query-memory-devices and query-acpi-ospm-status still list the DIMM,
#   the VMM keeps running.
# Prints TAP.
#   usage: tests/test-memhp-guest.sh NVEMU_BINARY MEMHP_TOUCH_BINARY
#          tests/test-memhp-guest.sh qemu MEMHP_TOUCH_BINARY   (QEMU 7.2's pc machine instead)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
vmm=${1:?usage: test-memhp-guest.sh NVEMU_BINARY|qemu MEMHP_TOUCH_BINARY}
touch_tool=${2:?usage: test-memhp-guest.sh NVEMU_BINARY|qemu MEMHP_TOUCH_BINARY}
guest_tap_need_root
socat=$(command -v socat) || { echo "1..0 # SKIP socat is not installed (scripts/bootstrap.sh guest)"; exit 0; }
out=$(mktemp) host=$(mktemp)
trap 'rm -f "$out" "$host"' EXIT
cat "$here/guest/memhp-lib-host.sh" "$here/guest/memhp-host.sh" > "$host"

# shellcheck disable=SC2016  # expanded in the test host
args='-machine pc,nvdimm=on -m 512M,slots=8,maxmem=16G'
if [[ $vmm == qemu ]]; then
    # (QEMU wants every node's RAM named: node 0 gets all of it)
    args+=' -object memory-backend-ram,id=node0,size=512M -numa node,nodeid=0,memdev=node0 -numa node,nodeid=1'
    args+=' -cpu qemu64 -accel kvm -net none'
    run_vmm=(--vmm qemu)
else
    args+=' -numa node,nodeid=0 -numa node,nodeid=1'
    run_vmm=(--vmm "nvemu=$vmm")
fi
args+=' -object memory-backend-file,id=mbox,share=on,mem-path=$DISK0,size=128M -device nvdimm,id=mbox0,memdev=mbox,node=1'
args+=' -nographic -no-reboot -qmp unix:/tmp/qmp.sock,server=on,wait=off'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" "${run_vmm[@]}" --vmm-args "$args" --boots 2 --disk-mb 128 \
    --append memhp_default_state=online_movable --tool "$socat" --guest-tool "$touch_tool" \
    --host-script "$host" --guest-script "$here/guest/memhp.sh" \
    --vmm-timeout 240 --timeout 600 >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
# qc BOOT WHAT ARGS...: tests/qmp-check.py on the transcript of boot BOOT
qc() { python3 "$here/qmp-check.py" "$out" "$@" 2>&1; }
m0() { sed -n "s/^RESULT: boot=$1 memtotal0=\\([0-9]*\\) .*/\\1/p" "$out"; }
M0=$(m0 1) M0b=$(m0 2)
echo "# boot 1 MemTotal0=$M0 kB, boot 2 MemTotal0=$M0b kB"
G=1048576
slot=$(sed -n 's/^RESULT: host b1 d1-slot=\([0-9]*\)$/\1/p' "$out")
echo "# d1's slot: $slot"

echo "1..25"
check "the NVDIMM on node=1: its region's target_node is 1, numa_node the nearest online node (0)" \
    has '^RESULT: boot=1 region0 numa_node=0 target_node=1$'
check "the guest onlines hot-added memory as movable (memhp_default_state), 128 MiB blocks" \
    has '^RESULT: boot=1 memtotal0=[0-9]+ block-size=134217728 .* policy=online_movable '
check "object-add memory-backend-ram 1 GiB and device_add pc-dimm: {} {}" \
    eval 'qc 1 ok obj-ram1 && qc 1 ok add-d1'
check "query-memory-devices lists d1: 1 GiB, memdev /objects/ram1, hotplugged" \
    qc 1 dev md-1 d1 size=1073741824 memdev=/objects/ram1 hotplugged=true hotpluggable=true
check "ACPI_DEVICE_OST of the insertion: d1, source 1, status 0" \
    qc 1 event ACPI_DEVICE_OST device=d1 source=1 status=0
check "MemTotal grew by exactly 1 GiB" has "^RESULT: add1 memtotal=$((M0 + G)) delta-kb=$G\$"
check "all 8 of its memory blocks online, in ZONE_MOVABLE" \
    has '^RESULT: add1 new-blocks=8 online-Movable=8 expected=8 '
check "the guest touched 640 MiB (more than its boot RAM) and read every page back" \
    has '^RESULT: add1 rc=0 touch mib=640 pages=163840 bad=0 '
check "device_del d1: {}, then DEVICE_DELETED d1" \
    eval 'qc 1 ok del-d1 && qc 1 event DEVICE_DELETED device=d1'
check "... ACPI_DEVICE_OST of the eject request: 0x84 (in progress) before DEVICE_DELETED, then 0, no failure" \
    eval 'qc 1 order ACPI_DEVICE_OST status=132 DEVICE_DELETED device=d1 && qc 1 event ACPI_DEVICE_OST source=3 status=0 && qc 1 noevent ACPI_DEVICE_OST source=3 "status~(?!132\$)[1-9][0-9]*"'
check "MemTotal back to boot's, the blocks gone" has "^RESULT: del1 memtotal=$M0 new-blocks=\\[\\]\$"
check "query-memory-devices no longer lists d1" qc 1 nodev md-2 d1
check "device_add into the same slot with the same backend: {}, listed with that slot" \
    eval '[[ -n $slot ]] && qc 1 ok add-d1b && qc 1 dev md-3 d1b slot="$slot" memdev=/objects/ram1'
check "... the guest onlined it again (8 blocks, MemTotal +1 GiB)" \
    eval 'has "^RESULT: add2 memtotal=$((M0 + G))$" && has "^RESULT: add2 new-blocks=8 online-Movable=8 "'
check "... removed again (DEVICE_DELETED d1b, MemTotal back), then object-del of its backend: {}" \
    eval 'qc 1 event DEVICE_DELETED device=d1b && has "^RESULT: del2 memtotal=$M0 new-blocks=\\[\\]$" && qc 1 ok objdel-ram1'
check "two DIMMs, node=0 and node=1: {} {}, query-memory-devices gives their nodes" \
    eval 'qc 1 ok add-d2 && qc 1 ok add-d3 && qc 1 dev md-4 d2 node=0 && qc 1 dev md-4 d3 node=1'
check "the guest: MemTotal +2 GiB, node1 MemTotal 1 GiB, 8 memory blocks on node 1, their node1 link" \
    eval 'has "^RESULT: numa memtotal=$((M0 + 2 * G)) node0-memtotal=[0-9]+ node1-memtotal=$G node1-blocks=8 " && has "^RESULT: numa memory[0-9]+-node-link=node1$"'
check "both removed: DEVICE_DELETED d2 and d3, MemTotal back, node1 empty, neither listed" \
    eval 'qc 1 event DEVICE_DELETED device=d2 && qc 1 event DEVICE_DELETED device=d3 && has "^RESULT: numa-del memtotal=$M0 node1-memtotal=0? new-blocks=\\[\\]$" && qc 1 nodev md-5 d2 && qc 1 nodev md-5 d3'
check "boot 2: its DIMM onlined as kernel memory (8 blocks in ZONE_NORMAL), 640 MiB of it held" \
    eval 'has "^RESULT: b2-added new-blocks=8 online-Normal=8 " && has "^RESULT: b2 touch mib=640 pages=163840 bad=0 "'
check "boot 2: device_del {}: ACPI_DEVICE_OST d1 source 3 with a failure status (not 0, not 0x84 in progress)" \
    eval 'qc 2 ok del-d1 && qc 2 event ACPI_DEVICE_OST device=d1 source=3 "status~(?!132\$)[1-9][0-9]*"'
check "boot 2: no DEVICE_DELETED" qc 2 noevent DEVICE_DELETED
check "boot 2: query-memory-devices still lists d1; query-acpi-ospm-status gives its failure" \
    eval 'qc 2 dev md-6 d1 size=1073741824 && qc 2 ospm ospm d1 source=3 "status~(?!132\$)[1-9][0-9]*"'
check "boot 2: the guest kept its memory (MemTotal, 8 blocks online)" \
    eval 'has "^RESULT: b2 after-del memtotal=$((M0b + G)) expected=$((M0b + G))$" && has "^RESULT: b2-kept new-blocks=8 online-Normal=8 "'
check "boot 2: the VMM kept running (query-status running after the failure)" \
    qc 2 ret st status=running running=true
check "both guest scripts exited 0, both VMM runs exited 0" \
    eval '[[ $(grep -c "^GUEST: script-exit=0 " "$out") == 2 ]] && has "^TESTHOST: boot=1 vmm-exit=0 " && has "^TESTHOST: boot=2 vmm-exit=0 "'
guest_tap_exit
