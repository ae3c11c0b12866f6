#!/usr/bin/env bash
# tests/test-e2e.sh — the user's whole story on nvemu, in a real guest on
# nested KVM inside the TCG test host: two boots of one machine with three
# NVDIMMs (labels in the file tail, a label file, no labels). Guest side:
# tests/guest/e2e.sh; test-host side (around each boot): tests/guest/
# e2e-host.sh. Prints TAP.
#   usage: tests/test-e2e.sh NVEMU_BINARY NVEMU_LABEL_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-e2e.sh NVEMU NVEMU_LABEL}
label_tool=${2:?usage: test-e2e.sh NVEMU NVEMU_LABEL}

guest_tap_need_root

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016  # expanded inside the test host
args='-m 512M,slots=4,maxmem=4G -nographic -no-reboot
 -object memory-backend-file,id=m0,share=on,mem-path=$DISK0
 -device nvdimm,id=nv0,memdev=m0,label-size=128K
 -object memory-backend-file,id=m1,share=on,mem-path=$DISK1
 -device nvdimm,id=nv1,memdev=m1,label-file=/tmp/nv1.labels
 -object memory-backend-file,id=m2,share=on,mem-path=$DISK2
 -device nvdimm,id=nv2,memdev=m2,label-size=0
 -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --tool "$label_tool" \
    --disk-mb 272,384,272 --boots 2 --vmm-args "${args//$'\n'/}" \
    --guest-script "$here/guest/e2e.sh" --host-script "$here/guest/e2e-host.sh" \
    --vmm-timeout 180 >"$out" 2>&1
status=$?
sed 's/^/# /' "$out"

# Boot 1's guest lines come before "boot=1 vmm-exit", boot 2's after it.
b1=$(sed -n '1,/^TESTHOST: boot=1 vmm-exit/p' "$out")
b2=$(sed -n '/^TESTHOST: boot=1 vmm-exit/,$p' "$out")
val() { sed -n "s/^RESULT: $1=//p" <<<"$2" | head -n 1; }

same() { [[ -n "$1" && "$1" == "$2" ]]; }
has() { grep -qE -- "$1" <<<"$2"; }

echo "1..15"
check "both boots: the guest script ran and nvemu exited 0" test "$status" -eq 0
# a
check "a: fsdax on a label-file NVDIMM without -s (region aligned)" same "$(val beta "$b1")" created
check "a: fsdax on a tail-label NVDIMM with an aligned -s 128M" same "$(val alpha "$b1")" created
# b
check "b: labels written by nvemu-label init on the host are accepted by ndctl" \
    bash -c "[[ '$(val 'host init' "$b1")' == ok && '$(val host-labels "$b1")' == accepted ]]"
check "b: after a restart, alpha has the same mode, size and uuid" \
    same "$(val ns-alpha "$b1")" "$(val ns-alpha "$b2")"
check "b: after a restart, beta has the same mode, size and uuid" \
    same "$(val ns-beta "$b1")" "$(val ns-beta "$b2")"
uuid_a=$(val ns-alpha "$b2" | sed -n 's/.*uuid:\([^ ]*\).*/\1/p')
uuid_b=$(val ns-beta "$b2" | sed -n 's/.*uuid:\([^ ]*\).*/\1/p')
check "b: nvemu-label dump on the host shows alpha with the guest's uuid" \
    has "^RESULT: host boot2-label-alpha=uuid:$uuid_a rawsize:134217728" "$b2"
check "b: nvemu-label dump on the host shows beta with the guest's uuid" \
    has "^RESULT: host boot2-label-beta=uuid:$uuid_b " "$b2"
# c
check "c: devdax, sector and raw namespaces created" \
    bash -c "[[ '$(val devdax "$b1")$(val sector "$b1")$(val raw "$b1")' == okokok ]]"
check "c: destroy-namespace gives the space back" \
    bash -c "[[ '$(val destroyed-devdax "$b1")$(val destroyed-sector "$b1")$(val destroyed-raw "$b1")' == okokok && -n '$(val free-before "$b1")' && '$(val free-before "$b1")' == '$(val free-after "$b1")' ]]"
# d
check "d: three NVDIMMs; the label-less one is one raw namespace over all of it" \
    has '^RESULT: label-less=\[\{"dev":"namespace[0-9.]+","mode":"raw","size":268435456,' "$b1"
check "d: the label-less namespace is still there after the restart" \
    same "$(val label-less "$b1")" "$(val label-less "$b2")"
# e
w=$(val data-written "$b1")
check "e: data read back in the same boot" same "$w" "$(val data-read "$b1")"
check "e: data written in boot 1 reads back in boot 2" same "$w" "$(val data-read "$b2")"
check "e: and it is in the backing file on the host" same "$w" "$(val 'host boot2-file-data' "$b2")"
guest_tap_exit
