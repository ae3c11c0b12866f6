#!/bin/sh
# bench/qmp-host.sh — the test host's /host.sh for bench/qmp-vs-qemu, run as
# "/host.sh before N" / "/host.sh after N" around each VMM run, $VMM_NAME
# set. COUNT (the line after the shebang of the copy that runs) is the number
# of round trips per command.
# before: removes /tmp/qmp.sock, then starts a job in the background that
#   waits for the guest's "up" marker in block 0 of the NVDIMM's backing
#   file ($DISK0) and for the socket, lets the guest settle 2 s, and runs
#   qmp-latency (bench/qmp-latency.c, added with --tool) twice, one client
#   each: COUNT x query-status, then COUNT x query-memory-devices; with that
#   second connection still open it reads the VMM's /proc/PID/smaps once
#   ("/host.sh smaps PID"), then qmp-latency sends quit. Its lines go to
#   /tmp/qmp-bench.log.
# after: prints that log (RESULT lines) and stops the job if it is still
#   waiting.
# smaps PID: the VMM's resident memory sorted into pmem (the pmemN.img
#   backing files), guest memory (any other mapping of 128 MiB or more: the
#   guest RAM and the 128 MiB pc-dimms) and the rest, the VMM's own; then
#   the VMM's own memory by mapping name (files by base name; [heap],
#   [anon], [stack]), each of 256 KiB or more.
COUNT=${COUNT:-1000}
S=/tmp/qmp.sock LOG=/tmp/qmp-bench.log
L="vmm=${VMM_NAME:-?} boot=$2"
case "$1" in
before)
    rm -f $S $LOG /tmp/qmp-md.json
    (
        i=0
        while ! dd if="$DISK0" bs=4096 count=1 2>/dev/null | grep -q "qmp-bench-up boot=$2"; do
            i=$((i + 1))
            [ $i -gt 1500 ] && { echo "RESULT: qmp-bench $L error=no-guest-marker"; exit 0; }
            sleep 0.1
        done
        read -r t _ < /proc/uptime
        echo "RESULT: qmp-bench $L guest-up host-uptime=$t"
        while [ ! -S $S ] && [ $i -lt 1500 ]; do sleep 0.1; i=$((i + 1)); done
        sleep 2
        pid=$(pidof qemu-system-x86_64 nvemu | cut -d' ' -f1)
        qmp-latency -n "$COUNT" -c query-status -l "RESULT: qmp-bench $L" $S ||
            echo "RESULT: qmp-bench $L error=query-status"
        qmp-latency -n "$COUNT" -c query-memory-devices -l "RESULT: qmp-bench $L" \
            -o /tmp/qmp-md.json -a "/host.sh smaps $pid $2" -q $S ||
            echo "RESULT: qmp-bench $L error=query-memory-devices"
        echo "RESULT: qmp-bench $L devices dimm=$(grep -o '"type": *"dimm"' /tmp/qmp-md.json | wc -l) nvdimm=$(grep -o '"type": *"nvdimm"' /tmp/qmp-md.json | wc -l)"
    ) > $LOG 2>&1 &
    echo $! > /tmp/qmp-bench.pid ;;
after)
    kill "$(cat /tmp/qmp-bench.pid)" 2>/dev/null
    cat $LOG 2>/dev/null ;;
smaps)
    L="vmm=${VMM_NAME:-?} boot=$3"
    awk -v L="$L" '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
        END { printf "RESULT: qmp-bench %s status rss-kb=%d hwm-kb=%d\n", L, r, h }' "/proc/$2/status"
    awk -v L="$L" '
        /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; next }
        /^Size:/ { size = $2; next }
        /^Rss:/ {
            if (name ~ /\/pmem[0-9]+\.img$/) pmem += $2
            else if (size >= 131072) { guest += $2; big++ }
            else { own += $2; sub(/.*\//, "", name); by[name] += $2 }
            total += $2
        }
        END { printf "RESULT: qmp-bench %s smaps total-kb=%d guest-kb=%d guest-maps=%d pmem-kb=%d own-kb=%d\n",
                     L, total, guest, big, pmem, own
              for (k in by) if (by[k] >= 256) printf "RESULT: qmp-bench %s own-part %s=%d\n", L, k, by[k] }' "/proc/$2/smaps" ;;
esac
