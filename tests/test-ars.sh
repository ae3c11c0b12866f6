#!/usr/bin/env bash
# tests/test-ars.sh — media errors in a real guest (the TCG test host) with
# Debian's ndctl: the pmem/ndctl project's inject-error sequence on a raw
# namespace (tests/guest/ars.sh): errors injected without notification are
# listed by `ndctl inject-error --status` but not in the block device's
# badblocks until `ndctl start-scrub` + `wait-scrub` (an ARS) finds them
# ("42 8"); a read of a poisoned block fails with EIO; a direct write over
# them clears them (Linux's Clear Uncorrectable Error). An injection with
# notification (Notify 0x81 on \_SB.NVDR through the GED) makes Linux
# scrub by itself. The state file keeps the list meanwhile. Prints TAP.
#   usage: tests/test-ars.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-ars.sh NVEMU_BINARY}

guest_tap_need_root
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2016  # expanded in the test host
{
args='-m 512M,slots=2,maxmem=2G -nographic -no-reboot'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=${DISK_MB0}M'
args+=' -device nvdimm,id=nv0,memdev=mem0,label-size=0,state-file=/tmp/nv0.state'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
}
out=$tmp/out
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --vmm-args "$args" \
    --guest-script "$here/guest/ars.sh" --vmm-timeout 200 >"$out" 2>&1
sed 's/^/# /' "$out"

# value LABEL: what follows "RESULT: LABEL "
value() { sed -n "s/^RESULT: $1 //p" "$out" | head -n 1; }
is() { [[ $(value "$1") == "$2" ]] || { echo "# $1: got '$(value "$1")', want '$2'"; return 1; }; }
has() { grep -qE -- "$1" "$out"; }
# ndctl inject-error --status: one record, block 42 count 8
status_42_8() { [[ $(value "$1") == *'"badblocks":[{"block":42,"count":8}]'* ]]; }
no_status() { [[ $(value "$1") != *'"block"'* ]]; }

echo "1..14"
check "the bus offers ARS, clear, translate and injection (dsm_mask 0x3be); a raw namespace" \
    has '^RESULT: setup ns=namespace0.0 mode=raw bus_dsm_mask=0x3be scrub='
check "inject 8 blocks at 42 --no-notify: --status lists block 42 count 8" \
    status_42_8 inject1-status
check "... and /sys/block/pmem0/badblocks is still empty" is inject1-badblocks '[]'
check "--uninject: --status lists nothing" no_status uninject-status
check "inject again --no-notify: badblocks still empty before a scrub" \
    is inject2-badblocks-before-scrub '[]'
scrub_moved() {
    local l b a; l=$(value scrub)
    b=$(sed -n 's/^count-before=\([0-9]*\) .*/\1/p' <<<"$l")
    a=$(sed -n 's/.* count-after=\([0-9]*\) .*/\1/p' <<<"$l")
    [[ -n $b && -n $a ]] && ((a > b))
}
check "start-scrub + wait-scrub: the scrub count moved" scrub_moved
check "after the scrub badblocks shows '42 8'" is inject2-badblocks-after-scrub '[42 8,]'
check "ndctl list --media-errors shows them" \
    has '^RESULT: media-errors .*"badblocks":\[\{"offset":42,"length":8'
check "a direct read of poisoned block 45 fails with EIO" \
    has '^RESULT: read-poisoned rc=1 err=.*Input/outputerror'
check "a read of clean block 50 works" is read-clean 'rc=0'
check "a direct write over 42..49 succeeds and clears badblocks" \
    has '^RESULT: write-over rc=0 err=$'
after_write() {
    is after-write-badblocks '[]' && no_status after-write-status && is read-after-write rc=0
}
check "... badblocks empty, --status empty, block 45 readable" after_write
check "inject with notification (block 100): Linux scrubs by itself, badblocks '100 1'" \
    has '^RESULT: notify-badblocks \[100 1,\] waited='
check "... cleared by a write" has '^RESULT: notify-cleared \[\] status=.*'
guest_tap_exit
