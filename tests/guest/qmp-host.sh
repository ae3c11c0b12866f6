#!/bin/sh
# Host side of tests/test-qmp-guest.sh, run in the test host as
# "/host.sh before|after 1" around the one nvemu run.
# before: two starts that must fail before a guest runs and leave nothing
#   behind (a live pid in the -pidfile; a plain file at the -qmp path);
#   a -daemonize run with -qmp and -pidfile, ended by quit; a run ended by
#   system_powerdown (powerdown());
#   then, in the background, a QMP session with socat on /tmp/qmp.sock (a
#   second client on /tmp/qmp2.sock only listens for events): queries,
#   system_powerdown (this guest does not listen: it keeps running),
#   stop/cont around the guest's sleep, system_reset, quit. Every line
#   sent and received is kept in /tmp/qmp.log.
# after: the session's transcript as RESULT lines, and what is left in /tmp.
S=/tmp/qmp.sock S2=/tmp/qmp2.sock P=/tmp/nvemu.pid L=/tmp/qmp.log
r() { echo "RESULT: host $*"; }
block() { # n: 4K block n of the nvdimm's backing file
    dd if="$DISK0" bs=4096 skip="$1" count=1 2>/dev/null
}
wait_for() { # pattern file tenths
    i=0
    while ! grep -qE "$1" "$2" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt "$3" ] && return 1; sleep 0.1
    done
}
wait_block() { # text block tenths
    i=0
    while ! block "$2" | grep -q "$1"; do
        i=$((i + 1)); [ $i -gt "$3" ] && return 1; sleep 0.1
    done
}
fail_start() { # what, args...: nvemu must exit 1 before any guest runs
    what=$1; shift
    /usr/bin/nvemu -m 256M -nographic -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$APPEND" "$@" </dev/null >/dev/null 2>/tmp/fail.err
    r "fail-$what rc=$? err=$(head -n 1 /tmp/fail.err)"
}

