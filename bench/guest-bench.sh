#!/bin/sh
# bench/guest-bench.sh — the guest half of bench/nvdimm-vs-qemu. Runs as
# /test.sh in the test host's guest (busybox sh), once per VMM run, the same
# script for QEMU and nvemu. bench/nvdimm-vs-qemu puts "BENCH_MB=N" (the
# pmem write size, MiB) and "RSS_WINDOW=S" on the lines after the shebang of
# the copy it runs.
#
# Prints "RESULT: bench vmm=NAME boot=N key=value ..." lines:
#   clock=timer_list|uptime      what the timings below are measured with
#   cpu-flags=a,b,...            the guest's /proc/cpuinfo flags
#   swiotlb-mib=N memtotal-kib=N the kernel's SWIOTLB bounce buffer (0: none;
#                                Linux zeroes it at boot, so it is guest RAM
#                                the VMM holds) and MemTotal
#   crng-wait-s=S                how long the first read of /dev/random
#                                blocked: the kernel's random pool is not
#                                ready this early in a guest without an
#                                entropy source (no RDRAND, no virtio-rng),
#                                and ndctl create-namespace (a uuid) would
#                                otherwise wait for it inside its timing
#   floor-x10-s=S                10x `ndctl read-labels nmem0 -s 256`: the
#                                same command with one small _DSM read (the
#                                cost of starting ndctl and finding the DIMM)
#   read-labels-x10-s=S label-bytes=N
#                                10x `ndctl read-labels nmem0 -o FILE`
#   read-labels-1p-x10-s=S label-bytes-1p=N
#                                the same 10 reads of the whole area in ONE
#                                ndctl process (`ndctl read-labels nmem0`
#                                with nmem0 given 10 times): ndctl's start-up
#                                paid once, the label transfer 10 times
#   floor-1p-x10-s=S floor-bytes-1p=N ndctl-exec-x10-s=S
#                                the same one process with -s 256 (its
#                                start-up and 10 small _DSM reads), and 10x
#                                `ndctl --version` (exec and libraries only);
#                                diagnostic, left out of the wall-time target
#   init-labels-s=S              `ndctl init-labels -f nmem0` (region disabled)
#   create-namespace-s=S         `ndctl create-namespace -m fsdax -s 128M`
#   rss-point uptime=U           then idles RSS_WINDOW s: the test host's
#                                VmRSS samples in that window are the VMM's
#                                RSS "after boot" (before the pmem writes)
#   pmem-write bytes=N cold-s=S warm-s=S
#                                dd of N bytes from /dev/zero to the fsdax
#                                namespace's block device, O_DIRECT, twice:
#                                cold = first write of fresh backing-file
#                                pages, warm = the same range again
#   done uptime=U
# Any failure: "error=WHAT" and exit 1.
BENCH_MB=${BENCH_MB:-64}
RSS_WINDOW=${RSS_WINDOW:-1.5}

vmm=$(sed -n 's/.*testhost\.vmm=\([^ ]*\).*/\1/p' /proc/cmdline)
B="RESULT: bench vmm=${vmm:-?} boot=${TESTHOST_BOOT:-?}"
fail() { echo "$B error=$1"; exit 1; }

# Nanoseconds of CLOCK_MONOTONIC: the "now at" line of /proc/timer_list
# (busybox date has no %N, and /proc/uptime and `time` have 10 ms steps).
clock=timer_list
now_ns() { sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q}' /proc/timer_list 2>/dev/null; }
if [ -z "$(now_ns)" ]; then
    clock=uptime
    now_ns() { awk '{ printf "%.0f\n", $1 * 1e9 }' /proc/uptime; }
fi
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "$B clock=$clock uptime=$(uptime_s)"
echo "$B cpu-flags=$(sed -n 's/^flags[[:space:]]*: //p;T;q' /proc/cpuinfo | tr ' ' ',')"
swiotlb=$(dmesg | sed -n 's/.*software IO TLB: mapped .*(\([0-9]*\)MB).*/\1/p' | head -n 1)
echo "$B swiotlb-mib=${swiotlb:-0} memtotal-kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
# Where the guest's boot went: the 8 longest gaps between consecutive kernel
# messages (the message before the gap is what the kernel was doing), for
# the report's "where the time goes"; report.py does not parse these lines.
dmesg | awk -v vmm="${vmm:-?}" -v boot="${TESTHOST_BOOT:-?}" '
    match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
        t = substr($0, 2, RLENGTH - 2) + 0
        if (n++) printf "%.6f %.6f %s\n", t - prev, prev, msg
        prev = t; msg = substr($0, RLENGTH + 2)
    }' | sort -rn | head -n 8 | while read -r gap at msg; do
    echo "RESULT: bench-gap vmm=${vmm:-?} boot=${TESTHOST_BOOT:-?} gap-s=$gap at-s=$at after: $msg"
