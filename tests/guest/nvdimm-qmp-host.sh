#!/bin/sh
# Host side of tests/test-nvdimm-qmp.sh, run in the test host as
# "/host.sh before|after 1" around the one nvemu run.
# before: in the background, a QMP session with socat on /tmp/qmp.sock:
#   once the guest marked "nvq-ready" in its pmem, x-nvdimm-set-health
#   (critical, 91 degrees, 7% spares, 42% used) and the two media errors
#   (x-nvdimm-add-media-error by DIMM offset with notify, by guest address
#   without), and the queries, then "nvq-errors-added" in block 1 (the
#   guest starts its scrub after it); once the guest marked "nvq-cleared"
#   (it wrote over the first error) the media errors again, then
#   "nvq-done" in block 2 (the guest may power off). Every line sent and
#   received is kept.
# after: the transcript as RESULT lines.
S=/tmp/qmp.sock L=/tmp/qmp.log
r() { echo "RESULT: host $*"; }
wait_for() { # pattern file tenths
    i=0
    while ! grep -qE "$1" "$2" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt "$3" ] && return 1; sleep 0.1
    done
}
wait_block() { # text tenths: the marker in the backing file's first block
    i=0
    while ! dd if="$DISK0" bs=4096 count=1 2>/dev/null | grep -q "$1"; do
        i=$((i + 1)); [ $i -gt "$2" ] && return 1; sleep 0.1
    done
}

host_mark() { # text block
    echo "$1" | dd of="$DISK0" bs=4096 seek="$2" conv=notrunc,sync 2>/dev/null
}

session() {
    i=0
    while [ ! -S $S ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    mkfifo /tmp/qin
    socat -t 0.5 UNIX-CONNECT:$S STDIO </tmp/qin >/tmp/qout 2>&1 &
    sock=$!
    exec 3>/tmp/qin
    q() { # ID JSON: send, wait (10 s) for the reply with "id":"ID"
        echo ">$2" >> $L
        echo "$2" >&3
        wait_for "\"id\":\"$1\"" /tmp/qout 100 || r "no-reply-to=$1"
    }
    q caps '{"execute":"qmp_capabilities","id":"caps"}'
    q md '{"execute":"query-memory-devices","id":"md"}'
    q h0 '{"execute":"x-nvdimm-query-health","arguments":{"id":"nv0"},"id":"h0"}'
    wait_block nvq-ready 1200 || r "no-ready-marker"
    q set '{"execute":"x-nvdimm-set-health","arguments":{"id":"nv0","health":"critical","media-temperature":91,"spares":7,"life-used":42},"id":"set"}'
    q bad '{"execute":"x-nvdimm-set-health","arguments":{"id":"nv0","spares":101},"id":"bad"}'
    q h1 '{"execute":"x-nvdimm-query-health","arguments":{"id":"nv0"},"id":"h1"}'
    q me1 '{"execute":"x-nvdimm-add-media-error","arguments":{"id":"nv0","offset":1048576,"length":4096,"notify":true},"id":"me1"}'
    # the second by guest address: nv0's addr from query-memory-devices
    addr=$(grep '"id":"md"' /tmp/qout | grep -oE '"id":"nv0","addr":[0-9]+' | sed 's/.*://')
    q me2 "{\"execute\":\"x-nvdimm-add-media-error\",\"arguments\":{\"addr\":$((addr + 2097152)),\"length\":512},\"id\":\"me2\"}"
    q q1 '{"execute":"x-nvdimm-query-media-errors","id":"q1"}'
    host_mark nvq-errors-added 1
    wait_block nvq-cleared 1800 || r "no-cleared-marker"
    q q2 '{"execute":"x-nvdimm-query-media-errors","id":"q2"}'
    host_mark nvq-done 2
    wait_for '"event":"SHUTDOWN"' /tmp/qout 900 || r "no-shutdown-event"
    wait "$sock"
    exec 3>&-
}

case "$1" in
before)
    (session; : > /tmp/qmp-done) &
    ;;
after)
    i=0
    while [ ! -e /tmp/qmp-done ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    tr -d '\r' < /tmp/qout | sed 's/^/RESULT: host qmp< /'
    sed 's/^/RESULT: host qmp/' $L
    ;;
esac
