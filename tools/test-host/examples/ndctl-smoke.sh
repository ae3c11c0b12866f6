#!/bin/sh
# Guest script: smoke test of the NVDIMM as ndctl sees it. Runs as /test.sh
# in the guest initramfs (busybox sh); every line meant for the runner starts
# with "RESULT: ". $TESTHOST_BOOT is the boot number within the test host
# (the backing file lives on across boots of one test-host run).
#
# Boot 1: lists the DIMM and region, reads the label area, writes fresh
# labels (init-labels) and creates a 128 MiB fsdax namespace.
# Boot 2+: the same listings; the namespace must still be there.
echo "RESULT: uptime=$(cut -d' ' -f1 /proc/uptime) boot=$TESTHOST_BOOT"

# JSON on one line each, so one RESULT line carries one document.
oneline() { tr -d '\n\t ' ; }
echo "RESULT: dimms=$(ndctl list -D 2>&1 | oneline)"
echo "RESULT: regions=$(ndctl list -R 2>&1 | oneline)"

fail() { echo "RESULT: $1=fail"; exit 1; }
ndctl read-labels nmem0 -s 4096 >/dev/null 2>&1 || fail read-labels
echo "RESULT: read-labels=ok"

if [ "${TESTHOST_BOOT:-1}" = 1 ]; then
    # Labels can only be written while the region is disabled.
    ndctl disable-region all >/dev/null 2>&1 || fail disable-region
    ndctl init-labels -f nmem0 >/dev/null 2>&1 || fail init-labels
    echo "RESULT: init-labels=ok"
    ndctl enable-region all >/dev/null 2>&1 || fail enable-region
    ns=$(ndctl create-namespace -m fsdax -s 128M 2>&1) || { echo "RESULT: create-namespace-error=$(echo "$ns" | oneline)"; fail create-namespace; }
    echo "RESULT: created=$(echo "$ns" | oneline)"
fi
ndctl check-labels nmem0 >/dev/null 2>&1 || fail check-labels
echo "RESULT: check-labels=ok"
nsl=$(ndctl list -N 2>&1 | oneline)
echo "RESULT: namespaces=$nsl"
case "$nsl" in
    *'"mode":"fsdax"'*) echo "RESULT: fsdax-namespace=present" ;;
    *) fail fsdax-namespace ;;
esac
echo "RESULT: done uptime=$(cut -d' ' -f1 /proc/uptime)"
