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
#   HOST_PMEM    how many memmap= pmem ranges the runner gave this kernel
#                (--host-pmem): wait for /dev/pmem0 ... to show up
#   RSS_POLL     (optional) sample the VMM's /proc/PID/status every RSS_POLL
#                seconds and print "vmm-rss" lines after it exits
# Several VMMs: instead of VMM, VMM_ARGS and GUEST_APPEND, the config has
#   VMMS         their names ("qemu nvemu"), and for each name N:
#   VMM_N VMM_ARGS_N GUEST_APPEND_N   as VMM, VMM_ARGS, GUEST_APPEND above
# Then boot N runs every VMM once (in VMMS order for odd N, reversed for even
# N), each on its own backing files (/tmp/NAME/pmemI.img, fresh for its first
# boot), its guest gets testhost.vmm=NAME too, and its lines say
# "TESTHOST: vmm=NAME boot=N ...".
# /host.sh (--host-script), if present, runs as "/host.sh before N" and
# "/host.sh after N" around VMM run N, with $DISK0 ... $DISKFILE0 ... set
# (and $VMM_NAME with several VMMs).
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

# --host-pmem: nd_e820 turns each memmap= range into a region whose raw
# namespace is /dev/pmemI; they are probed asynchronously.
if [ "${HOST_PMEM:-0}" -gt 0 ]; then
    n=0
    while [ "$(ls /dev/pmem* 2>/dev/null | wc -l)" -lt "$HOST_PMEM" ] && [ "$n" -lt 100 ]; do
        sleep 0.1; n=$((n + 1))
    done
    echo "TESTHOST: host-pmem=$(cd /dev && echo pmem*) uptime=$(uptime_s)"
fi

# The NVDIMM backing files: sparse, on the tmpfs. They stay for all boots,
# so what a guest writes (labels, namespaces) is there on the next boot.
# With several VMMs each has its own set, in /tmp/NAME/.
KERNEL=/guest/vmlinuz
INITRD=/guest/initrd.img
export KERNEL INITRD
use_disks() { # DIR [create]: point $DISK0 ... (and $DISK) at DIR/pmemI.img
    i=0
    for mb in $DISK_MB; do
        f=$1/pmem$i.img
        [ -z "${2:-}" ] || { mkdir -p "$1"; truncate -s "${mb}M" "$f"; }
        eval "DISK$i=$f DISK_MB$i=$mb"
        export "DISK$i" "DISK_MB$i"
        i=$((i + 1))
    done
    DISK=${DISK0:-}
    export DISK
}
if [ -n "${VMMS:-}" ]; then
    for name in $VMMS; do use_disks "/tmp/$name" create; done
else
    use_disks /tmp create
fi
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

# rss_poll PID: until PID is gone, every $RSS_POLL s append "@ UPTIME" and
# the VmRSS/VmHWM/RssAnon/RssFile/RssShmem lines of its status to
# /tmp/vmm-rss. One grep per sample (ash's read builtin reads a byte per
# system call): the sampling must not steal much of the test host's one CPU.
rss_poll() {
    while kill -0 "$1" 2>/dev/null; do
        read -r up _ < /proc/uptime
        echo "@ $up" >> /tmp/vmm-rss
        grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):' "/proc/$1/status" >> /tmp/vmm-rss 2>/dev/null
        sleep "$RSS_POLL"
    done
}

# run_vmm [NAME]: one VMM run, boot $BOOT (NAME: one of several VMMs).
run_vmm() {
    if [ -n "${1:-}" ]; then
        VMM_NAME=$1
        export VMM_NAME
        eval "VMM=\$VMM_$1 VMM_ARGS=\$VMM_ARGS_$1 GUEST_APPEND=\$GUEST_APPEND_$1"
        use_disks "/tmp/$1"
        tag="vmm=$1 boot=$BOOT"
        APPEND="$GUEST_APPEND testhost.boot=$BOOT testhost.vmm=$1"
    else
        tag="boot=$BOOT"
        APPEND="$GUEST_APPEND testhost.boot=$BOOT"
    fi
    export APPEND BOOT
    eval "set -- $VMM_ARGS"
    host_hook before "$BOOT"
    echo "TESTHOST: $tag vmm-start uptime=$(uptime_s)"
    t0=$(uptime_s)
    rm -f /tmp/vmm-timed-out /tmp/vmm-rss
    # The VMM in the background, a watchdog beside it: on timeout it writes
    # a flag, sends TERM, then KILL. (QEMU exits 0 on SIGTERM, so the exit
    # code alone cannot tell a timeout.) The VMM's stdout is the guest's
    # serial console and streams through; its stderr is kept and printed
    # after it exits, prefixed, so error messages reach the runner's output.
    # shellcheck disable=SC2153  # VMM: from the config, or set by the eval above
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
    poller=""
    if [ -n "${RSS_POLL:-}" ]; then
        rss_poll "$vmm" &
        poller=$!
    fi
    wait "$vmm"
    rc=$?
    kill "$dog" 2>/dev/null
    [ -z "$poller" ] || { kill "$poller" 2>/dev/null; wait "$poller" 2>/dev/null; }
    [ -e /tmp/vmm-timed-out ] && rc=124
    t1=$(uptime_s)
    echo
    tail -n 20 /tmp/vmm-stderr | sed "s/^/TESTHOST: $tag vmm-stderr: /"
    if [ -n "$poller" ]; then
        # The last sample (VmHWM: the peak so far) and the whole series as
        # SECS:VmRSS:RssAnon:RssFile:RssShmem (seconds since vmm-start, kB).
        awk -v tag="$tag" -v t0="$t0" '
            function flush() { if (rss != "") { n++; s = s sprintf(" %.2f:%s:%s:%s:%s", up - t0, rss, anon, file, shmem)
                                                last = sprintf("last-kb=%s hwm-kb=%s anon-kb=%s file-kb=%s shmem-kb=%s", rss, hwm, anon, file, shmem) } }
            $1 == "@" { flush(); up = $2; rss = hwm = anon = file = shmem = ""; next }
            $1 == "VmRSS:" { rss = $2 } $1 == "VmHWM:" { hwm = $2 } $1 == "RssAnon:" { anon = $2 }
            $1 == "RssFile:" { file = $2 } $1 == "RssShmem:" { shmem = $2 }
            END { flush()
                  if (n) { print "TESTHOST: " tag " vmm-rss " last " samples=" n
                           print "TESTHOST: " tag " vmm-rss-series" s }
                  else print "TESTHOST: " tag " vmm-rss samples=0" }' /tmp/vmm-rss 2>/dev/null ||
            echo "TESTHOST: $tag vmm-rss samples=0"
    fi
    echo "TESTHOST: $tag vmm-exit=$rc secs=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")"
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    host_hook after "$BOOT"
}

failures=0
BOOT=1
while [ "$BOOT" -le "$BOOTS" ]; do
    if [ -z "${VMMS:-}" ]; then
        run_vmm
    else
        # Odd boots in the given order, even boots reversed: neither VMM is
        # always the first (or the second) run.
        order=$VMMS
        [ $((BOOT % 2)) -eq 1 ] || order=$(for n in $VMMS; do echo "$n"; done | tac)
        for name in $order; do run_vmm "$name"; done
    fi
    BOOT=$((BOOT + 1))
done

dmesg | grep -i -e kvm -e svm | tail -n 40 | sed 's/^/TESTHOST: dmesg: /'
echo "TESTHOST: done failures=$failures uptime=$(uptime_s)"
sync   # --disk-file disks are files of the machine outside: flush them
poweroff -f
