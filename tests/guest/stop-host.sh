#!/bin/sh
# Host side of tests/test-stop.sh, run in the test host around each boot.
# Before each boot: a fresh 48 MiB tmpfs at /tmp/full holding a sparse
# 256 MiB backing file, so the guest's pmem writes can fill it up. Boots 3
# and 4: once the guest's marker is in the file, send nvemu SIGTERM (boot
# 3) or SIGINT (boot 4; the test host started nvemu in the background of a
# non-interactive shell, which ignores SIGINT for it).
r() { echo "RESULT: host $*"; }
F=/tmp/full/pmem0.img
marker() { dd if=$F bs=4096 count=1 2>/dev/null | grep -q "nvemu-marker-boot$1"; }
vmm_pid() {
    for p in /proc/[0-9]*; do
        grep -q "$F" "$p/cmdline" 2>/dev/null && { echo "${p#/proc/}"; return; }
    done
}
case "$1" in
    before)
        umount /tmp/full 2>/dev/null
        mkdir -p /tmp/full && mount -t tmpfs -o size=48M tmpfs /tmp/full &&
            truncate -s 256M $F && r "boot$2-fs=$(df -k /tmp/full | tail -n 1 | tr -s ' ')"
        case "$2" in 3) sig=TERM ;; 4) sig=INT ;; *) exit 0 ;; esac
        (
            i=0
            while [ $i -lt 600 ] && ! marker "$2"; do sleep 0.2; i=$((i + 1)); done
            pid=$(vmm_pid)
            # this subshell sends the signal: its pid and comm, as nvemu
            # should name them
            read -r me _ < /proc/self/stat
            r "boot$2-kill-$sig pid=$pid from=$me comm=$(cat /proc/$me/comm)"
            kill -$sig "$pid"
            # Outlive the kill, as a shell does, under the same comm: a
            # last command would be exec'd in place of this subshell.
            sleep 2
            :
        ) & ;;
    after)
        r "boot$2-fs=$(df -k /tmp/full | tail -n 1 | tr -s ' ')"
        marker "$2" && r "boot$2-marker-in-file" ;;
esac
