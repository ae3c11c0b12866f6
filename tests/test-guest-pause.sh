#!/usr/bin/env bash
# tests/test-guest-pause.sh — vCPU pause and resume (machine/vm.h) on a real
# guest in the TCG test host: tests/machine-pause boots the guest with
# nvemu's machine object and, from its main loop, pauses all vCPUs six
# times for 1 s each (no vCPU thread may use CPU then) and resumes them
# while the guest is busy; then, once its busy loop is over (the vCPUs
# idle), nv_machine_request_reset() (the guest boots again) and, in the second boot, nv_machine_quit() (nvemu's boot returns
# "quit", state "shutdown"). Prints TAP.
#   usage: tests/test-guest-pause.sh MACHINE_PAUSE_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
harness=${1:?usage: test-guest-pause.sh MACHINE_PAUSE_BINARY}
guest_tap_need_root
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016
args='-m 512M,slots=2,maxmem=2G -smp 2 -nographic'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=272M'
args+=' -device nvdimm,id=nv0,memdev=mem0'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$harness" --vmm-args "$args" \
    --guest-script "$here/guest/pause.sh" --vmm-timeout 150 >"$out" 2>&1
sed 's/^/# /' "$out"
has() { grep -qE -- "$1" "$out"; }
lacks() { ! grep -qE -- "$1" "$out"; }
echo "1..8"
check "six rounds: both vCPUs parked each time" \
    test "$(grep -cE 'vmm-stderr: machine-pause: round [0-5]: 2 vCPUs parked in [0-9]+ us$' "$out")" -eq 6
check "no vCPU thread used CPU while paused" \
    test "$(grep -cE 'vmm-stderr: machine-pause: round [0-5]: paused [0-9]+ ms, vCPU CPU \+[01] ticks$' "$out")" -eq 6
check "no step failed (state paused/running, CPU used again after resume)" lacks 'machine-pause: round [0-9]+: FAILED'
check "the guest's busy loop ended after the pauses" has '^RESULT: busy-done'
check "after the requested reset the guest booted and ran its script again" \
    test "$(grep -c '^RESULT: busy-start' "$out")" -eq 2
check "the first boot's script ended before the reset, the second's was quit" \
    test "$(grep -c '^RESULT: busy-done' "$out")" -eq 1
check "quit ended the second boot, state shutdown" has 'vmm-stderr: machine-pause: 6 rounds, 2 boots, the last ended by quit, state shutdown$'
check "the harness exited 0" has '^TESTHOST: (vmm=[^ ]+ )?boot=1 vmm-exit=0 '
guest_tap_exit
