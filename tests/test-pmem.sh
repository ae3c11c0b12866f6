#!/usr/bin/env bash
# tests/test-pmem.sh — the backing stores of the design and real pmem
# software, in a real guest: ONE test-host run with four legacy e820 pmem
# ranges (--host-pmem 4x640M) boots one nvemu machine with four NVDIMMs twice,
# then (boot 3) the same machine without nv0, for its persistence domain:
#   nv0  /dev/pmem0, a block device       guest: fsdax + ext4 -o dax, pmempool, libpmemobj
#   nv1  a file on ext4 -o dax (MAP_SYNC)  guest: fsdax + xfs -o dax
#   nv2  a file on xfs -o dax (MAP_SYNC)   guest: sector (BTT) + ext4, e2fsck
#   nv3  /dev/dax3.0, device-dax           guest: devdax + daxio
# Test-host side: tests/guest/pmem-host.sh; guest side: tests/guest/pmem.sh;
# both use tests/guest/pmem-check.c. Prints TAP.
#   usage: tests/test-pmem.sh NVEMU_BINARY PMEM_CHECK_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-pmem.sh NVEMU PMEM_CHECK}
pmem_check=${2:?usage: test-pmem.sh NVEMU PMEM_CHECK}

guest_tap_need_root

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016  # expanded inside the test host
# Boot 3 leaves out nv0: with only MAP_SYNC files and device-dax behind its
# NVDIMMs the machine claims the memory-controller persistence domain.
args='-m 512M,slots=4,maxmem=4G -nographic -no-reboot
 $([ "$BOOT" = 3 ] || echo "-object memory-backend-file,id=m0,share=on,mem-path=/dev/pmem0
 -device nvdimm,id=nv0,memdev=m0,label-size=128K")
 -object memory-backend-file,id=m1,share=on,pmem=on,mem-path=/mnt/ext4/nv1.img
 -device nvdimm,id=nv1,memdev=m1,label-size=128K
 -object memory-backend-file,id=m2,share=on,pmem=on,mem-path=/mnt/xfs/nv2.img
 -device nvdimm,id=nv2,memdev=m2,label-size=128K
 -object memory-backend-file,id=m3,share=on,mem-path=/dev/dax3.0
 -device nvdimm,id=nv3,memdev=m3,label-size=128K
 -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --host-pmem 4x640M --disk-mb "" \
    --guest-pmem-tools --guest-tool "$pmem_check" --tool "$pmem_check" \
    --boots 3 --vmm-args "${args//$'\n'/}" \
    --guest-script "$here/guest/pmem.sh" --host-script "$here/guest/pmem-host.sh" \
    --vmm-timeout 240 >"$out" 2>&1
status=$?
sed 's/^/# /' "$out"

# Boot 1's guest lines come before "boot=1 vmm-exit", boot 2's after it
# (and the host's "after 1" lines, which say boot1 themselves), boot 3's
# after "boot=2 vmm-exit".
b1=$(sed -n '1,/^TESTHOST: boot=1 vmm-exit/p' "$out")
b2=$(sed -n '/^TESTHOST: boot=1 vmm-exit/,/^TESTHOST: boot=2 vmm-exit/p' "$out")
b3=$(sed -n '/^TESTHOST: boot=2 vmm-exit/,$p' "$out")
all=$(cat "$out")
val() { sed -n "s/^RESULT: $1=//p" <<<"$2" | head -n 1; }
mark() { printf '%s-%s-%s' nvemu mark "$1"; }

same() { [[ -n "$1" && "$1" == "$2" ]]; }
has() { grep -qE -- "$1" <<<"$2"; }
lacks() { ! grep -qE -- "$1" <<<"$2"; }
# the namespace on DIMM $1: created in boot 1 with mode $2, the same uuid in boot 2
ns_kept() {
    local a b
    a=$(val "ns-$1" "$b1") b=$(val "ns-$1" "$b2")
    [[ "$a" =~ mode:$2\ uuid:[0-9a-f-]{36}$ && "$a" == "$b" ]]
}
# the marker of $1 found by the host on its backing store after both boots
# (the host's "after N" lines name their boot: look through the whole log)
found() { has "^RESULT: host boot1-found-$1=found=[0-9]+$" "$all" && has "^RESULT: host boot2-found-$1=found=[0-9]+$" "$all"; }

echo "1..24"
check "all three boots: the guest script ran and nvemu exited 0" test "$status" -eq 0
check "host: memmap= gave four e820 pmem regions" has '^TESTHOST: host-pmem=pmem0 pmem1 pmem2 pmem3 ' "$b1"
check "host: ext4 on fsdax /dev/pmem1 and xfs on /dev/pmem2 mounted -o dax" \
    bash -c "grep -qE '^RESULT: host mount-ext4=/dev/pmem1 .*dax' <<<'$b1' && grep -qE '^RESULT: host mount-xfs=/dev/pmem2 .*dax' <<<'$b1'"
check "host: namespace3.0 reconfigured as devdax" same "$(val 'host ns3' "$b1")" devdax
check "host: nvemu mapped both DAX-filesystem files with MAP_SYNC (smaps sf)" \
    bash -c "grep -qE '^RESULT: host smaps /mnt/ext4/nv1.img .* sf( |$)' <<<'$b2' && grep -qE '^RESULT: host smaps /mnt/xfs/nv2.img .* sf( |$)' <<<'$b2'"
check "nvemu gave no pmem=on warning (it mapped with MAP_SYNC)" lacks 'vmm-stderr: .*warning: pmem=on' "$b1$b2"
check "nvemu loaded libpmem for its MAP_SYNC and devdax mappings (no msync fallback)" \
    lacks 'vmm-stderr: .*warning: libpmem' "$all"
check "/dev/pmem0: fsdax namespace created, same uuid after the restart" ns_kept nmem0 fsdax
check "ext4-dax file: fsdax namespace created, same uuid after the restart" ns_kept nmem1 fsdax
check "xfs-dax file: sector namespace created, same uuid after the restart" ns_kept nmem2 sector
check "/dev/dax3.0: devdax namespace created, same uuid after the restart" ns_kept nmem3 devdax
check "/dev/pmem0: the guest's ext4 file is on the host device" found nv0
check "ext4-dax file: the guest's xfs file is in the host file" found nv1
check "xfs-dax file: the guest's ext4-on-BTT file is in the host file" found nv2
check "/dev/dax3.0: what daxio wrote is on the host devdax device" found nv3
check "guest: ext4 mounted -o dax, statx DAX on, in both boots" \
    bash -c "for b in \"\$0\" \"\$1\"; do grep -qE '^RESULT: mount-a=ext4 .*dax' <<<\"\$b\" && grep -q '^RESULT: ext4 statx-dax=1 ' <<<\"\$b\" || exit 1; done" "$b1" "$b2"
check "guest: xfs mounted -o dax, statx DAX on, in both boots" \
    bash -c "for b in \"\$0\" \"\$1\"; do grep -qE '^RESULT: mount-b=xfs .*dax' <<<\"\$b\" && grep -q '^RESULT: xfs statx-dax=1 ' <<<\"\$b\" || exit 1; done" "$b1" "$b2"
check "guest: files on ext4/xfs -o dax read back after the restart" \
    bash -c "[[ '$(val ext4-marker "$b2")' == '$(mark nv0)' && '$(val xfs-marker "$b2")' == '$(mark nv1)' ]]"
check "guest: pmempool create, then check consistent in both boots" \
    bash -c "[[ '$(val pmempool-create "$b1")' == ok && '$(val pmempool-check "$b1")' == consistent && '$(val pmempool-check "$b2")' == consistent ]]"
check "guest: libpmemobj root object written in boot 1 reads back in boot 2" \
    bash -c "[[ '$(val obj-written "$b1")' == '$(mark obj)' && '$(val obj-read "$b2")' == '$(mark obj)' ]]"
check "guest: daxio writes devdax in boot 1 and reads it back in boots 1 and 2" \
    bash -c "[[ '$(val daxio-write "$b1")' == ok && '$(val daxio-marker "$b1")' == '$(mark nv3)' && '$(val daxio-marker "$b2")' == '$(mark nv3)' ]]"
check "guest: e2fsck -f -n clean on ext4 on BTT after the restart, file intact" \
    bash -c "[[ '$(val e2fsck "$b2")' == 0\ * && '$(val btt-marker "$b2")' == '$(mark nv2)' ]]"
# The NFIT's persistence domain is machine-wide and the weakest backend
# decides: /dev/pmem0 is a block device (its page cache), so boots 1 and 2
# claim none; boot 3 has only MAP_SYNC files and device-dax.
pd_all() { # boot-lines, expected value, number of DIMMs
    [[ $(grep -cE "^RESULT: pd-nmem[0-9]=$2\$" <<<"$1") -eq $3 ]]
}
check "persistence domain with a block-device NVDIMM: unknown on all four regions" \
    pd_all "$b1" unknown 4
check "persistence domain with only MAP_SYNC files and devdax: memory_controller on all three" \
    pd_all "$b3" memory_controller 3
guest_tap_exit
