#!/bin/sh
# bench/fio-guest.sh — the guest half of bench/fio-vs-qemu: fio 4 KiB
# random writes, each followed by fsync (--fsync=1), for FIO_SECS seconds on
# three targets in turn, the same script for QEMU and nvemu:
#   raw      a raw namespace's /dev/pmem0, O_DIRECT (each fsync is one
#            REQ_PREFLUSH: one flush-hint write where the NFIT has hints)
#   raw-nofsync  the same writes without fsync (the flushes' share)
#   ext4dax  a file on ext4 mounted -o dax on an fsdax namespace (each
#            fsync: a journal commit, its flushes, the DAX write-back)
#   devdax   a devdax namespace with fio's dev-dax engine (libpmem: the
#            "fsync" is the guest's own cache flush; no kernel, no exit)
# Prints "RESULT: fio vmm=NAME target=T iops=N clat-mean-us=N" per target,
# the guest's clocksource first. Any failure: "error=WHAT" and exit 1.
FIO_SECS=${FIO_SECS:-8}
FIO_TARGETS=${FIO_TARGETS:-raw ext4dax devdax}   # raw includes raw-nofsync
want() { case " $FIO_TARGETS " in *" $1 "*) return 0 ;; esac; return 1; }
vmm=$(sed -n 's/.*testhost\.vmm=\([^ ]*\).*/\1/p' /proc/cmdline)
B="RESULT: fio vmm=${vmm:-?} boot=${TESTHOST_BOOT:-?}"
fail() { echo "$B error=$1"; dmesg | tail -n 20 | sed 's/^/GUEST-DMESG: /'; exit 1; }
echo "$B clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "$B cmdline=$(tr ' ' ',' < /proc/cmdline)"
command -v fio >/dev/null || fail no-fio

# fio's terse v3 line: field 49 is write IOPS, 57 the write clat mean (us)
run_fio() { # target, fio args...
    t=$1; shift
    out=$(fio --name=w --rw=randwrite --bs=4k --size=32M --fsync=1 \
              --runtime="$FIO_SECS" --time_based --output-format=terse \
              --terse-version=3 "$@" 2>/tmp/fio.err) || {
        sed 's/^/GUEST-FIO: /' /tmp/fio.err; fail "fio-$t"; }
    echo "$out" | awk -F';' -v b="$B" -v t="$t" \
        '{ printf "%s target=%s iops=%s clat-mean-us=%s\n", b, t, $49, $57 }'
}

region=$(ndctl list -R | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n 1)
[ -n "$region" ] || fail no-region
ndctl disable-region all >/dev/null 2>&1
ndctl init-labels -f nmem0 >/dev/null 2>&1 || fail init-labels
ndctl enable-region all >/dev/null 2>&1

if want raw; then
ndctl create-namespace -r "$region" -m raw -s 128M >/dev/null 2>&1 || fail ns-raw
[ -b /dev/pmem0 ] || fail no-pmem0
echo "$B deep-flush=$(cat /sys/bus/nd/devices/"$region"/deep_flush 2>/dev/null || echo none)"
run_fio raw --filename=/dev/pmem0 --ioengine=psync --direct=1
# the same writes without the fsync: what the flushes cost is the difference
run_fio raw-nofsync --filename=/dev/pmem0 --ioengine=psync --direct=1 --fsync=0
ndctl destroy-namespace -f all >/dev/null 2>&1
fi

if want ext4dax; then
ndctl create-namespace -r "$region" -m fsdax -s 128M >/dev/null 2>&1 || fail ns-fsdax
mkfs.ext4 -q -F -b 4096 /dev/pmem0 >/dev/null 2>&1 || fail mkfs
mkdir -p /mnt/x
mount -o dax /dev/pmem0 /mnt/x || fail mount-dax
run_fio ext4dax --filename=/mnt/x/fio.dat --ioengine=psync
umount /mnt/x
ndctl destroy-namespace -f all >/dev/null 2>&1
fi

if want devdax; then
ndctl create-namespace -r "$region" -m devdax -s 128M >/dev/null 2>&1 || fail ns-devdax
dax=$(ls /dev/dax* 2>/dev/null | head -n 1)
[ -c "$dax" ] || fail no-devdax
run_fio devdax --filename="$dax" --ioengine=dev-dax
fi
echo "$B done uptime=$(cut -d' ' -f1 /proc/uptime)"
