#!/bin/sh
# Host side of tests/test-health.sh, run in the test host around each
# boot. Before boot 1: no state file. Boot 2: once the guest's marker is
# in the backing file, SIGKILL nvemu (an unclean end). After each boot:
# the state file's bytes.
r() { echo "RESULT: host $*"; }
S=/tmp/nv0.state
marker() { dd if="$DISK0" bs=4096 count=1 2>/dev/null | grep -q "nvemu-health-marker-boot$1"; }
vmm_pid() {
    for p in /proc/[0-9]*; do
        grep -q "state-file=$S" "$p/cmdline" 2>/dev/null && { echo "${p#/proc/}"; return; }
    done
}
case "$1" in
    before)
        [ "$2" = 1 ] && rm -f $S
        r "boot$2-before-state=$(od -An -tx1 -v $S 2>/dev/null | tr -d ' \n')"
        if [ "$2" = 2 ]; then
            (
                i=0
                while [ $i -lt 900 ] && ! marker "$2"; do sleep 0.2; i=$((i + 1)); done
                pid=$(vmm_pid)
                r "boot$2-sigkill pid=$pid"
                kill -KILL "$pid"
            ) &
        fi ;;
    after)
        r "boot$2-after-state=$(od -An -tx1 -v $S 2>/dev/null | tr -d ' \n')"
        for t in /tmp/.nv0.state.*; do
            [ -e "$t" ] && r "boot$2-temp-file-left"
        done ;;
esac
