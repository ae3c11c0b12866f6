#!/usr/bin/env bash
# tests/test-daemonize.sh — -daemonize, -serial file: and -D in a real run
# (the TCG test host, two short boots). Boot 1: the test host starts nvemu
# with QEMU options and waits for it; with -daemonize that wait ends, exit
# 0, as soon as the guest runs; the daemon (found by its -name process=
# name) has its own session and stdio on /dev/null; the guest's console is
# the -serial file (the user's old content truncated away) and the -d io
# log is in the -D file. Boot 2 fails after the fork (-m 16M cannot hold the
# kernel: "raise -m"): the parent exits 1 with the daemon's one error line,
# and the console and log files that start created are gone. Prints TAP.
#   usage: tests/test-daemonize.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-daemonize.sh NVEMU_BINARY}

guest_tap_need_root
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016  # expanded in the test host
# shellcheck disable=SC2016
args='-machine pc,nvdimm=on,accel=kvm -accel kvm -cpu host -m size=$((BOOT == 2 ? 16 : 512))M,slots=2,maxmem=2G'
args+=' -smp 1,sockets=1,cores=1,threads=1 -name guest=vm1,process=nvemu-daemon'
args+=' -display none -vga none -net none -nodefaults -no-user-config -monitor none'
args+=' -rtc base=utc -no-hpet -boot c -no-reboot -daemonize'
# shellcheck disable=SC2016
args+=' -serial file:/tmp/console$BOOT.log -D /tmp/nvemu-io$BOOT.log -d io'
# shellcheck disable=SC2016
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=${DISK_MB0}M'
args+=' -device nvdimm,id=nv0,memdev=mem0,label-size=128K'
# shellcheck disable=SC2016
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
out=$tmp/out
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --boots 2 --vmm-args "$args" \
    --host-script "$here/guest/daemonize-host.sh" \
    --guest-script "$here/guest/daemonize.sh" >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
lacks() { ! grep -qE -- "$1" "$out"; }
# The parent returned while the guest still had to boot and run its
# script (which alone sleeps 2 s): the daemon outlived it by more than that.
parent_early() {
    awk '/^RESULT: host daemon-outlived-parent secs=/{ split($4, a, "="); ok = a[2] >= 2 }
         END { exit !ok }' "$out"
}
echo "1..14"
check "the parent nvemu exited 0" has '^TESTHOST: boot=1 vmm-exit=0 '
check "its stderr was empty" lacks '^TESTHOST: boot=1 vmm-stderr: '
check "the daemon ran on, named by -name process=" has '^RESULT: host daemon pid=[0-9]+ '
check "the daemon leads its own session (setsid)" \
    has '^RESULT: host daemon pid=([0-9]+) ppid=[0-9]+ session=\1 '
check "the daemon's stdin, stdout, stderr are /dev/null" \
    has 'fd0=/dev/null fd1=/dev/null fd2=/dev/null$'
check "the daemon ended when the guest powered off" lacks '^RESULT: host (no-daemon|daemon-still-running)'
check "the guest's console went to -serial file:, truncated first" \
    bash -c "grep -qE '^RESULT: console: guest-still-running' '$out' && ! grep -q 'console-kept-old-content' '$out' && grep -qE '^GUEST: script-exit=0' '$out'"
check "the parent returned before the guest's script ended" parent_early
check "-d io went to the -D file" has '^RESULT: host io-log-has-com1-writes'
check "boot 2: the parent exited 1" has '^TESTHOST: boot=2 vmm-exit=1 '
check "boot 2: with the daemon's one error line, naming -kernel" \
    bash -c "[[ \$(grep -c '^TESTHOST: boot=2 vmm-stderr: ' '$out') == 1 ]] &&
             grep -qE '^TESTHOST: boot=2 vmm-stderr: nvemu: -kernel .*\(raise -m\)$' '$out'"
check "boot 2: the console and log files it created are removed" \
    lacks '^RESULT: host boot2-(console|log)-file-left'
check "boot 2: no daemon left running" lacks '^RESULT: host boot2-daemon-running'
check "boot 2: the user's backing file is kept" has '^RESULT: host boot2-backing-file-kept'
guest_tap_exit
