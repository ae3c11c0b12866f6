#!/usr/bin/env bash
# tests/test-stop.sh — how nvemu stops when it must, in a real guest (the
# TCG test host). Boots 1 and 2: the guest writes pmem whose sparse backing
# file is on a file system that fills up (a 48 MiB tmpfs under a 256 MiB
# file); nvemu must stop the guest and exit non-zero, promptly, with one
# line naming the backend, its file and the error; never hang. Boot 1
# stores from guest user mode (device-dax mmap), boot 2 from the guest
# kernel (dd to /dev/pmem0). Boots 3 and 4: SIGTERM, then SIGINT (nvemu in
# the background of a script) stop nvemu with QEMU's line, exit 128+N, and
# the guest's data is in the file. Prints TAP.
#   usage: tests/test-stop.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-stop.sh NVEMU_BINARY}

guest_tap_need_root
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The user-mode writer: freestanding, embedded in the guest script.
if ! ${CC:-cc} -static -nostdlib -ffreestanding -fno-builtin \
        -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-pie -no-pie -O2 \
        -o "$tmp/pmem-store" "$here/guest/pmem-store.c"; then
    echo "1..0 # SKIP cannot build tests/guest/pmem-store.c"
    exit 0
fi
{ echo '#!/bin/sh'; printf "PMEM_STORE_B64='%s'\n" "$(base64 -w0 "$tmp/pmem-store")"
  cat "$here/guest/stop.sh"; } > "$tmp/guest.sh"

timeout=${NVEMU_STOP_TIMEOUT:-90}
# shellcheck disable=SC2016  # expanded in the test host
args='-m 512M,slots=2,maxmem=2G -nographic -no-reboot'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=/tmp/full/pmem0.img,size=256M'
args+=' -device nvdimm,id=nv0,memdev=mem0'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
out=$tmp/out
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --boots 4 --vmm-args "$args" \
    --host-script "$here/guest/stop-host.sh" --guest-script "$tmp/guest.sh" \
    --vmm-timeout "$timeout" >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
lacks() { ! grep -qE -- "$1" "$out"; }
# vmm-exit=RC secs=S of boot B: RC non-zero, not the watchdog's 124, and S
# well within the limit.
stopped() { # boot
    local rc secs
    read -r rc secs < <(sed -n "s/^TESTHOST: boot=$1 vmm-exit=\([0-9]*\) secs=\([0-9.]*\).*/\1 \2/p" "$out")
    [[ -n $rc && $rc -ne 0 && $rc -ne 124 ]] && awk -v s="$secs" -v t="$timeout" 'BEGIN { exit !(s < t - 20) }'
}
line='^TESTHOST: boot=%s vmm-stderr: nvemu: memory-backend-file mem0 \(/tmp/full/pmem0\.img\): the host can no longer back the guest.s pmem \(the file has holes and its file system is full\): No space left on device$'
echo "1..15"
check "the test host mounted a 48M tmpfs for the backing file" has '^RESULT: host boot1-fs=tmpfs 49152 '
check "boot 1: the guest stored to device-dax from user mode" has '^RESULT: user-store-start'
check "boot 1: nvemu exited non-zero (not the watchdog) well within ${timeout}s" stopped 1
# shellcheck disable=SC2059
check "boot 1: one line names the backend, its file and ENOSPC" has "$(printf "$line" 1)"
check "boot 2: the guest kernel wrote /dev/pmem0" has '^RESULT: kernel-store-start'
check "boot 2: nvemu exited non-zero (not the watchdog) well within ${timeout}s" stopped 2
# shellcheck disable=SC2059
check "boot 2: one line names the backend, its file and ENOSPC" has "$(printf "$line" 2)"
killed() { # boot signal: exit 128+N well within the limit
    local rc secs
    read -r rc secs < <(sed -n "s/^TESTHOST: boot=$1 vmm-exit=\([0-9]*\) secs=\([0-9.]*\).*/\1 \2/p" "$out")
    [[ $rc == $((128 + $2)) ]] && awk -v s="$secs" -v t="$timeout" 'BEGIN { exit !(s < t - 20) }'
}
# The sender (a subshell of the host script) reported its pid and comm.
sender_named() { # boot signo
    local from comm
    read -r from comm < <(sed -n "s/^RESULT: host boot$1-kill-[A-Z]* pid=[0-9]* from=\([0-9]*\) comm=\(.*\)$/\1 \2/p" "$out")
    [[ -n $from && -n $comm ]] &&
        grep -qxF "TESTHOST: boot=$1 vmm-stderr: nvemu: terminating on signal $2 from pid $from ($comm)" "$out"
}
check "boot 3: the guest wrote its marker" has '^RESULT: marker-written'
check "boot 3: SIGTERM: nvemu exited 143 well within ${timeout}s" killed 3 15
check "boot 3: QEMU's line, naming the sender's pid and comm" sender_named 3 15
check "boot 3: the guest's marker is in the backing file" has '^RESULT: host boot3-marker-in-file'
check "boot 4: SIGINT to a background nvemu: exit 130 well within ${timeout}s" killed 4 2
check "boot 4: QEMU's line, naming the sender's pid and comm" sender_named 4 2
check "boot 4: the guest's marker is in the backing file" has '^RESULT: host boot4-marker-in-file'
check "no guest outlived its stop" lacks '^RESULT: survived'
guest_tap_exit
