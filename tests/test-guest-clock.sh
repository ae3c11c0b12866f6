#!/usr/bin/env bash
# tests/test-guest-clock.sh — a guest without kvmclock on nvemu: QEMU
# recipes pass no-kvmclock, which on nvemu's hardware-reduced machine
# (no PIT, HPET or PM timer) leaves Linux no way to calibrate its LAPIC
# timer unless it is told the TSC rate (tsc_early_khz=, here the test
# host's). Boots 1 and 2 have the CMOS RTC for the wall clock; boot 3,
# the control, has -machine rtc=off.
# Prints TAP.   usage: tests/test-guest-clock.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-guest-clock.sh NVEMU_BINARY}


guest_tap_need_root

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Expanded in the test host: its own TSC rate ("cpu MHz" of its
# /proc/cpuinfo, in kHz), which nested KVM gives the guest unscaled; and
# boot 3 without the RTC, the control: there the guest cannot read the time.
# shellcheck disable=SC2016
khz='$(sed -n "s/^cpu MHz[^:]*: *\([0-9]*\)\.\([0-9][0-9][0-9]\).*/\1\2/p" /proc/cpuinfo | head -n 1)'
# shellcheck disable=SC2016
rtc='$([ "$BOOT" = 3 ] && echo off || echo on)'
args="-machine rtc=$rtc -m 512M,slots=2,maxmem=4G -smp 2 -nographic -no-reboot"
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=${DISK_MB0}M'
args+=' -device nvdimm,id=nv0,memdev=mem0,label-size=128K'
args+=" -kernel \$KERNEL -initrd \$INITRD -append \"\$APPEND no-kvmclock tsc_early_khz=$khz\""
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --disk-mb 272 --vmm-args "$args" \
    --guest-script "$here/guest/clock.sh" --host-script "$here/guest/clock-host.sh" \
    --boots 3 --vmm-timeout 120 >"$out" 2>&1
status=$?
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
# boots12 RE: boots 1 and 2 (with the RTC) both printed the line
boots12() { has "^RESULT: b1 $1" && has "^RESULT: b2 $1"; }
# The TSC rate each guest reports is the one it was given.
tsc_as_given() {
    local b given detected ok=0
    for b in 1 2 3; do
        given=$(sed -n "s/^RESULT: b$b cmdline=.*tsc_early_khz=\([0-9]*\).*/\1/p" "$out")
        detected=$(sed -n "s/^RESULT: b$b tsc Detected \([0-9]*\)\.\([0-9]*\) MHz.*/\1\2/p" "$out")
        echo "# boot $b: tsc_early_khz=$given, the guest detected ${detected} kHz"
        [[ -n $given && $given -gt 0 && $given == "$detected" ]] && ok=$((ok + 1))
    done
    [[ $ok -eq 3 ]]
}
# date +%s of boots 1 and 2 within two minutes of the test host's clock
# around the runs.
dates_near_host() {
    local b a v bt ok=0
    b=$(sed -n 's/^RESULT: testhost-date-before=\([0-9]*\)$/\1/p' "$out" | head -n 1)
    a=$(sed -n 's/^RESULT: testhost-date-after=\([0-9]*\)$/\1/p' "$out" | tail -n 1)
    for bt in 1 2; do
        v=$(sed -n "s/^RESULT: b$bt guest-date=\([0-9]*\)$/\1/p" "$out")
        echo "# boot $bt: guest-date=$v, test host before=$b after=$a"
        [[ -n $v && -n $b && -n $a ]] && ((v >= b - 120 && v <= a + 120)) && ok=$((ok + 1))
    done
    [[ $ok -eq 2 ]]
}
# hwclock -w an hour ahead, read back from /sys/class/rtc/rtc0 within 5 s.
rtc_set_by_guest() {
    local bt e v ok=0
    for bt in 1 2; do
        e=$(sed -n "s/^RESULT: b$bt rtc-set expected=\([0-9]*\) read=\([0-9]*\)$/\1/p" "$out")
        v=$(sed -n "s/^RESULT: b$bt rtc-set expected=\([0-9]*\) read=\([0-9]*\)$/\2/p" "$out")
        echo "# boot $bt: set the RTC to $e, read back $v"
        [[ -n $e && -n $v ]] && ((v >= e && v <= e + 5)) && ok=$((ok + 1))
    done
    [[ $ok -eq 2 ]]
}
echo "1..11"
check "the test host and nested KVM came up" has '^TESTHOST: kvm=ok'
check "all three boots with no-kvmclock reached /init" \
    bash -c "has() { grep -qE \"\$1\" '$out'; }; has '^RESULT: b1 init-reached' && has '^RESULT: b2 init-reached' && has '^RESULT: b3 init-reached'"
check "kvmclock was off (no kvm-clock in dmesg)" boots12 'kvm-clock-lines=0$'
check "each guest's TSC rate is the tsc_early_khz= it was given" tsc_as_given
check "no 'Unable to read current time from RTC' with the RTC (boots 1, 2)" \
    boots12 'rtc-unreadable=0$'
check "rtc_cmos set the system clock (boots 1, 2)" boots12 'hctosys rtc_cmos .*setting system clock'
check "the guests' date +%s is the test host's (within 2 minutes)" dates_near_host
check "the guest set the RTC (hwclock -w) and read its time back (boots 1, 2)" rtc_set_by_guest
check "control, -machine rtc=off (boot 3): 'Unable to read current time from RTC'" \
    has '^RESULT: b3 rtc-unreadable=[1-9]'
check "control, -machine rtc=off (boot 3): no rtc_cmos" \
    bash -c "! grep -q '^RESULT: b3 hctosys' '$out'"
check "every guest powered off and nvemu exited 0" \
    bash -c "[ \$(grep -cE '^TESTHOST: boot=[123] vmm-exit=0 ' '$out') -eq 3 ] && [ $status -eq 0 ]"
guest_tap_exit
