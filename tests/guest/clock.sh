#!/bin/sh
# Guest side of tests/test-guest-clock.sh: a guest booted without kvmclock
# (no-kvmclock tsc_early_khz=N) reports how it found its clocks. Every
# line carries the boot number (bN) from testhost.boot=N.
b=$(sed -n 's/.*testhost\.boot=\([0-9]*\).*/\1/p' /proc/cmdline)
r() { echo "RESULT: b$b $*"; }

r init-reached uptime=$(cut -d' ' -f1 /proc/uptime)
r cmdline=$(cat /proc/cmdline)
r kvm-clock-lines=$(dmesg | grep -c 'kvm-clock')
dmesg | grep -E 'tsc: Detected [0-9.]+ MHz' | head -n 1 | sed "s/^.*tsc: /RESULT: b$b tsc /"
r rtc-unreadable=$(dmesg | grep -c 'Unable to read current time from RTC')
dmesg | grep -E 'rtc_cmos .*setting system clock' | head -n 1 | sed "s/^.*rtc_cmos/RESULT: b$b hctosys rtc_cmos/"
r clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
r guest-date=$(date +%s)
# The guest sets the RTC (rtc_cmos: SET, the time registers, SET cleared)
# an hour ahead of its clock and reads it back.
if [ -e /dev/rtc0 ]; then
    now=$(date +%s)
    if date -u -s "@$((now + 3600))" >/dev/null && hwclock -w -u -f /dev/rtc0; then
        r rtc-set expected=$((now + 3600)) read=$(cat /sys/class/rtc/rtc0/since_epoch)
    else
        r rtc-set failed
    fi
fi
