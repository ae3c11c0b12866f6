#!/bin/sh
# bench/memhp-guest.sh — the guest's /test.sh for bench/hotplug-vs-qemu:
# starts memhp-total (bench/memhp-total.c), which writes the kernel's total
# RAM to block 1 of /dev/pmem0 (the label-less NVDIMM) whenever it changes,
# and waits for the host's QMP quit, which ends the VMM; this script never
# reaches its end. Hot-added memory is onlined by the kernel itself
# (memhp_default_state=online_movable on the command line of both VMMs).
memhp-total /dev/pmem0 1 &
echo "RESULT: memhp-guest up boot=${TESTHOST_BOOT:-?} uptime=$(cut -d' ' -f1 /proc/uptime) policy=$(cat /sys/devices/system/memory/auto_online_blocks) block-size=$(cat /sys/devices/system/memory/block_size_bytes) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
sleep 900
echo "RESULT: memhp-guest no-quit"
exit 1
