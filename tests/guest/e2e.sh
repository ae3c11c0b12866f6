#!/bin/sh
# Guest side of tests/test-e2e.sh (busybox sh in the guest). Three NVDIMMs:
#   nmem0  labels in its file's tail, initialized on the host by nvemu-label
#   nmem1  a separate label file (fresh: the guest initializes it)
#   nmem2  no labels (label-size=0)
# Boot 1 builds the namespaces and writes data; boot 2 reports what is left.
r() { echo "RESULT: $*"; }
flat() { tr -d ' \n'; }
boot=$(sed -n 's/.*testhost\.boot=\([0-9]*\).*/\1/p' /proc/cmdline)
# the blockdev of the namespace on DIMM $1, e.g. pmem2
blockdev_of() { ndctl list -N -d "$1" | flat | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'; }
region_of() { ndctl list -R -d "$1" | flat | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p'; }
avail() { ndctl list -R -r "$1" | flat | sed -n 's/.*"available_size":\([0-9]*\).*/\1/p'; }

r boot=$boot
r label-less=$(ndctl list -N -d nmem2 | flat)

if [ "$boot" = 1 ]; then
    # labels: nmem0's were written by `nvemu-label init` on the host
    if ndctl check-labels nmem0 >/dev/null 2>&1; then r host-labels=accepted; else r host-labels=rejected; fi
    ndctl disable-region all >/dev/null 2>&1
    ndctl init-labels -f nmem1 >/dev/null 2>&1 && r init-labels-nmem1=ok
    ndctl enable-region all >/dev/null 2>&1
    reg0=$(region_of nmem0); reg1=$(region_of nmem1)
    # a: label file -> aligned region -> no -s needed; file tail -> aligned -s
    ndctl create-namespace -r "$reg1" -m fsdax -n beta >/dev/null 2>&1 && r beta=created
    ndctl create-namespace -r "$reg0" -m fsdax -n alpha -s 128M >/dev/null 2>&1 && r alpha=created
    # c: devdax, sector, raw in what is left of region0, each destroyed again
    free0=$(avail "$reg0"); r free-before=$free0
    for mode in devdax sector raw; do
        ns=$(ndctl create-namespace -r "$reg0" -m $mode -s 64M -n tmp-$mode 2>/dev/null | flat)
        dev=$(echo "$ns" | sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p')
        case $mode in
            devdax) node=$(echo "$ns" | sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p'); [ -c "/dev/$node" ] && r devdax=ok ;;
            sector) node=$(echo "$ns" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'); [ -b "/dev/$node" ] && r sector=ok ;;
            raw) node=$(echo "$ns" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p'); [ -b "/dev/$node" ] && r raw=ok ;;
        esac
        if [ -n "$dev" ]; then
            ndctl disable-namespace "$dev" >/dev/null 2>&1
            ndctl destroy-namespace -f "$dev" >/dev/null 2>&1 && r destroyed-$mode=ok
        fi
    done
    r free-after=$(avail "$reg0")
    # e: data on the label-less DIMM's raw namespace (byte 0 = file byte 0)
    pm=$(blockdev_of nmem2)
    dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
    dd if=/tmp/data of=/dev/$pm bs=1M count=16 conv=fsync 2>/dev/null
    r data-written=$(sha256sum < /tmp/data | cut -c1-64)
fi
# b: what survives, as the guest sees it (raw_uuid = the label's uuid)
ndctl list -N -v | flat | sed 's/},{/}\n{/g' | grep '"name"' | while read -r ns; do
    name=$(echo "$ns" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
    r "ns-$name=mode:$(echo "$ns" | sed -n 's/.*"mode":"\([^"]*\)".*/\1/p')" \
      "size:$(echo "$ns" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')" \
      "uuid:$(echo "$ns" | sed -n 's/.*"raw_uuid":"\([^"]*\)".*/\1/p')"
done
pm=$(blockdev_of nmem2)
r data-read=$(dd if=/dev/$pm bs=1M count=16 2>/dev/null | sha256sum | cut -c1-64)
r done
