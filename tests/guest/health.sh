# shellcheck shell=sh
# Guest side of tests/test-health.sh: the NVDIMM's health as ndctl and
# Linux see it. Boot 1: ndctl list -DH, ndctl monitor catching a media
# temperature crossing (Notify 0x81), ndctl inject-smart of each field and
# --uninject-all. Boot 2: a marker in /dev/pmem0, then wait: the test host
# SIGKILLs nvemu. Boots 3 and 4: what the next starts show.
r() { echo "RESULT: $*"; }
j() { tr -d ' \n\t'; }
B=$TESTHOST_BOOT
N=/sys/bus/nd/devices/nmem0/nfit
r "boot$B-sysfs dirty_shutdown=$(cat $N/dirty_shutdown 2>&1 | j) flags=$(cat $N/flags | tr ' ' ,) dsm_mask=$(cat $N/dsm_mask) family=$(cat $N/family)"
r "boot$B-health $(ndctl list -DH 2>&1 | j)"
case "$B" in
1)
    ndctl monitor --dimm nmem0 --log /tmp/monitor.log &
    mon=$!
    # ready once it waits in epoll_wait: it has enabled the alarms and
    # armed its health event file by then (a fixed sleep raced its start-up)
    i=0
    until grep -q epoll /proc/$mon/wchan 2>/dev/null || [ $i -gt 600 ]; do sleep 0.1; i=$((i + 1)); done
    r "monitor-waiting after=${i} tenths wchan=$(cat /proc/$mon/wchan 2>&1)"
    r "inject-temp $(ndctl inject-smart nmem0 -m 90 2>&1 | j)"
    i=0
    while [ $i -lt 300 ] && ! grep -q dimm-media-temperature /tmp/monitor.log 2>/dev/null; do
        sleep 0.2; i=$((i + 1))
    done
    r "monitor-event waited=$((i / 5))s"
    r "monitor $(j < /tmp/monitor.log)"
    kill $mon
    r "inject-spares-fatal $(ndctl inject-smart nmem0 -s 3 -f 2>&1 | j)"
    r "inject-unsafe $(ndctl inject-smart nmem0 -U 2>&1 | j)"
    r "uninject-all $(ndctl inject-smart nmem0 -N 2>&1 | j)"
    r "threshold $(ndctl inject-smart nmem0 -M 70 --media-temperature-alarm=on 2>&1 | j)"
    ;;
2)
    echo "nvemu-health-marker-boot$B" |
        dd of=/dev/pmem0 bs=4096 conv=sync oflag=direct 2>/dev/null && r marker-written
    sleep 300 ;;
esac
exit 0
