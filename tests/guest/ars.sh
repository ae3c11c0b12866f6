# shellcheck shell=sh
# Guest side of tests/test-ars.sh: media errors with Debian's ndctl, the
# pmem/ndctl project's inject-error sequence (test/inject-error.sh) on
# the raw namespace of a label-less NVDIMM: inject 8 blocks at 42 without
# notification (listed, not in badblocks), uninject, inject again, scrub
# (badblocks "42 8"), a read of a poisoned block (EIO), a direct write over
# them (cleared); then an injection with notification (Notify 0x81 on the
# root: Linux scrubs by itself).
r() { echo "RESULT: $*"; }
j() { tr -d ' \n\t'; }
BB=/sys/block/pmem0/badblocks
BUS=/sys/bus/nd/devices/ndbus0/nfit
NS=$(ndctl list -N | j | sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p')
bb() { tr '\n' ',' < $BB; }
r "setup ns=$NS mode=$(ndctl list -N | j | sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p') bus_dsm_mask=$(cat $BUS/dsm_mask) scrub=$(cat $BUS/scrub | j)"

ndctl inject-error "$NS" --block=42 --count=8 --no-notify 2>&1 | sed 's/^/# /'
r "inject1-status $(ndctl inject-error "$NS" --status 2>&1 | j)"
sleep 3
r "inject1-badblocks [$(bb)]"
ndctl inject-error "$NS" --block=42 --count=8 --uninject 2>&1 | sed 's/^/# /'
r "uninject-status $(ndctl inject-error "$NS" --status 2>&1 | j)"

ndctl inject-error "$NS" --block=42 --count=8 --no-notify 2>&1 | sed 's/^/# /'
sleep 3
r "inject2-badblocks-before-scrub [$(bb)]"
before=$(tr -d "+ \n" < $BUS/scrub)
ndctl start-scrub 2>&1 | sed 's/^/# /'
t0=$(date +%s)
ndctl wait-scrub 2>&1 | sed 's/^/# /'
r "scrub count-before=$before count-after=$(tr -d "+ \n" < $BUS/scrub) seconds=$(( $(date +%s) - t0 ))"
r "inject2-badblocks-after-scrub [$(bb)]"
r "media-errors $(ndctl list -N --media-errors 2>&1 | j)"
dd if=/dev/pmem0 of=/dev/null bs=512 skip=45 count=1 iflag=direct 2>/tmp/dd.err
r "read-poisoned rc=$? err=$(j < /tmp/dd.err)"
dd if=/dev/pmem0 of=/dev/null bs=512 skip=50 count=1 iflag=direct 2>/dev/null
r "read-clean rc=$?"
dd if=/dev/zero of=/dev/pmem0 bs=512 seek=42 count=8 oflag=direct 2>/tmp/dd.err
r "write-over rc=$? err=$(j < /tmp/dd.err)"
r "after-write-badblocks [$(bb)]"
r "after-write-status $(ndctl inject-error "$NS" --status 2>&1 | j)"
dd if=/dev/pmem0 of=/dev/null bs=512 skip=45 count=1 iflag=direct 2>/dev/null
r "read-after-write rc=$?"

# with notification (ndctl's default): Linux scrubs on its own
ndctl inject-error "$NS" --block=100 --count=1 2>&1 | sed 's/^/# /'
i=0
while [ $i -lt 100 ] && ! grep -q '^100 1$' $BB; do sleep 0.2; i=$((i + 1)); done
r "notify-badblocks [$(bb)] waited=$((i / 5))s"
dd if=/dev/zero of=/dev/pmem0 bs=512 seek=100 count=1 oflag=direct 2>/dev/null
r "notify-cleared [$(bb)] status=$(ndctl inject-error "$NS" --status 2>&1 | j)"
dmesg | grep -i -E 'nfit|ars|badblock|poison' | tail -n 20 | sed 's/^/# dmesg: /'
exit 0
