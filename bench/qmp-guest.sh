#!/bin/sh
# bench/qmp-guest.sh — the guest's /test.sh for bench/qmp-vs-qemu. It only
# says "up": a marker in block 0 of /dev/pmem0 (the label-less NVDIMM, whose
# backing file the test host's job watches), then waits for the host's QMP
# quit, which ends the VMM; this script never reaches its end.
echo "qmp-bench-up boot=${TESTHOST_BOOT:-?}" |
    dd of=/dev/pmem0 bs=4096 conv=sync oflag=direct 2>/dev/null &&
    echo "RESULT: qmp-guest up boot=${TESTHOST_BOOT:-?} uptime=$(cut -d' ' -f1 /proc/uptime)"
sleep 170
echo "RESULT: qmp-guest no-quit"
exit 1
