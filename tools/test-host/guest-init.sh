#!/bin/sh
# /init of the GUEST initramfs (runs inside the VMM under test, inside the
# test host). Mounts the basics, loads the nvdimm modules, runs the caller's
# script (/test.sh) and powers off. Everything it prints starts with
# "GUEST: " so the runner can tell it from the kernel's messages; the
# caller's script prints its own lines (e.g. "RESULT: ...").
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /tmp /run /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "GUEST: init uptime=$(uptime_s)"

# Which boot of this test-host run this is (1, 2, ...): the host puts
# testhost.boot=N on our kernel command line.
TESTHOST_BOOT=$(sed -n 's/.*testhost\.boot=\([0-9]*\).*/\1/p' /proc/cmdline)
export TESTHOST_BOOT

# Modules in dependency order (written by the builder).
while read -r m; do
    insmod "$m" || echo "GUEST: insmod-failed=${m##*/}"
done < /etc/modules.order

# Regions are probed asynchronously: give the nd bus up to ~5 s to show
# its DIMMs and regions (a VMM without an NVDIMM simply times out here).
i=0
while [ $i -lt 50 ]; do
    for r in /sys/bus/nd/devices/region*; do [ -e "$r" ] && break 2; done
    sleep 0.1
    i=$((i + 1))
done
echo "GUEST: nd-devices=$(cd /sys/bus/nd/devices 2>/dev/null && echo *)"
echo "GUEST: script-start boot=${TESTHOST_BOOT:-?} uptime=$(uptime_s)"

sh /test.sh
rc=$?
echo "GUEST: script-exit=$rc uptime=$(uptime_s)"
sync
poweroff -f
# Not reached unless poweroff failed.
echo "GUEST: poweroff-failed"
sleep 5
