#!/bin/sh
# Shared part of the memory hotplug tests' host scripts (memhp-host.sh,
# nvhp-host.sh): the test writes this file and then the test's own script
# into one /host.sh. A QMP session with socat on /tmp/qmp.sock in the
# test host, and the marker mailbox on the guest's label-less NVDIMM
# ($DISK0: the guest writes blocks 1..15, the host blocks 16..).
S=/tmp/qmp.sock Q=/tmp/qout
r() { echo "RESULT: host b$BOOT $*"; }
block() { # n: 4K block n of the mailbox
    dd if="$DISK0" bs=4096 skip="$1" count=1 2>/dev/null
}
wait_block() { # text block secs: 0 when the guest wrote text there
    i=0
    while ! block "$2" | grep -q "$1"; do
        block 15 | grep -q memhp-fail && { r "guest-failed: $(block 15 | tr -d '\0' | head -n 1)"; return 1; }
        i=$((i + 1)); [ $i -gt $(($3 * 10)) ] && { r "no-marker=$1"; return 1; }
        sleep 0.1
    done
}
# mbox_clear: zero the marker blocks 1..23 (before a boot: the backing file
# lives on across the boots of one test host; blocks 24.. carry data over)
mbox_clear() {
    dd if=/dev/zero of="$DISK0" bs=4096 seek=1 count=23 conv=notrunc 2>/dev/null
}
host_mark() { # text block
    echo "$1" | dd of="$DISK0" bs=4096 seek="$2" conv=notrunc,sync 2>/dev/null
}
# the session's output in one spelling: QEMU writes '"id": "x", ' where
# nvemu writes '"id":"x",'; both become the compact form
norm() { tr -d '\r' < $Q 2>/dev/null | sed -e 's/": /":/g' -e 's/, /,/g'; }
# count PATTERN: lines of the session's output matching it
count() { norm | grep -cE "$1"; }
wait_count() { # pattern n secs: until n lines match
    i=0
    while [ "$(count "$1")" -lt "$2" ]; do
        i=$((i + 1)); [ $i -gt $(($3 * 10)) ] && return 1; sleep 0.1
    done
}
# q ID JSON: send, wait (30 s) for the reply with "id":"ID"
q() {
    echo "$2" >&3
    wait_count "\"id\":\"$1\"" 1 30 || r "no-reply-to=$1"
}
qmp_open() {
    i=0
    while [ ! -S $S ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    rm -f /tmp/qin $Q; mkfifo /tmp/qin
    socat -t 0.5 UNIX-CONNECT:$S STDIO </tmp/qin >$Q 2>&1 &
    SOCAT=$!
    exec 3>/tmp/qin
    q caps '{"execute":"qmp_capabilities","id":"caps"}'
}
qmp_close() {
    exec 3>&-
    wait "$SOCAT"
}
# the session as RESULT lines (after N): "RESULT: host bN qmp< ..."
qmp_dump() {
    [ -e $Q ] && norm | sed "s/^/RESULT: host b$BOOT qmp< /"
}
# /host.sh before N: boot N's QMP session (the script's function bootN) in
# the background, while the VMM runs; /tmp/qmp-done marks its end
session_start() {
    (qmp_open; "boot$1"; qmp_close; : > /tmp/qmp-done) &
}
# /host.sh after N: wait up to 10 s for the session, then its transcript
session_end() {
    i=0
    while [ ! -e /tmp/qmp-done ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e /tmp/qmp-done ] || r "session-unfinished"
    qmp_dump
    rm -f /tmp/qmp-done $Q
}
