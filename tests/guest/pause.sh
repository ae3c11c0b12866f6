#!/bin/sh
# Guest side of tests/test-guest-pause.sh: keep a vCPU busy for 12 s of
# guest time (while the harness pauses and resumes the machine), then say
# so, and wait for the harness's
# reset (boot 1) or quit (boot 2).
echo "RESULT: busy-start $(cut -d' ' -f1 /proc/uptime)"
end=$(( $(cut -d. -f1 /proc/uptime) + 12 ))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do :; done
echo "RESULT: busy-done $(cut -d' ' -f1 /proc/uptime)"
sleep 60