session() {
    i=0
    while [ ! -S $S ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    pid=$(cat $P 2>/dev/null)
    r "sock-mode=$(stat -c %a $S) sock2=$(stat -c %F $S2) pidfile=$pid comm=$(cat /proc/"$pid"/comm 2>/dev/null)"
    mkfifo /tmp/qin /tmp/qin2
    socat -t 0.5 UNIX-CONNECT:$S2 STDIO </tmp/qin2 >/tmp/qout2 2>&1 &
    exec 4>/tmp/qin2
    echo '{"execute":"qmp_capabilities"}' >&4
    socat -t 0.5 UNIX-CONNECT:$S STDIO </tmp/qin >/tmp/qout 2>&1 &
    sock=$!
    exec 3>/tmp/qin
    n=0
    # q ID JSON: send, wait (10 s) for the reply with "id":"ID"
    q() {
        echo ">$2" >> $L
        echo "$2" >&3
        wait_for "\"id\":\"$1\"" /tmp/qout 100 || r "no-reply-to=$1"
    }
    q caps '{"execute":"qmp_capabilities","id":"caps"}'
    q s1 '{"execute":"query-status","id":"s1"}'
    q md '{"execute":"query-memory-devices","id":"md"}'
    q sum '{"execute":"query-memory-size-summary","id":"sum"}'
    q cpu '{"execute":"query-cpus-fast","id":"cpu"}'
    q kvm '{"execute":"query-kvm","id":"kvm"}'
    q pd '{"execute":"system_powerdown","id":"pd"}'
    # the vCPU threads query-cpus-fast names are nvemu's
    for t in $(grep '"id":"cpu"' /tmp/qout | grep -oE '"qom-path":"[^"]*","thread-id":[0-9]+' | sed 's/.*://'); do
        [ -d "/proc/$pid/task/$t" ] && n=$((n + 1))
    done
    r "cpu-threads-of-nvemu=$n"
    # go: the guest starts its 4 s sleep now (a write to the shared
    # backing file, which the guest reads through /dev/pmem0)
    echo qmp-go | dd of="$DISK0" bs=4096 seek=4 conv=notrunc,sync 2>/dev/null
    wait_block qmp-sleeping 1 600 || r "no-sleeping-marker"
    q st '{"execute":"stop","id":"st"}'
    read -r t0 _ < /proc/uptime
    # the guest sleeps 4 s after its "sleeping" marker: stopped for 6 s, it
    # must not write its "slept" marker meanwhile
    block 3 | grep -q qmp-slept && r "slept-before-stop"
    q s2 '{"execute":"query-status","id":"s2"}'
    sleep 6
    block 3 | grep -q qmp-slept && r "guest-ran-while-stopped"
    q s3 '{"execute":"query-status","id":"s3"}'
    # stopped-for is a lower bound of the time the vCPUs stood still: from
    # the stop's reply (they are parked by then) to just before cont is
    # sent. Reading it after cont's reply would add this shell's polling
    # delay, which the guest's clock never sees.
    read -r t1 _ < /proc/uptime
    q ct '{"execute":"cont","id":"ct"}'
    read -r t2 _ < /proc/uptime
    r "stopped-for=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
    r "cont-reply-after=$(echo "$t1 $t2" | awk '{ printf "%.2f", $2 - $1 }')"
    q s4 '{"execute":"query-status","id":"s4"}'
    wait_block qmp-slept 3 600 || r "no-slept-marker"
    q rs '{"execute":"system_reset","id":"rs"}'
    wait_block qmp-boot2-up 2 900 || r "no-boot2-marker"
    q s5 '{"execute":"query-status","id":"s5"}'
    q quit '{"execute":"quit","id":"quit"}'
    wait_for '"event":"SHUTDOWN"' /tmp/qout 100 || r "no-shutdown-event"
    wait "$sock"
    r "session-closed socat-rc=$?"
    exec 3>&- 4>&-
}

# A run of its own for system_powerdown: the guest (nvemu.powerdown on its
# command line) starts busybox acpid and marks "ready" in its pmem; then
# system_powerdown: POWERDOWN, the guest's acpid powers it off, SHUTDOWN
# (guest, guest-shutdown), nvemu exits 0 with the guest's last write in
# the backing file.
powerdown() {
    D=/tmp/pd.img
    truncate -s 128M $D
    /usr/bin/nvemu -m 256M,slots=2,maxmem=2G -nographic -kernel "$KERNEL" \
        -initrd "$INITRD" -append "$APPEND nvemu.powerdown" \
        -object memory-backend-file,id=m0,share=on,mem-path=$D,size=128M \
        -device nvdimm,id=nv0,memdev=m0 \
        -qmp unix:/tmp/pd.sock,server=on,wait=off </dev/null >/tmp/pd.out 2>&1 &
    vpid=$!
    i=0
    while ! dd if=$D bs=4096 count=1 2>/dev/null | grep -q qmp-pd-ready; do
        i=$((i + 1)); [ $i -gt 900 ] && { r "pd no-ready-marker"; break; }
        sleep 0.1
    done
    # the reply and POWERDOWN at once; SHUTDOWN when the guest is off
    (printf '%s\n' '{"execute":"qmp_capabilities"}' \
         '{"execute":"system_powerdown","id":"pd"}'
     while [ -d /proc/$vpid ]; do sleep 0.2; done) |
        socat -t 1 - UNIX-CONNECT:/tmp/pd.sock > /tmp/pd.qmp 2>&1 &
    spid=$!
    i=0
    while [ -d /proc/$vpid ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -d /proc/$vpid ] && { r "pd nvemu-still-running"; kill $vpid; }
    wait $vpid
    r "pd nvemu-rc=$?"
    wait $spid
    tr -d '\r' < /tmp/pd.qmp | sed 's/^/RESULT: host pd< /'
    # relayed without their own markers ("RESULT pd ..."), so that the
    # runner keeps each on the one line it prints, and the guest's
    # GUEST: lines of this run are not counted as the main guest's
    grep -E '^RESULT: pd|^GUEST: script-start' /tmp/pd.out |
        sed -E 's/^(RESULT|GUEST): /RESULT: host pd-guest \1 /'
    r "pd backing ready=$(dd if=$D bs=4096 count=1 2>/dev/null | grep -c qmp-pd-ready) bye=$(dd if=$D bs=4096 skip=1 count=1 2>/dev/null | grep -c qmp-pd-bye) sock-left=$([ -e /tmp/pd.sock ] && echo yes || echo no)"
    rm -f $D
}

case "$1" in
before)
    echo 1 > /tmp/live.pid
    fail_start live-pidfile -qmp unix:/tmp/f1.sock,server=on,wait=off -pidfile /tmp/live.pid
    r "after-live-pidfile f1.sock=$(ls /tmp/f1.sock 2>&1 | grep -c 'No such') pidfile=$(cat /tmp/live.pid)"
    echo 'a user file' > /tmp/f2.sock
    fail_start plain-file -qmp unix:/tmp/f2.sock,server=on,wait=off -pidfile /tmp/f2.pid
    r "after-plain-file f2.sock=$(cat /tmp/f2.sock) f2.pid=$(ls /tmp/f2.pid 2>&1 | grep -c 'No such')"
    # -daemonize: the parent exits 0 once the guest runs; the socket and
    # the pidfile (the daemon's pid, not the parent's) exist by then; quit
    # ends the daemon and removes both
    /usr/bin/nvemu -daemonize -m 256M -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$APPEND" -qmp unix:/tmp/d.sock,server=on,wait=off \
        -pidfile /tmp/d.pid </dev/null >/dev/null 2>/tmp/d.err &
    parent=$!
    wait $parent
    prc=$? dpid=$(cat /tmp/d.pid 2>/dev/null)
    r "daemon parent-rc=$prc sock=$(stat -c %F /tmp/d.sock 2>&1) pid-is-parent=$([ "$dpid" = "$parent" ] && echo yes || echo no) comm=$(cat /proc/"$dpid"/comm 2>/dev/null) session-leader=$(awk '{ print ($6 == $1) ? "yes" : "no" }' /proc/"$dpid"/stat 2>/dev/null)"
    printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
        socat -t 10 - UNIX-CONNECT:/tmp/d.sock > /tmp/d.out 2>&1
    i=0
    while [ -d "/proc/$dpid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    r "daemon quit: $(grep -c '"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"}' /tmp/d.out) shutdown-event, gone=$([ -d "/proc/$dpid" ] && echo no || echo yes) pidfile=$([ -e /tmp/d.pid ] && echo yes || echo no) sock=$([ -e /tmp/d.sock ] && echo yes || echo no)"
    powerdown
    (session; : > /tmp/qmp-done) &
    ;;
after)
    i=0
    while [ ! -e /tmp/qmp-done ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    tr -d '\r' < /tmp/qout | sed 's/^/RESULT: host qmp< /'
    tr -d '\r' < /tmp/qout2 | sed 's/^/RESULT: host qmp2< /'
    sed 's/^/RESULT: host qmp/' $L
    r "left: pidfile=$([ -e $P ] && echo yes || echo no) sock=$([ -e $S ] && echo yes || echo no) sock2=$([ -e $S2 ] && echo yes || echo no)"
    ;;
esac
