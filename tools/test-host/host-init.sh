#!/bin/sh
# /init of the TEST HOST initramfs (runs under qemu-system-x86_64 TCG with an
# SVM CPU). Loads the kvm modules (nested KVM), creates the NVDIMM backing
# files on a tmpfs, runs the VMM under test BOOTS times, each under its own
# time limit, and powers off. Every line it prints starts with "TESTHOST: ".
#
# /etc/testhost.conf (written by the runner) sets:
#   VMM          path of the VMM binary inside this initramfs
#   VMM_ARGS     the VMM's arguments, evaluated by this shell, so they may use
#                $KERNEL $INITRD $APPEND $DISK $DISK0 $DISK1 ... $DISK_MB0 ... $BOOT
#   GUEST_APPEND the guest kernel command line (testhost.boot=N is added)
#   DISK_MB      backing file sizes in MiB, space-separated ("" = none)
#   BOOTS        how many times to run the VMM
#   VMM_TIMEOUT  seconds each VMM run may take before it is killed
#   DISK_FILES   how many virtio disks the runner attached (--disk-file):
#                $DISKFILE0 ... name them (/dev/vda ...)
# /host.sh (--host-script), if present, runs as "/host.sh before N" and
# "/host.sh after N" around VMM run N, with $DISK0 ... $DISKFILE0 ... set.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /tmp /run /dev/shm /dev/hugepages
mount -t tmpfs -o size=2G tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm

uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "TESTHOST: init uptime=$(uptime_s)"
# shellcheck disable=SC1091  # written by the runner
. /etc/testhost.conf

while read -r m; do
    insmod "$m" || echo "TESTHOST: insmod-failed=${m##*/}"
done < /etc/modules.order
if [ ! -c /dev/kvm ]; then
    echo "TESTHOST: error=no-kvm"
    dmesg | tail -n 30 | sed 's/^/TESTHOST: dmesg: /'
    echo "TESTHOST: done failures=${BOOTS:-1}"
    poweroff -f
fi
echo "TESTHOST: kvm=ok nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null) uptime=$(uptime_s)"

# The NVDIMM backing files: sparse, on the tmpfs. They stay for all boots,
# so what a guest writes (labels, namespaces) is there on the next boot.
KERNEL=/guest/vmlinuz
INITRD=/guest/initrd.img
i=0
for mb in $DISK_MB; do
    f=/tmp/pmem$i.img
    truncate -s "${mb}M" "$f"
    eval "DISK$i=$f DISK_MB$i=$mb"
    export "DISK$i" "DISK_MB$i"
    i=$((i + 1))
done
DISK=${DISK0:-}
export KERNEL INITRD DISK
i=0
for letter in a b c d e f g h; do
    [ "$i" -lt "${DISK_FILES:-0}" ] || break
    eval "DISKFILE$i=/dev/vd$letter"
    export "DISKFILE$i"
    n=0   # virtio-blk probes asynchronously: give the node a moment
    while [ ! -b "/dev/vd$letter" ] && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    [ -b "/dev/vd$letter" ] || echo "TESTHOST: error=missing-disk /dev/vd$letter"
    i=$((i + 1))
done
host_hook() { # before|after N
    [ -x /host.sh ] && /host.sh "$@" 2>&1
}

# Kernel messages from here on would interleave with the guest's serial
# output on the same console: keep them in dmesg, print the kvm ones at the end.
dmesg -n 1

failures=0
BOOT=1
while [ "$BOOT" -le "$BOOTS" ]; do
    APPEND="$GUEST_APPEND testhost.boot=$BOOT"
    export APPEND BOOT
    eval "set -- $VMM_ARGS"
    host_hook before "$BOOT"
    echo "TESTHOST: boot=$BOOT vmm-start uptime=$(uptime_s)"
    t0=$(uptime_s)
    rm -f /tmp/vmm-timed-out
    # The VMM in the background, a watchdog beside it: on timeout it writes
    # a flag, sends TERM, then KILL. (QEMU exits 0 on SIGTERM, so the exit
    # code alone cannot tell a timeout.) The VMM's stdout is the guest's
    # serial console and streams through; its stderr is kept and printed
    # after it exits, prefixed, so error messages reach the runner's output.
    "$VMM" "$@" </dev/null 2>/tmp/vmm-stderr &
    vmm=$!
    (
        sleep "$VMM_TIMEOUT"
        if kill -0 "$vmm" 2>/dev/null; then
            : > /tmp/vmm-timed-out
            kill -TERM "$vmm"; sleep 5; kill -KILL "$vmm" 2>/dev/null
        fi
    ) &
    dog=$!
    wait "$vmm"
    rc=$?
    kill "$dog" 2>/dev/null
    [ -e /tmp/vmm-timed-out ] && rc=124
    t1=$(uptime_s)
    echo
    tail -n 20 /tmp/vmm-stderr | sed "s/^/TESTHOST: boot=$BOOT vmm-stderr: /"
    echo "TESTHOST: boot=$BOOT vmm-exit=$rc secs=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")"
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    host_hook after "$BOOT"
    BOOT=$((BOOT + 1))
done

dmesg | grep -i -e kvm -e svm | tail -n 40 | sed 's/^/TESTHOST: dmesg: /'
echo "TESTHOST: done failures=$failures uptime=$(uptime_s)"
sync   # --disk-file disks are files of the machine outside: flush them
poweroff -f
