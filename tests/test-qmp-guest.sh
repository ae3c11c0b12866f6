#!/usr/bin/env bash
# tests/test-qmp-guest.sh — nvemu's QMP monitor against a real guest, in
# one test-host run (the TCG test host; tests/guest/qmp-host.sh speaks QMP
# with socat there, tests/guest/qmp.sh is the guest). nvemu runs with two
# -qmp sockets, -pidfile, an nvdimm and a pc-dimm. Checked: two failed
# starts leave no socket or pidfile and keep the user's files; -daemonize
# with -qmp and -pidfile (the daemon's pid; quit removes both); the greeting
# and qmp_capabilities; query-status running; query-memory-devices lists
# the nvdimm and the pc-dimm with their ids and memdev; query-cpus-fast
# names nvemu's vCPU threads; system_powerdown to a guest that does not
# listen (POWERDOWN, it keeps running), and in a run of its own to a guest
# running busybox acpid (the ACPI power button bound, POWERDOWN then
# SHUTDOWN guest-shutdown, exit 0, its last pmem write kept); stop
# (STOP, status paused, the guest does not run) and cont (RESUME, running;
# the guest's sleep then ends and its clock counted the stop, at least
# the time from stop's reply to cont);
# system_reset (RESET from the host, the guest boots again, its pmem data
# survived); quit (SHUTDOWN host-qmp-quit, nvemu exits 0); the second
# client got every event in order; the pidfile and sockets are gone.
# Prints TAP.
#   usage: tests/test-qmp-guest.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-qmp-guest.sh NVEMU_BINARY}
guest_tap_need_root
socat=$(command -v socat) || { echo "1..0 # SKIP socat is not installed (scripts/bootstrap.sh guest)"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016  # expanded in the test host
args='-m 512M,slots=4,maxmem=4G -smp 2 -nographic'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=272M'
args+=' -device nvdimm,id=nv0,memdev=mem0'
args+=' -object memory-backend-ram,id=ram1,size=128M -device pc-dimm,id=dimm1,memdev=ram1'
args+=' -qmp unix:/tmp/qmp.sock,server=on,wait=off -qmp unix:/tmp/qmp2.sock,server,nowait'
args+=' -pidfile /tmp/nvemu.pid'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --vmm-args "$args" \
    --tool "$socat" --host-script "$here/guest/qmp-host.sh" \
    --guest-script "$here/guest/qmp.sh" --vmm-timeout 120 --timeout 480 \
    >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
lacks() { ! grep -qE -- "$1" "$out"; }
# the reply to id ID on the main client
reply() { grep -E "^RESULT: host qmp< .*\"id\":\"$1\"" "$out"; }
replied() { reply "$1" | grep -qE -- "$2"; }
q='RESULT: host qmp< '
status() { replied "$1" "^$q\\{\"return\":\\{\"status\":\"$2\",\"singlestep\":false,\"running\":$3\\},\"id\":\"$1\"\\}$"; }
# events of client 1 or 2, in order, one line each
events() { sed -n "s/^RESULT: host $1< {\"event\":\"\\([A-Z]*\\)\".*/\\1/p" "$out" | tr '\n' ' '; }
slept() { # the guest's sleep (4 s) ended and its uptime counted the stop
    local u0 u1 stopped
    read -r u0 u1 < <(sed -n 's/^RESULT: boot1-slept uptime0=\([0-9.]*\) uptime1=\([0-9.]*\).*/\1 \2/p' "$out")
    stopped=$(sed -n 's/^RESULT: host stopped-for=\([0-9.]*\)$/\1/p' "$out")
    echo "# guest slept $u0 -> $u1, stopped for at least ${stopped}s;" \
        "$(sed -n 's/^RESULT: host \(cont-reply-after=.*\)/\1 s/p' "$out")"
    [[ -n $u0 && -n $stopped ]] &&
        awk -v a="$u0" -v b="$u1" -v s="$stopped" 'BEGIN { exit !(b - a >= 4 && b - a >= s - 0.5) }'
}
exited() { # boot 1 exit 0 within the limit
    has '^TESTHOST: boot=1 vmm-exit=0 '
}

# the power-down run's events, in order
pd_events() { sed -n 's/^RESULT: host pd< {"event":"\([A-Z]*\)".*/\1/p' "$out" | tr '\n' ' '; }
pq='RESULT: host pd< '

echo "1..26"
check "a live pid in -pidfile: exit 1, one line, the socket it made removed, the pidfile kept" \
    has '^RESULT: host fail-live-pidfile rc=1 err=nvemu: -pidfile /tmp/live.pid: process 1 is still running$'
check "... nothing left: no socket, the pidfile still holds 1" has '^RESULT: host after-live-pidfile f1.sock=1 pidfile=1$'
check "a plain file at the -qmp path: exit 1, the file kept, no pidfile written" \
    has '^RESULT: host after-plain-file f2.sock=a user file f2.pid=1$'
check "... and its error line names -qmp's path" has '^RESULT: host fail-plain-file rc=1 err=nvemu: .*/tmp/f2.sock'
check "-daemonize: parent exits 0, socket and pidfile there with the daemon's pid (a session leader)" \
    has '^RESULT: host daemon parent-rc=0 sock=socket pid-is-parent=no comm=nvemu session-leader=yes$'
check "-daemonize: quit sends SHUTDOWN host-qmp-quit, the daemon exits, pidfile and socket removed" \
    has '^RESULT: host daemon quit: 1 shutdown-event, gone=yes pidfile=no sock=no$'
check "sockets 0600, the second -qmp listens too, the pidfile holds nvemu's pid" \
    has '^RESULT: host sock-mode=600 sock2=socket pidfile=[0-9]+ comm=nvemu$'
check "the greeting: QMP version and capabilities" has "^$q\\{\"QMP\":\\{\"version\":\\{\"qemu\":\\{.*\\},\"package\":\"nvemu-[0-9.]+\"\\},\"capabilities\":\\[\\]\\}\\}$"
check "qmp_capabilities returns {}" replied caps "^$q\\{\"return\":\\{\\},\"id\":\"caps\"\\}$"
check "query-status: running" status s1 running true
check "query-memory-devices: the nvdimm nv0 on /objects/mem0 and the pc-dimm dimm1 on /objects/ram1" \
    replied md '\{"type":"nvdimm","data":\{"id":"nv0","addr":[0-9]+,"size":[0-9]+,"slot":[0-9]+,"node":0,"memdev":"/objects/mem0","hotplugged":false,"hotpluggable":true\}\},\{"type":"dimm","data":\{"id":"dimm1","addr":[0-9]+,"size":134217728,"slot":[0-9]+,"node":0,"memdev":"/objects/ram1","hotplugged":false,"hotpluggable":true\}\}\]'
check "query-cpus-fast: 2 vCPUs, both thread-ids are nvemu's threads" has '^RESULT: host cpu-threads-of-nvemu=2$'
check "system_powerdown to a guest without a listener: {} (it keeps running: stop/cont below)" \
    replied pd "^$q\\{\"return\":\\{\\},\"id\":\"pd\"\\}$"
check "power-down run: the guest's ACPI button driver bound PNP0C0C (input: Power Button)" \
    has '^RESULT: host pd-guest RESULT pd dmesg .*input: Power Button as /devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C0C:00/input/input[0-9]+'
check "power-down run: system_powerdown {} then POWERDOWN, then SHUTDOWN guest=true reason=guest-shutdown, nothing else" \
    eval 'grep -qE "^$pq\\{\"return\":\\{\\},\"id\":\"pd\"\\}$" "$out" && [[ "$(pd_events)" == "POWERDOWN SHUTDOWN " ]] && has "^$pq\\{\"event\":\"SHUTDOWN\",\"data\":\\{\"guest\":true,\"reason\":\"guest-shutdown\"\\},\"timestamp\""'
check "power-down run: the guest's acpid ran its power-button action" \
    has '^RESULT: host pd-guest RESULT pd acpid-power-button$'
check "power-down run: nvemu exited 0, the guest's last pmem write is in the backing file, the socket removed" \
    eval 'has "^RESULT: host pd nvemu-rc=0$" && has "^RESULT: host pd backing ready=1 bye=1 sock-left=no$" && lacks "^RESULT: host pd-guest RESULT survived-powerdown"'
check "stop: {} and status paused (checked twice, 6 s apart)" \
    eval 'replied st "\"return\":\\{\\}" && status s2 paused false && status s3 paused false'
check "the stopped guest did not run (its 4 s sleep did not end in 6 s)" \
    eval 'lacks "^RESULT: (host )?(slept-before-stop|guest-ran-while-stopped|no-go-marker)" && has "^RESULT: host stopped-for="'
check "cont: status running, the guest's sleep ended, its clock counted the stop" \
    eval 'status s4 running true && slept'
check "system_reset: the guest booted again (a second script-start)" \
    test "$(grep -c '^GUEST: script-start' "$out")" -eq 2
check "pmem data written before the reset survived it" has '^RESULT: boot2 pmem-data-survived'
check "quit: {} then SHUTDOWN guest=false reason=host-qmp-quit" \
    eval 'replied quit "\"return\":\\{\\}" && has "^$q\\{\"event\":\"SHUTDOWN\",\"data\":\\{\"guest\":false,\"reason\":\"host-qmp-quit\"\\},\"timestamp\":\\{\"seconds\":[0-9]+,\"microseconds\":[0-9]+\\}\\}$"'
check "RESET from system_reset: guest=false reason=host-qmp-system-reset" \
    has "^$q\\{\"event\":\"RESET\",\"data\":\\{\"guest\":false,\"reason\":\"host-qmp-system-reset\"\\}"
check "both clients got POWERDOWN STOP RESUME RESET SHUTDOWN, in order" \
    eval '[[ "$(events qmp)" == "POWERDOWN STOP RESUME RESET SHUTDOWN " && "$(events qmp2)" == "POWERDOWN STOP RESUME RESET SHUTDOWN " ]]'
check "nvemu exited 0; the pidfile and both sockets are gone" \
    eval 'exited && has "^RESULT: host left: pidfile=no sock=no sock2=no$" && has "^RESULT: host session-closed socat-rc=0$"'
guest_tap_exit
