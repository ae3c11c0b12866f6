# shellcheck shell=sh
# Guest side of tests/test-nvdimm-qmp.sh: what the guest sees of the
# health and media errors the test host sets over QMP
# (tests/guest/nvdimm-qmp-host.sh). ndctl monitor runs (it enables the
# alarms); once it waits for events, "nvq-ready" goes to the first pmem
# block; the host then sets the health (notify) and adds two media errors:
# 4K at 1M with notify, 512 bytes at 2M without, queries them and writes
# "nvq-errors-added" in block 1. The guest waits for monitor's event and
# the first error in /sys/block/pmem0/badblocks, reads it through
# /dev/pmem0 (EIO), waits for the host's block 1, checks the second is not
# there for 2 s, until a scrub (ndctl start-scrub, wait-scrub), writes over
# the first (Clear Uncorrectable Error), marks "nvq-cleared" for the host
# and stays up until the host's last query is answered ("nvq-done" in
# block 2).
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
# ready once it waits in epoll_wait: it has enabled the alarms and armed
# its health event file by then (a fixed sleep raced its start-up)
i=0
until grep -q epoll /proc/$mon/wchan 2>/dev/null || [ $i -gt 600 ]; do sleep 0.1; i=$((i + 1)); done
r "monitor-waiting after=${i} tenths wchan=$(cat /proc/$mon/wchan 2>&1)"
mark nvq-ready && r ready
wait_for "cat /tmp/monitor.log" dimm-health-state 600 || r "no-monitor-event"
r "monitor $(j < /tmp/monitor.log)"
kill $mon
r "health-after $(ndctl list -DH 2>&1 | j)"
wait_for "cat $BB" '^2048 8$' 600 || r "no-badblocks"
r "badblocks-notified [$(bb)]"
r "read-poisoned $(dd if=/dev/pmem0 of=/dev/null bs=4096 skip=256 count=1 iflag=direct 2>&1 | head -n 1)"
r "read-next $(dd if=/dev/pmem0 of=/dev/null bs=4096 skip=257 count=1 iflag=direct 2>&1 | tail -n 1)"
# the error added without notify: not there until a scrub. The host
# says when it has added it and queried both (q1 must find it unknown).
wait_for "dd if=/dev/pmem0 bs=4096 skip=1 count=1 iflag=direct" nvq-errors-added 600 || r "no-errors-added-marker"
r "errors-added waited=${i} tenths"
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
# the host's last query runs while the guest waits
wait_for "dd if=/dev/pmem0 bs=4096 skip=2 count=1 iflag=direct" nvq-done 600 || r "no-done-marker"
r "done waited=${i} tenths"
exit 0
