#!/bin/sh
# Guest side of tests/test-daemonize.sh: its console is nvemu's
# -serial file:, so these lines reach the runner only through that file.
echo "RESULT: guest-console-line boot=$TESTHOST_BOOT"
sleep 2 # the parent has long exited 0 by now; the daemon still runs us
echo "RESULT: guest-still-running"