done

t0=$(now_ns)
head -c 1 /dev/random > /dev/null
t1=$(now_ns)
echo "$B crng-wait-s=$(secs "$t0" "$t1")"

# ndctl's fixed cost per read-labels (exec, libraries, sysfs scan, the
# label-size _DSM) with a single 256-byte label read.
t0=$(now_ns)
i=0
while [ $i -lt 10 ]; do
    ndctl read-labels nmem0 -s 256 -o /tmp/labels >/dev/null 2>&1 || fail read-labels-256
    i=$((i + 1))
done
t1=$(now_ns)
echo "$B floor-x10-s=$(secs "$t0" "$t1") floor-bytes=$(wc -c < /tmp/labels)"

# The whole label area (128 KiB), 10 times: _DSM Get Namespace Label Data.
t0=$(now_ns)
i=0
while [ $i -lt 10 ]; do
    ndctl read-labels nmem0 -o /tmp/labels >/dev/null 2>&1 || fail read-labels
    i=$((i + 1))
done
t1=$(now_ns)
echo "$B read-labels-x10-s=$(secs "$t0" "$t1") label-bytes=$(wc -c < /tmp/labels)"

# The same 10 whole-area reads in one ndctl process (ndctl runs its action
# once per DIMM argument, in order, appending to the -o file).
t0=$(now_ns)
ndctl read-labels nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 \
    -o /tmp/labels10 >/dev/null 2>&1 || fail read-labels-1p
t1=$(now_ns)
echo "$B read-labels-1p-x10-s=$(secs "$t0" "$t1") label-bytes-1p=$(wc -c < /tmp/labels10)"

# Where the one-process time goes (issue 14): the same process with 256-byte
# reads (start-up, the sysfs scan and 10 small _DSM round trips), and ndctl's
# exec alone (--version: the binary and its libraries, no scan, no _DSM).
t0=$(now_ns)
ndctl read-labels nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 nmem0 \
    -s 256 -o /tmp/labels10s >/dev/null 2>&1 || fail read-labels-1p-256
t1=$(now_ns)
i=0
while [ $i -lt 10 ]; do
    ndctl --version >/dev/null 2>&1 || fail ndctl-version
    i=$((i + 1))
done
t2=$(now_ns)
echo "$B floor-1p-x10-s=$(secs "$t0" "$t1") floor-bytes-1p=$(wc -c < /tmp/labels10s) ndctl-exec-x10-s=$(secs "$t1" "$t2")"

# Fresh labels (init-labels needs the region disabled), then one namespace.
ndctl disable-region all >/dev/null 2>&1 || fail disable-region
t0=$(now_ns)
ndctl init-labels -f nmem0 >/dev/null 2>&1 || fail init-labels
t1=$(now_ns)
echo "$B init-labels-s=$(secs "$t0" "$t1")"
ndctl enable-region all >/dev/null 2>&1 || fail enable-region
t0=$(now_ns)
ns=$(ndctl create-namespace -m fsdax -s 128M 2>&1) || fail "create-namespace:$(echo "$ns" | tr -d '\n\t ')"
t1=$(now_ns)
dev=$(echo "$ns" | tr -d '\n\t ' | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
echo "$B create-namespace-s=$(secs "$t0" "$t1") blockdev=$dev"
[ -b "/dev/$dev" ] || fail "no-blockdev:$dev"

# The point where the test host's RSS sample counts as "after boot".
echo "$B rss-point uptime=$(uptime_s) window=$RSS_WINDOW"
sleep "$RSS_WINDOW"

# pmem write bandwidth: BENCH_MB MiB into the namespace, bypassing the page
# cache (O_DIRECT: one copy, user buffer -> pmem).
t0=$(now_ns)
dd if=/dev/zero of="/dev/$dev" bs=1M count="$BENCH_MB" oflag=direct 2>/dev/null || fail dd-cold
t1=$(now_ns)
dd if=/dev/zero of="/dev/$dev" bs=1M count="$BENCH_MB" oflag=direct 2>/dev/null || fail dd-warm
t2=$(now_ns)
echo "$B pmem-write bytes=$((BENCH_MB * 1048576)) cold-s=$(secs "$t0" "$t1") warm-s=$(secs "$t1" "$t2")"
echo "$B done uptime=$(uptime_s)"
