# shellcheck shell=sh
# Guest side of tests/test-nvdimm-qmp.sh: what the guest sees of the
# health and media errors the test host sets over QMP
# (tests/guest/nvdimm-qmp-host.sh). ndctl monitor runs (it enables the
# alarms), "nvq-ready" goes to the first pmem block; the host then sets
# the health (notify) and adds two media errors: 4K at 1M with notify, 512
# bytes at 2M without. The guest waits for monitor's event and the first
# error in /sys/block/pmem0/badblocks, reads it through /dev/pmem0 (EIO),
# checks the second is not there until a scrub (ndctl start-scrub,
# wait-scrub), writes over the first (Clear Uncorrectable Error), and
# marks "nvq-cleared" for the host.
r() { echo "RESULT: $*"; }
j() { tr -d ' \n\t'; }
BB=/sys/block/pmem0/badblocks
mark() { echo "$1" | dd of=/dev/pmem0 bs=4096 conv=sync oflag=direct 2>/dev/null; }
# wait_for CMD PATTERN TENTHS
wait_for() {
    i=0
    while ! sh -c "$1" 2>/dev/null | grep -qE "$2"; do
        i=$((i + 1)); [ $i -gt "$3" ] && return 1; sleep 0.1
    done
}
bb() { tr '\n' ',' < $BB; }

r "health-before $(ndctl list -DH 2>&1 | j)"
r "badblocks-before [$(bb)]"
ndctl monitor --dimm nmem0 --log /tmp/monitor.log &
mon=$!
sleep 3
mark nvq-ready && r ready
wait_for "cat /tmp/monitor.log" dimm-health-state 600 || r "no-monitor-event"
r "monitor $(j < /tmp/monitor.log)"
kill $mon
r "health-after $(ndctl list -DH 2>&1 | j)"
wait_for "cat $BB" '^2048 8$' 600 || r "no-badblocks"
r "badblocks-notified [$(bb)]"
r "read-poisoned $(dd if=/dev/pmem0 of=/dev/null bs=4096 skip=256 count=1 iflag=direct 2>&1 | head -n 1)"
r "read-next $(dd if=/dev/pmem0 of=/dev/null bs=4096 skip=257 count=1 iflag=direct 2>&1 | tail -n 1)"
# the error added without notify: not there until a scrub
sleep 2
r "badblocks-before-scrub [$(bb)]"
r "start-scrub $(ndctl start-scrub 2>&1 | j)"
r "wait-scrub $(ndctl wait-scrub 2>&1 | j)"
r "badblocks-scrubbed [$(bb)]"
r "media-errors $(ndctl list --media-errors 2>&1 | j)"
# a write over the first range clears it (Clear Uncorrectable Error)
r "write-poisoned $(dd if=/dev/zero of=/dev/pmem0 bs=4096 seek=256 count=1 oflag=direct 2>&1 | tail -n 1)"
r "badblocks-written [$(bb)]"
r "read-after-write $(dd if=/dev/pmem0 of=/dev/null bs=4096 skip=256 count=1 iflag=direct 2>&1 | tail -n 1)"
mark nvq-cleared && r cleared
# the host's last queries run while the guest waits
sleep 5
exit 0
