#!/bin/sh
# Host side of tests/test-daemonize.sh. Before the boot: a user's old
# /tmp/console.log (QEMU's file: truncates it once the guest starts).
# After the parent nvemu exited: find the daemon by its -name process=
# name, report its session and stdio, wait for it to end, then report the
# console file and the -D log. Boot 2 fails after the fork (16M of RAM
# cannot hold the kernel): report what it left behind.
r() { echo "RESULT: host $*"; }
C=/tmp/console$2.log L=/tmp/nvemu-io$2.log
daemon_pid() {
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = nvemu-daemon ] && { echo "${p#/proc/}"; return; }
    done
}
case "$1" in
    before)
        [ "$2" = 1 ] && echo "OLD-CONTENT of the user's file" > $C
        rm -f $L ;;
    after)
        if [ "$2" = 2 ]; then
            [ -e $C ] && r "boot2-console-file-left"
            [ -e $L ] && r "boot2-log-file-left"
            [ -n "$(daemon_pid)" ] && r "boot2-daemon-running"
            [ -s "$DISK0" ] && r "boot2-backing-file-kept"
            exit 0
        fi
        read -r t0 _ < /proc/uptime
        pid=$(daemon_pid)
        [ -n "$pid" ] || { r "no-daemon"; exit 0; }
        # /proc/PID/stat: pid (comm) state ppid pgrp session ...
        # shellcheck disable=SC2046  # split into fields on purpose
        set -- $(sed 's/.*) //' /proc/$pid/stat)
        r "daemon pid=$pid ppid=$2 session=$4 fd0=$(readlink /proc/$pid/fd/0)" \
          "fd1=$(readlink /proc/$pid/fd/1) fd2=$(readlink /proc/$pid/fd/2)"
        i=0
        while [ -d /proc/$pid ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
        [ -d /proc/$pid ] && r "daemon-still-running"
        read -r t1 _ < /proc/uptime
        r "daemon-outlived-parent secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")"
        grep -q OLD-CONTENT $C && r "console-kept-old-content"
        r "console-lines=$(wc -l < $C) io-log-lines=$(wc -l < $L)"
        grep -q 'nvemu: io: cpu0 pio write 0x3f8/1' $L && r "io-log-has-com1-writes"
        # The guest's own marker lines, as they are in the file.
        tr -d '\r' < $C | grep -a -o -E '(RESULT|GUEST): .*' |
            sed 's/^RESULT: /RESULT: console: /' ;;
esac
