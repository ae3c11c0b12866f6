# Guest side of tests/test-qmp-guest.sh. The test host's job (qmp-host.sh)
# watches the pmem backing file for this script's markers (4K blocks of
# /dev/pmem0, a label-less nvdimm) and drives nvemu's QMP monitor:
#   boot 1: data in block 0; when the host's "go" is in block 4,
#           "sleeping" in block 1, then a 4 s sleep
#           (the host stops and continues the guest inside it), "slept" in
#           block 3, then wait for the host's system_reset;
#   boot 2 (after the reset): block 0's data must still be there; "up" in
#           block 2, then wait for the host's quit.
# With nvemu.powerdown on the command line (a run of its own, before): the
# power button's driver bound, busybox acpid runs; "ready" in block 0; the
# host's system_powerdown reaches acpid as KEY_POWER, whose handler writes
# "bye" in block 1 and powers off.
r() { echo "RESULT: $*"; }
mark() { # text block
    echo "$1" | dd of=/dev/pmem0 bs=4096 seek="$2" conv=sync oflag=direct 2>/dev/null
}
has() { # text block
    dd if=/dev/pmem0 bs=4096 skip="$2" count=1 iflag=direct 2>/dev/null | grep -q "$1"
}
if grep -q nvemu.powerdown /proc/cmdline; then
    # the host's system_powerdown run: busybox acpid maps KEY_POWER of the
    # ACPI power button to /etc/acpi/PWRF/00000080, which powers off
    mkdir -p /etc/acpi/PWRF
    cat > /etc/acpi/PWRF/00000080 <<'EOF'
#!/bin/sh
echo "RESULT: pd acpid-power-button"
echo qmp-pd-bye | dd of=/dev/pmem0 bs=4096 seek=1 conv=sync oflag=direct 2>/dev/null
poweroff -f
EOF
    chmod +x /etc/acpi/PWRF/00000080
    dmesg | grep -E 'Power Button|PNP0C0C|ACPI0013' | sed 's/^/RESULT: pd dmesg /'
    r "pd input-devices=$(cat /sys/class/input/input*/name 2>/dev/null | tr ' ' _ | tr '\n' ,)"
    acpid -f -d &
    acpid=$!
    # ready once it holds the event device open: KEY_POWER is queued for
    # it from then on (a fixed sleep raced its start-up)
    i=0
    until ls -l /proc/$acpid/fd 2>/dev/null | grep -qE '/dev/input/event|acpi/event' || [ $i -gt 300 ]; do
        sleep 0.1; i=$((i + 1))
    done
    r "pd acpid-open after=${i} tenths: $(ls -l /proc/$acpid/fd 2>&1 | grep -oE '/dev/input/event[0-9]+|acpi/event' | tr '\n' ' ')"
    mark qmp-pd-ready 0 && r pd-ready
    sleep 120
    r survived-powerdown
    exit 1
fi
if has qmp-data-boot1 0; then
    r boot2 pmem-data-survived
    mark qmp-boot2-up 2 && r boot2-marked
    sleep 120
    r survived-quit
    exit 1
fi
mark qmp-data-boot1 0 && r boot1-data-written
# the host writes "go" in block 4 when its queries are done: the 4 s sleep
# starts then, so its stop lands inside the sleep however slow it was
i=0
while ! has qmp-go 4 && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
has qmp-go 4 || r "no-go-marker"
u0=$(cut -d' ' -f1 /proc/uptime) d0=$(date +%s)
mark qmp-sleeping 1
sleep 4
u1=$(cut -d' ' -f1 /proc/uptime) d1=$(date +%s)
r "boot1-slept uptime0=$u0 uptime1=$u1 date0=$d0 date1=$d1 clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
mark qmp-slept 3
sleep 120
r survived-reset
exit 1
