#!/usr/bin/env bash
# tests/test-nvdimm-qmp.sh — an NVDIMM's health and media errors set from
# the host over QMP, seen by a real guest (the TCG test host; socat drives
# QMP there: tests/guest/nvdimm-qmp-host.sh, the guest is
# tests/guest/nvdimm-qmp.sh, with Debian's ndctl). Checked:
# x-nvdimm-set-health's reply and that a bad value changes nothing;
# ndctl list -DH shows the new health; ndctl monitor got its event
# (Notify 0x81 on the DIMM); x-nvdimm-add-media-error with notify reaches
# /sys/block/pmem0/badblocks at once (Notify 0x81 on the root, a short
# ARS) and a read of it through /dev/pmem0 fails with EIO; an error added
# without notify appears only after the guest's scrub; a guest write over
# the first clears it, and x-nvdimm-query-media-errors shows that.
# Prints TAP.
#   usage: tests/test-nvdimm-qmp.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-nvdimm-qmp.sh NVEMU_BINARY}
guest_tap_need_root
socat=$(command -v socat) || { echo "1..0 # SKIP socat is not installed (scripts/bootstrap.sh guest)"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2016  # expanded in the test host
{
args='-m 512M,slots=2,maxmem=2G -nographic -no-reboot'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=${DISK_MB0}M'
args+=' -device nvdimm,id=nv0,memdev=mem0'
args+=' -qmp unix:/tmp/qmp.sock,server=on,wait=off'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
}
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --vmm-args "$args" \
    --tool "$socat" --host-script "$here/guest/nvdimm-qmp-host.sh" \
    --guest-script "$here/guest/nvdimm-qmp.sh" --vmm-timeout 240 --timeout 600 \
    >"$out" 2>&1
sed 's/^/# /' "$out"

has() { grep -qE -- "$1" "$out"; }
q='RESULT: host qmp< '
replied() { grep -E "^$q.*\"id\":\"$1\"" "$out" | grep -qE -- "$2"; }
# line LABEL: the text after "RESULT: LABEL "
line() { sed -n "s/^RESULT: $1 //p" "$out" | head -n 1; }
fields() { # LABEL K:V...: each "K":V in that line (V as ndctl prints it)
    local l; l=$(line "$1"); shift
    [[ -n $l ]] || return 1
    local kv
    for kv in "$@"; do
        grep -qF -- "\"${kv%%:*}\":${kv#*:}" <<<"$l" || { echo "# missing $kv in $l"; return 1; }
    done
}
same_health() { # the query after the refused request equals the one after set
    local h1; h1=$(grep -E "^$q.*\"id\":\"h1\"" "$out")
    [[ $h1 == *'"health":"critical","media-temperature":91.0,"controller-temperature":35.0,"spares":7,"life-used":42,'* ]]
}

before() { fields health-before health_state:'"ok"' spares_percentage:100 && has '^RESULT: badblocks-before \[\]$'; }
refused() {
    replied bad '"desc":"x-nvdimm-set-health: spares 101 is out of range \(0 to 100\)"' && same_health
}
added() {
    replied me1 '\{"return":\{"notified":true\}' && replied me2 '\{"return":\{"notified":false\}'
}
# (badblocks-before-scrub is read 2 s after the host added the second
# error and queried both: its "nvq-errors-added" marker)
notified() {
    has '^RESULT: badblocks-notified \[2048 8,\]$' && has '^RESULT: badblocks-before-scrub \[2048 8,\]$' &&
        ! has '^RESULT: no-errors-added-marker'
}
eio() { has '^RESULT: read-poisoned .*Input/output error' && has '^RESULT: read-next 1\+0 records out'; }
cleared() {
    has '^RESULT: badblocks-written \[4096 1,\]$' && has '^RESULT: read-after-write 1\+0 records out' &&
        replied q2 '"return":\[\{"id":"nv0","slot":0,"offset":2097152,"length":512,"addr":[0-9]+,"known":true\}\]'
}

echo "1..12"
check "before: ndctl list -DH health ok, no badblocks" before
check "x-nvdimm-set-health: {notified: true} (alarms enabled by ndctl monitor, health changed)" \
    replied set '^RESULT: host qmp< \{"return":\{"notified":true\},"id":"set"\}$'
check "a bad value (spares 101): GenericError naming the command, nothing changed" refused
check "ndctl list -DH: critical, 91 degrees (alarm), 7% spares (alarm), 42% used" \
    fields health-after health_state:'"critical"' temperature_celsius:91.0 spares_percentage:7 \
    life_used_percentage:42 alarm_temperature:true alarm_spares:true
check "ndctl monitor printed its event (Notify 0x81 on nmem0): health state, temperature, spares" \
    fields monitor dimm-health-state:true dimm-media-temperature:true dimm-spares-remaining:true
check "x-nvdimm-add-media-error by offset with notify: {notified: true}; by address without: false" added
check "x-nvdimm-query-media-errors: both, the first known to the guest, the second not" \
    replied q1 '"return":\[\{"id":"nv0","slot":0,"offset":1048576,"length":4096,"addr":[0-9]+,"known":true\},\{"id":"nv0","slot":0,"offset":2097152,"length":512,"addr":[0-9]+,"known":false\}\]'
check "the notified error is in /sys/block/pmem0/badblocks at once (sector 2048, 8 sectors), the other not" notified
check "a read of it through /dev/pmem0 fails with EIO; the next block reads" eio
check "after ndctl start-scrub / wait-scrub the second is there too (sector 4096, 1)" \
    has '^RESULT: badblocks-scrubbed \[2048 8,4096 1,\]$'
check "a guest write over the first clears it: badblocks, a read, and the host's query agree" cleared
check "nvemu exited 0" has '^TESTHOST: boot=1 vmm-exit=0 '
guest_tap_exit
