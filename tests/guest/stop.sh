# Guest side of tests/test-stop.sh (the test puts PMEM_STORE_B64, the
# base64 of tests/guest/pmem-store, before this). The DIMM's 256 MiB file
# sits on a 48 MiB tmpfs of the test host: writing past 48 MiB cannot be
# backed. Boot 1 stores from user mode (mmap of a device-dax namespace),
# boot 2 from the kernel (dd to /dev/pmem0): nvemu must stop the guest and
# say why ("RESULT: survived" means it did not). Boots 3 and 4 write a
# marker and wait to be stopped by a signal to nvemu.
r() { echo "RESULT: $*"; }
r boot=$TESTHOST_BOOT namespaces=$(ndctl list -N | tr -d ' \n')
case "$TESTHOST_BOOT" in
1)
    echo "$PMEM_STORE_B64" | base64 -d > /tmp/pmem-store && chmod +x /tmp/pmem-store
    r devdax=$(ndctl create-namespace -f -e namespace0.0 -m devdax 2>&1 | tr -d ' \n')
    r user-store-start
    /tmp/pmem-store /dev/dax0.0 200 | sed 's/^/RESULT: /' ;;
2)
    r kernel-store-start
    dd if=/dev/zero of=/dev/pmem0 bs=1M count=200 oflag=direct 2>&1 | sed 's/^/RESULT: dd /' ;;
*)
    echo "nvemu-marker-boot$TESTHOST_BOOT" |
        dd of=/dev/pmem0 bs=4096 conv=sync oflag=direct 2>/dev/null && r marker-written
    sleep 120 ;;
esac
r survived
