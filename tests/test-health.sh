#!/usr/bin/env bash
# tests/test-health.sh — NVDIMM health in a real guest (the TCG test host),
# with Debian's ndctl: ndctl list -DH shows every SMART field nvemu
# reports; ndctl monitor prints its event when an injected media
# temperature crosses the alarm threshold (Notify 0x81 through the GED and
# \_SB.NVDR.NHLT); ndctl inject-smart changes each field and --uninject-all
# takes them back. Then the state file (state-file=) across four nvemu runs
# in one test host: a clean poweroff counts nothing, a SIGKILL counts one
# unsafe shutdown at the next start (Linux's nmem0/nfit/dirty_shutdown,
# shutdown_state dirty, flush_fail). Prints TAP.
#   usage: tests/test-health.sh NVEMU_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-tap.sh
source "$here/guest-tap.sh"
nvemu=${1:?usage: test-health.sh NVEMU_BINARY}

guest_tap_need_root
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2016  # expanded in the test host
{
args='-m 512M,slots=2,maxmem=2G -nographic -no-reboot'
args+=' -object memory-backend-file,id=mem0,share=on,mem-path=$DISK0,size=${DISK_MB0}M'
args+=' -device nvdimm,id=nv0,memdev=mem0,state-file=/tmp/nv0.state'
args+=' -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
}
out=$tmp/out
"$here/../tools/test-host/run" --vmm "nvemu=$nvemu" --boots 4 --vmm-args "$args" \
    --host-script "$here/guest/health-host.sh" --guest-script "$here/guest/health.sh" \
    --vmm-timeout 150 >"$out" 2>&1
sed 's/^/# /' "$out"

# line LABEL: the JSON after "RESULT: LABEL "
line() { sed -n "s/^RESULT: $1 //p" "$out" | head -n 1; }
# fields LABEL K:V...: each "K":V in that line (V as ndctl prints it)
fields() {
    local l; l=$(line "$1"); shift
    [[ -n $l ]] || return 1
    local kv
    for kv in "$@"; do
        grep -qF -- "\"${kv%%:*}\":${kv#*:}" <<<"$l" || { echo "# missing $kv in $l"; return 1; }
    done
}
lacks_field() { ! grep -qF -- "\"$2\"" <<<"$(line "$1")"; }
has() { grep -qE -- "$1" "$out"; }
exit_of() { sed -n "s/^TESTHOST: boot=$1 vmm-exit=\([0-9]*\) .*/\1/p" "$out"; }
# the state file after boot B: 48 bytes, flags (RUNNING bit) and count
state_is() { # boot flags count
    local hex; hex=$(sed -n "s/^RESULT: host boot$1-after-state=//p" "$out")
    [[ ${#hex} == 96 && ${hex:0:16} == 4e56454d55535441 && ${hex:16:8} == 01000000 &&
       ${hex:32:8} == $(printf '%02x000000' "$2") && ${hex:40:8} == $(printf '%02x000000' "$3") ]]
}

echo "1..18"
check "boot 1: ndctl list -DH: health ok, 30/35 degrees, 100% spares, 0% used, no alarms" \
    fields boot1-health health_state:'"ok"' temperature_celsius:30.0 \
    controller_temperature_celsius:35.0 spares_percentage:100 life_used_percentage:0 \
    alarm_temperature:false alarm_controller_temperature:false alarm_spares:false \
    alarm_enabled_media_temperature:false alarm_enabled_ctrl_temperature:false \
    alarm_enabled_spares:false
check "boot 1: shutdown_state clean, shutdown_count 0" \
    fields boot1-health shutdown_state:'"clean"' shutdown_count:0
check "boot 1: nmem0/nfit/dirty_shutdown is 0, no flush_fail; Intel family, dsm_mask 1,2,10,17,18" \
    has '^RESULT: boot1-sysfs dirty_shutdown=0 flags= dsm_mask=0x60406 family=0$'
check "inject-smart -m 90 (monitor enabled the alarms): 90 degrees, alarm_temperature" \
    fields inject-temp temperature_celsius:90.0 alarm_temperature:true \
    alarm_enabled_media_temperature:true temperature_threshold:85.0
check "ndctl monitor printed the dimm-media-temperature event (Notify 0x81)" \
    fields monitor dimm-media-temperature:true dimm-spares-remaining:false
check "inject-smart -s 3 -f: spares 3 (alarm), health fatal" \
    fields inject-spares-fatal spares_percentage:3 alarm_spares:true health_state:'"fatal"'
check "inject-smart -U: shutdown_state dirty, shutdown_count 1" \
    fields inject-unsafe shutdown_state:'"dirty"' shutdown_count:1
check "inject-smart -N: every field back (the count stays)" \
    fields uninject-all health_state:'"ok"' temperature_celsius:30.0 spares_percentage:100 \
    alarm_temperature:false alarm_spares:false shutdown_state:'"clean"' shutdown_count:1
check "inject-smart -M 70 --media-temperature-alarm=on: threshold 70" \
    fields threshold temperature_threshold:70.0 alarm_enabled_media_temperature:true
check "boot 1 ended clean: the state file says count 1 (injected), not running" \
    state_is 1 0 1
check "boot 2: the injected unsafe shutdown persisted: dirty_shutdown 1, state clean" \
    has '^RESULT: boot2-sysfs dirty_shutdown=1 flags= '
check "boot 2: ndctl list -DH: shutdown_count 1, clean" \
    fields boot2-health shutdown_state:'"clean"' shutdown_count:1
killed_2() {
    [[ $(exit_of 2) == 137 ]] && has '^RESULT: marker-written' &&
        has '^RESULT: host boot2-sigkill pid=[0-9]+'
}
check "boot 2: nvemu SIGKILLed (exit 137) after the guest's marker" killed_2
check "after the SIGKILL the state file is still marked running (count 1)" \
    state_is 2 1 1
check "boot 3: dirty_shutdown moved to 2, flags flush_fail" \
    has '^RESULT: boot3-sysfs dirty_shutdown=2 flags=flush_fail, '
check "boot 3: ndctl list -DH: shutdown_state dirty, shutdown_count 2, flag_failed_flush" \
    fields boot3-health shutdown_state:'"dirty"' shutdown_count:2 flag_failed_flush:true
boot_4() {
    has '^RESULT: boot4-sysfs dirty_shutdown=2 flags= ' &&
        fields boot4-health shutdown_state:'"clean"' shutdown_count:2 &&
        lacks_field boot4-health flag_failed_flush
}
check "boot 4 after boot 3's clean poweroff: dirty_shutdown still 2, state clean" boot_4
the_end() {
    [[ $(exit_of 1) == 0 && $(exit_of 3) == 0 && $(exit_of 4) == 0 ]] &&
        state_is 4 0 2 && ! has 'temp-file-left'
}
check "every other run exited 0; the state file ends clean, count 2; no temp file left" the_end
guest_tap_exit
