#!/bin/sh
# bench/boot-check.sh — a guest script that only reports how the guest
# booted (its clocksource, its uptime at /init and now), for counting
# reliable boots: tools/test-host/run --vmm qemu --boots 10 --guest-script
# bench/boot-check.sh --cmdline-for "qemu=..." (docs/performance.md).
echo "RESULT: boot-check boot=${TESTHOST_BOOT:-?} clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) uptime=$(cut -d' ' -f1 /proc/uptime)"
