#!/usr/bin/env bash
# tests/test-failed-start.sh — a start that fails after nvemu created its
# files but before the guest's first instruction (here: an initrd that does
# not fit in 128M of RAM, found while loading the kernel) on a real /dev/kvm
# (nested, in the TCG test host). nvemu must exit 1 with one line naming
# -initrd, and remove exactly the files it created (new.img, new.lbl),
# leaving the user's file as it was. Prints TAP.
#   usage: tests/test-failed-start.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-failed-start.sh NVEMU_BINARY}


guest_tap_need_root

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016
args='-m 128M,slots=3,maxmem=2G -nographic -no-reboot'
args+=' -object memory-backend-file,id=new,share=on,mem-path=/tmp/fs/new.img,size=256M'
args+=' -device nvdimm,id=nv0,memdev=new,label-file=/tmp/fs/new.lbl'
args+=' -object memory-backend-file,id=user,share=on,mem-path=/tmp/fs/user.img'
args+=' -device nvdimm,id=nv1,memdev=user,label-size=0'
args+=' -kernel $KERNEL -initrd /tmp/fs/big.rd -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --vmm-args "$args" \
    --guest-script "$here/guest/none.sh" \
    --host-script "$here/guest/failed-start-host.sh" --vmm-timeout 60 >"$out" 2>&1
status=$?
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
lacks() { ! grep -qE -- "$1" "$out"; }
echo "1..7"
check "the test host and nested KVM came up" has '^TESTHOST: kvm=ok'
check "the scratch directory held the user's file and the initrd" \
    has '^RESULT: before=big.rd user.img $'
check "nvemu exited 1" has '^TESTHOST: boot=1 vmm-exit=1 '
check "one line names -initrd and says it does not fit" \
    has 'vmm-stderr: nvemu: -initrd /tmp/fs/big.rd: 160M does not fit in RAM'
check "the guest never ran" lacks '^RESULT: guest-ran'
check "new.img and new.lbl (created by this start) are gone, nothing else appeared" \
    has '^RESULT: after=big.rd user.img $'
check "the user's file is as it was" \
    has '^RESULT: user-head=user data user-size=268435456$'
[[ $status -eq 3 ]] || echo "# test-host status $status (3 expected: the VMM run failed)"
guest_tap_exit
