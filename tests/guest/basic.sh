#!/bin/sh
# Guest side of tests/test-guest.sh: runs inside the guest (busybox sh) and
# prints facts as "RESULT: key=value" lines; the host side judges them.
r() { echo "RESULT: $*"; }

r init-reached uptime=$(cut -d' ' -f1 /proc/uptime)
r cpus-online=$(cat /sys/devices/system/cpu/online)
# nvemu unpacked the bzImage and loaded vmlinux at its link address; its
# SETUP_RNG_SEED made the random pool ready before the kernel's clock ran.
r kernel-code=$(sed -n 's/^ *\([0-9a-f]*\)-[0-9a-f]* : Kernel code$/\1/p' /proc/iomem)
dmesg | grep -E 'random: crng init done' | head -n 1 | sed 's/^/RESULT: crng /'
# The tables the kernel found, and any complaint from ACPICA.
dmesg | grep -E 'ACPI: (NFIT|SSDT|FACP|DSDT|APIC) ' | sed 's/^\[[^]]*\] /RESULT: table /'
dmesg | grep -E 'ACPI Error|ACPI BIOS Error|ACPI Warning' | sed 's/^/RESULT: acpi-problem /'
dmesg | grep -iE 'nfit|nd_pmem|libnvdimm' | grep -iE 'error|fail|warn' | sed 's/^/RESULT: nvdimm-problem /'
# The CMOS RTC: Linux read the time from it at boot (no "Unable to read
# current time from RTC"), rtc_cmos bound it, and both it and the system
# clock say what time it is (the host side compares with the test host).
r rtc-unreadable=$(dmesg | grep -c 'Unable to read current time from RTC')
r rtc0=$(cat /sys/class/rtc/rtc0/name 2>/dev/null || echo none)
r rtc0-epoch=$(cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null || echo none)
r guest-date=$(date +%s)
r dimms=$(ndctl list -D | tr -d ' \n')
r regions=$(ndctl list -R | tr -d ' \n')
for d in nmem0 nmem1; do
    if ndctl read-labels "$d" -o /tmp/labels.$d >/dev/null 2>&1; then
        r read-labels-$d=$(wc -c < /tmp/labels.$d)
    else
        r read-labels-$d=failed
    fi
done
r done
