#!/bin/sh
# bench/host-bench.sh — the test-host half of bench/nvdimm-vs-qemu. Runs in
# the TEST HOST as "/host.sh before N" / "/host.sh after N" around each VMM
# run (tools/test-host/run --host-script), $VMM_NAME set. Before each run,
# with no VMM running, it measures the yardsticks for the guest's pmem write
# of BENCH_MB MiB (the line after the shebang of the copy that runs):
#   memcpy-bw (bench/memcpy-bw.c, added with --tool): memcpy into a shared
#     mapping of a tmpfs file, cold (first touch) and warm
#   busybox dd of the same size from /dev/zero into a tmpfs file: the
#     guest's dd, on the test host
# and the VMM's bare start-up: the best of three `VMM --version` (exec, the
# dynamic loader and the libraries, no machine).
# With SMAPS_AT_<vmm>=S (bench/nvdimm-vs-qemu --smaps) it also leaves a
# process behind that, S seconds later, reads the running VMM's
# /proc/PID/smaps once
# and sorts its resident memory into guest RAM (a mapping of 256 MiB or
# more that is not a backing file), pmem (the /tmp/NAME/pmemI.img backing
# files) and the rest, the VMM's own.
# Prints "RESULT: bench-host vmm=NAME boot=N ..." lines.
BENCH_MB=${BENCH_MB:-64}
[ "$1" = before ] || exit 0
eval "SMAPS_AT=\${SMAPS_AT_${VMM_NAME:-none}:-}"
L="vmm=${VMM_NAME:-?} boot=$2"

if [ -n "$SMAPS_AT" ]; then
    (
        sleep "$SMAPS_AT"
        pid=$(pidof qemu-system-x86_64 nvemu | cut -d' ' -f1)
        read -r t1 _ < /proc/uptime
        if [ -z "$pid" ]; then
            echo "RESULT: bench-host $L smaps error=no-vmm-running"
            exit 0
        fi
        awk -v L="$L" -v t="$t1" '
            /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; next }
            /^Size:/ { size = $2; next }
            /^AnonHugePages:/ { thp += $2; next }
            /^Rss:/ {
                if (name ~ /\/pmem[0-9]+\.img$/) pmem += $2
                else if (size >= 262144) ram += $2
                else own += $2
                total += $2
            }
            END { printf "RESULT: bench-host %s smaps uptime=%s total-kb=%d guest-ram-kb=%d pmem-kb=%d own-kb=%d thp-kb=%d\n",
                         L, t, total, ram, pmem, own, thp }' "/proc/$pid/smaps"
    ) &
fi

memcpy-bw "${BENCH_MB}M" /tmp/memcpy-bw.img "$L" ||
    echo "RESULT: bench-host $L error=memcpy-bw"

now_ns() { sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q}' /proc/timer_list; }
t0=$(now_ns)
dd if=/dev/zero of=/tmp/dd-bw.img bs=1M count="$BENCH_MB" 2>/dev/null
t1=$(now_ns)
rm -f /tmp/dd-bw.img
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
echo "RESULT: bench-host $L dd-tmpfs bytes=$((BENCH_MB * 1048576)) secs=$(secs "$t0" "$t1")"

case "${VMM_NAME:-}" in
    qemu)  bin=/usr/bin/qemu-system-x86_64 ;;
    nvemu) bin=/usr/bin/nvemu ;;
    *)     exit 0 ;;
esac
best=""
for _ in 1 2 3; do
    t0=$(now_ns)
    "$bin" --version >/dev/null 2>&1
    t1=$(now_ns)
    t=$(secs "$t0" "$t1")
    best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print (a < b) ? a : b }')
done
echo "RESULT: bench-host $L version secs=$best"
