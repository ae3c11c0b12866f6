#!/bin/sh
# Guest side of tests/test-guest-pause.sh: keep a vCPU busy for 15 s of
# guest time (while the harness pauses and resumes the machine), then say
# so; the clock keeps going through the pauses.
echo "RESULT: busy-start $(cut -d' ' -f1 /proc/uptime)"
end=$(( $(cut -d. -f1 /proc/uptime) + 15 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do :; done
echo "RESULT: busy-done $(cut -d' ' -f1 /proc/uptime)"
