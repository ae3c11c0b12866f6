#!/bin/sh
# tests/guest/failed-start-host.sh — the test host's side of
# tests/test-failed-start.sh, run as "/host.sh before|after N".
# before: a user's file that must survive, and an initrd too big for the
# guest's RAM, so nvemu fails after it created its files but before the
# guest's first instruction. after: what is left in /tmp/fs.
set -u
case "$1" in
before)
    mkdir -p /tmp/fs
    printf 'user data\n' > /tmp/fs/user.img
    truncate -s 256M /tmp/fs/user.img
    truncate -s 160M /tmp/fs/big.rd
    echo "RESULT: before=$(cd /tmp/fs && ls | tr '\n' ' ')"
    ;;
after)
    echo "RESULT: after=$(cd /tmp/fs && ls | tr '\n' ' ')"
    echo "RESULT: user-head=$(head -c 9 /tmp/fs/user.img) user-size=$(stat -c %s /tmp/fs/user.img)"
    ;;
esac
