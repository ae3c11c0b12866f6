#!/bin/sh
# Guest side of the reboot check in tests/test-guest.sh: the first boot
# leaves a marker in pmem and reboots (nvemu runs without -no-reboot); the
# second finds it and returns, so the guest powers off.
m=$(dd if=/dev/pmem0 bs=8 count=1 2>/dev/null)
if [ "$m" = "REBOOTED" ]; then
    echo "RESULT: second-boot marker-found"
    echo "RESULT: dimms=$(ndctl list -D | tr -d ' \n')"
else
    echo "RESULT: first-boot writing-marker"
    printf 'REBOOTED' | dd of=/dev/pmem0 bs=8 count=1 conv=fsync 2>/dev/null
    sync
    reboot -f
fi
