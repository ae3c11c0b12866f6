#!/usr/bin/env bash
# tests/test-nvhp-guest.sh — NVDIMM hot-add from QMP and a devdax namespace
# turned into system RAM, against a real Linux guest, one test-host run,
# two boots (tests/guest/nvhp-host.sh drives QMP with socat in the test
# host, tests/guest/nvhp.sh is the guest). The machine: -machine
# pc,nvdimm=on -m 512M,slots=8,maxmem=16G, a label-less 128 MiB NVDIMM in
# slot 0 (the marker mailbox), -qmp.
# Boot 1: object-add memory-backend-file (1 GiB + 128 KiB on $DISK1) and
#   device_add nvdimm,label-size=128K,slot=1: query-memory-devices lists it;
#   without a reboot the guest's ndctl shows nmem1 and region1; init-labels
#   and create-namespace (fsdax 256 MiB) work; a marker the guest writes
#   through the namespace's /dev/pmemN is found in $DISK1 by the test host;
#   device_del of the nvdimm is refused with an error and changes nothing.
# Boot 2: the same DIMM on the command line (same slot): the namespace is
#   still there with the same uuid, the marker at its start; a 512 MiB
#   devdax namespace beside it, daxctl reconfigure-device --mode=system-ram
#   (the kmem module): MemTotal grows by whole memory blocks, they are
#   online, and more memory than was free before is touched and read back.
# Prints TAP.
#   usage: tests/test-nvhp-guest.sh NVEMU_BINARY|qemu MEMHP_TOUCH_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
vmm=${1:?usage: test-nvhp-guest.sh NVEMU_BINARY|qemu MEMHP_TOUCH_BINARY}
touch_tool=${2:?usage: test-nvhp-guest.sh NVEMU_BINARY|qemu MEMHP_TOUCH_BINARY}
guest_tap_need_root
socat=$(command -v socat) || { echo "1..0 # SKIP socat is not installed (scripts/bootstrap.sh guest)"; exit 0; }
out=$(mktemp) host=$(mktemp)
trap 'rm -f "$out" "$host"' EXIT
cat "$here/guest/memhp-lib-host.sh" "$here/guest/nvhp-host.sh" > "$host"

# shellcheck disable=SC2016  # expanded in the test host
args='-machine pc,nvdimm=on -m 512M,slots=8,maxmem=16G'
if [[ $vmm == qemu ]]; then
    args+=' -cpu qemu64 -accel kvm -net none'
    run_vmm=(--vmm qemu)
else
    run_vmm=(--vmm "nvemu=$vmm")
fi
args+=' -object memory-backend-file,id=mbox,share=on,mem-path=$DISK0,size=128M -device nvdimm,id=mbox0,memdev=mbox,slot=0'
args+=' $([ "$BOOT" = 2 ] && echo "-object memory-backend-file,id=nvm1,share=on,mem-path=$DISK1,size=1073872896 -device nvdimm,id=nv1,memdev=nvm1,label-size=128K,slot=1")'
args+=' -nographic -no-reboot -qmp unix:/tmp/qmp.sock,server=on,wait=off'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" "${run_vmm[@]}" --vmm-args "$args" --boots 2 --disk-mb 128,1025 \
    --append memhp_default_state=online_movable --tool "$socat" --guest-tool "$touch_tool" \
    --host-script "$host" --guest-script "$here/guest/nvhp.sh" \
    --vmm-timeout 240 --timeout 600 >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
# qc BOOT WHAT ARGS...: tests/qmp-check.py on the transcript of boot BOOT
qc() { python3 "$here/qmp-check.py" "$out" "$@" 2>&1; }
uuid=$(sed -n 's/^RESULT: wrote nvhp-marker-\([0-9a-f-]*\) to .*/\1/p' "$out")
echo "# namespace uuid $uuid"

echo "1..12"
check "object-add memory-backend-file and device_add nvdimm (label-size 128K, slot 1): {} {}" \
    eval 'qc 1 ok obj && qc 1 ok add'
check "query-memory-devices lists nv1: slot 1, hotplugged, memdev /objects/nvm1" \
    qc 1 dev md1 nv1 slot=1 memdev=/objects/nvm1 hotplugged=true
check "the guest without a reboot: nmem1 and region1 appear next to the mailbox's nmem0/region0" \
    has '^RESULT: hot-added nd-before=\[nmem0 region0\] nd-after=\[nmem0 nmem1 region0 region1\] '
check "ndctl list -D shows nmem1, ndctl list -R region1 of 1 GiB" \
    eval 'has "^RESULT: dimms=.*\"dev\":\"nmem1\"" && has "^RESULT: regions=.*\"dev\":\"region1\",\"size\":1073741824"'
check "init-labels and create-namespace (fsdax 256 MiB) on it" \
    has '^RESULT: created=\{"dev":"namespace1\.0","mode":"fsdax".*"uuid":"[0-9a-f-]{36}"'
check "the marker written through /dev/pmemN is in the backing file" \
    eval '[[ -n $uuid ]] && has "^RESULT: host b1 marker-in-backing=1 uuid=$uuid$"'
check "device_del of an nvdimm: an error, and query-memory-devices still lists nv1" \
    eval 'qc 1 error del && qc 1 dev md2 nv1 slot=1'
check "boot 2 (nv1 on the command line): listed, not hotplugged" \
    qc 2 dev md3 nv1 slot=1 hotplugged=false
check "boot 2: the namespace is still there, same uuid, the marker at its start" \
    eval 'has "^RESULT: b2 uuid=$uuid same=yes$" && has "^RESULT: b2 marker=nvhp-marker-$uuid$"'
check "devdax namespace and daxctl reconfigure-device --mode=system-ram: exit 0" \
    eval 'has "^RESULT: b2 devdax=.*\"mode\":\"devdax\"" && has "^RESULT: b2 reconfigure rc=0 "'
check "MemTotal grew by its memory blocks (at least 256 MiB), all online and movable" \
    eval 'l=$(grep "^RESULT: b2 kmem " "$out"); d=$(sed -n "s/.*delta-kb=\\([0-9]*\\).*/\\1/p" <<<"$l"); nb=$(sed -n "s/.*new-blocks=\\([0-9]*\\) online=\\([0-9]*\\) block-kb=\\([0-9]*\\).*/\\1 \\2 \\3/p" <<<"$l"); read -r b o k <<<"$nb"; [[ -n $d && $d -ge 262144 && $b -gt 0 && $o == "$b" && $d == $((b * k)) ]] && grep -qE " zones=Movable(,Movable)*$" <<<"$l"'
check "the guest touched more than it had free before and read it back; both boots clean" \
    eval 'has "^RESULT: b2 kmem-touch rc=0 need-mib>[0-9]+ touch mib=[0-9]+ pages=[0-9]+ bad=0 " && [[ $(grep -c "^GUEST: script-exit=0 " "$out") == 2 ]] && has "^TESTHOST: boot=2 vmm-exit=0 "'
guest_tap_exit
