#!/usr/bin/env bash
# tests/test-guest.sh — nvemu booting Debian's kernel with two NVDIMMs, on
# nested KVM inside the TCG test host (tools/test-host/run). Prints TAP:
# one line per check of what the guest reported (tests/guest/basic.sh).
#   usage: tests/test-guest.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-guest.sh NVEMU_BINARY}


guest_tap_need_root

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Two vCPUs; two NVDIMMs on 272M files with 128K labels in the tail: 256M
# of pmem each. $DISKn etc. are expanded inside the test host.
dimm() { # n
    printf ' -object memory-backend-file,id=mem%s,share=on,mem-path=$DISK%s,size=${DISK_MB%s}M' "$1" "$1" "$1"
    printf ' -device nvdimm,id=nv%s,memdev=mem%s,label-size=128K' "$1" "$1"
}
# shellcheck disable=SC2016
args="-m 512M,slots=4,maxmem=4G -smp 2$(dimm 0)$(dimm 1) -nographic -no-reboot"
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --disk-mb 272,272 --vmm-args "$args" \
    --guest-script "$here/guest/basic.sh" --host-script "$here/guest/clock-host.sh" \
    --vmm-timeout 150 >"$out" 2>&1
status=$?
sed 's/^/# /' "$out"

# Guest reboot without -no-reboot: nvemu boots it again, pmem kept. This
# run boots the bzImage as QEMU does (the kernel decompresses itself).
out2=$(mktemp)
trap 'rm -f "$out" "$out2"' EXIT
# shellcheck disable=SC2016
args2="-machine kernel-unpack=guest -m 512M,slots=4,maxmem=4G$(dimm 0) -nographic"
args2+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --disk-mb 272 --vmm-args "$args2" \
    --guest-script "$here/guest/reboot.sh" --vmm-timeout 150 >"$out2" 2>&1
status2=$?
sed 's/^/# reboot: /' "$out2"

has() { grep -qE -- "$1" "$out"; }
has2() { grep -qE -- "$1" "$out2"; }
lacks() { ! grep -qE -- "$1" "$out"; }
value() { sed -n "s/^RESULT: $1=\([0-9]*\)\$/\1/p" "$out" | head -n 1; }
# near_host KEY: the guest's KEY (seconds since the epoch) lies within two
# minutes of the test host's clock between just before and just after the
# VMM run (the test host's own clock comes from the outer QEMU's RTC).
near_host() {
    local v b a
    v=$(value "$1") b=$(value testhost-date-before) a=$(value testhost-date-after)
    echo "# $1=$v, test host before=$b after=$a"
    [[ -n $v && -n $b && -n $a ]] && ((v >= b - 120 && v <= a + 120))
}
echo "1..21"
check "the test host and nested KVM came up" has '^TESTHOST: kvm=ok'
check "the guest reached /init" has '^RESULT: init-reached'
check "both vCPUs (-smp 2) are online" has '^RESULT: cpus-online=0-1$'
check "vmlinux (unpacked by nvemu) runs at its link address, 16M" \
    has '^RESULT: kernel-code=0*1000000$'
check "the host's RNG seed made the guest's random pool ready at boot" \
    has '^RESULT: crng \[ *0\.000000\] random: crng init done'
check "dmesg lists nvemu's NFIT" has '^RESULT: table ACPI: NFIT .*NVEMU'
check "dmesg lists nvemu's NVDIMM SSDT" has '^RESULT: table ACPI: SSDT .*NVDIMM'
check "no ACPI Error, ACPI BIOS Error or ACPI Warning in dmesg" lacks '^RESULT: acpi-problem'
check "ndctl list -D shows nmem0 and nmem1" \
    has '^RESULT: dimms=.*"dev":"nmem0".*"dev":"nmem1"|^RESULT: dimms=.*"dev":"nmem1".*"dev":"nmem0"'
check "ndctl list -R shows two 256M pmem regions" \
    has '^RESULT: regions=\[\{"dev":"region[01]","size":268435456,.*"type":"pmem".*\},\{"dev":"region[01]","size":268435456,.*"type":"pmem"'
# Files on the test host's tmpfs are not DAX: nvemu claims no persistence
# domain (no NFIT platform capabilities), which ndctl shows as "unknown".
check "ndctl list -R: persistence_domain unknown on both regions (tmpfs files)" \
    bash -c "[ \$(grep '^RESULT: regions=' '$out' | grep -o '\"persistence_domain\":\"unknown\"' | wc -l) -eq 2 ]"
check "ndctl read-labels returns each 128K label area" \
    bash -c "grep -q '^RESULT: read-labels-nmem0=131072' '$out' && grep -q '^RESULT: read-labels-nmem1=131072' '$out'"
# With kvmclock Linux takes its boot time from kvmclock and did not print this
# even with -machine rtc=off (measured); test-guest-clock.sh has the control.
check "the guest read the CMOS RTC at boot (no 'Unable to read current time from RTC')" \
    has '^RESULT: rtc-unreadable=0$'
check "rtc_cmos bound the RTC: /sys/class/rtc/rtc0" has '^RESULT: rtc0=rtc_cmos( |$)'
check "the RTC's time is the test host's (within 2 minutes)" near_host rtc0-epoch
check "the guest's date +%s is the test host's (within 2 minutes)" near_host guest-date
check "guest poweroff -f made nvemu exit 0" has '^TESTHOST: boot=1 vmm-exit=0 '
check "the test-host run succeeded" test "$status" -eq 0
check "guest reboot -f: nvemu boots the guest again" \
    has2 'vmm-stderr: nvemu: the guest reset: booting it again'
check "pmem written before the reboot reads back after it" \
    has2 '^RESULT: second-boot marker-found'
check "the rebooted guest powered off and nvemu exited 0" \
    bash -c "grep -q '^TESTHOST: boot=1 vmm-exit=0 ' '$out2' && [ $status2 -eq 0 ]"
guest_tap_exit
