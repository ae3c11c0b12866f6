#!/bin/sh
# bench/memhp-host.sh — the test host's /host.sh for bench/hotplug-vs-qemu,
# run as "/host.sh before N" / "/host.sh after N" around each VMM run,
# $VMM_NAME set. ROUNDS (the line after the shebang of the copy that runs)
# is the number of rounds per VMM run.
# before: clears the mailbox block (the backing file lives on across
#   boots), removes /tmp/qmp.sock, then in the background waits for the
#   socket and runs memhp-bench (bench/memhp-bench.c, added with --tool),
#   which waits for the guest's first total, runs the rounds and sends quit.
#   Its lines go to /tmp/memhp-bench.log.
# after: prints that log (RESULT lines), stops the job if still running.
ROUNDS=${ROUNDS:-3}
S=/tmp/qmp.sock LOG=/tmp/memhp-bench.log
L="vmm=${VMM_NAME:-?} boot=$2"
case "$1" in
before)
    dd if=/dev/zero of="$DISK0" bs=4096 seek=1 count=1 conv=notrunc 2>/dev/null
    rm -f $S $LOG
    (
        i=0
        while [ ! -S $S ] && [ $i -lt 1500 ]; do sleep 0.1; i=$((i + 1)); done
        memhp-bench -r "$ROUNDS" -l "RESULT: memhp $L" $S "$DISK0" 1 ||
            echo "RESULT: memhp $L error=memhp-bench-exit"
    ) > $LOG 2>&1 &
    echo $! > /tmp/memhp-bench.pid ;;
after)
    kill "$(cat /tmp/memhp-bench.pid)" 2>/dev/null
    cat $LOG 2>/dev/null ;;
esac
