#!/bin/sh
# bench/scale-guest.sh — the guest half of bench/scale-boot: counts the
# NVDIMMs and regions the guest found, gives every region a namespace
# (labels initialized first, then `ndctl create-namespace -m fsdax` per
# region), and counts the /dev/pmem devices. Lines:
#   RESULT: scale boot=N dimms=D regions=R
#   RESULT: scale boot=N namespaces=K of=R pmem-devs=P init-labels-s=S create-s=S
now_ns() { sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q}' /proc/timer_list; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
B="RESULT: scale boot=${TESTHOST_BOOT:-?}"
d=$(ls -d /sys/bus/nd/devices/nmem* 2>/dev/null | wc -l)
regions=$(cd /sys/bus/nd/devices && ls -d region* 2>/dev/null)
r=$(echo $regions | wc -w)
echo "$B dimms=$d regions=$r"
t0=$(now_ns)
ndctl disable-region all >/dev/null 2>&1
ndctl init-labels -f all >/dev/null 2>&1 || echo "$B error=init-labels"
ndctl enable-region all >/dev/null 2>&1
t1=$(now_ns)
k=0
for reg in $regions; do
    if ndctl create-namespace -r "$reg" -m fsdax >/dev/null 2>/tmp/ns.err; then
        k=$((k + 1))
    else
        echo "$B error=create-namespace-$reg $(head -n 1 /tmp/ns.err)"
    fi
done
t2=$(now_ns)
p=$(ls /dev/pmem* 2>/dev/null | wc -l)
echo "$B namespaces=$k of=$r pmem-devs=$p init-labels-s=$(secs "$t0" "$t1") create-s=$(secs "$t1" "$t2")"
[ "$k" -eq "$r" ] && [ "$p" -eq "$r" ]
