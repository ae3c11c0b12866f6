# Host side of tests/test-nvhp-guest.sh, after memhp-lib-host.sh in the
# test host's /host.sh. Boot 1: hot-adds the NVDIMM nv1 (slot 1, label area
# 128 KiB, $DISK1) once the guest is ready, tries device_del of it (QEMU
# and nvemu refuse it), and after the guest wrote its marker through the
# new namespace looks for it in $DISK1. Boot 2 has nv1 on the command line:
# the session only lists the memory devices. Guest side: tests/guest/nvhp.sh.
NVSIZE=$((1073741824 + 131072))
boot1() {
    wait_block nvhp-ready 1 120 || return
    q obj '{"execute":"object-add","arguments":{"qom-type":"memory-backend-file","id":"nvm1","mem-path":"'"$DISK1"'","size":'$NVSIZE',"share":true},"id":"obj"}'
    q add '{"execute":"device_add","arguments":{"driver":"nvdimm","id":"nv1","memdev":"nvm1","label-size":131072,"slot":1},"id":"add"}'
    q md1 '{"execute":"query-memory-devices","id":"md1"}'
    q del '{"execute":"device_del","arguments":{"id":"nv1"},"id":"del"}'
    q md2 '{"execute":"query-memory-devices","id":"md2"}'
    wait_block nvhp-created 24 240 || return
    # the guest wrote "nvhp-marker-UUID" at the start of its fsdax
    # namespace (at the region's start: after its info block and struct pages)
    m=$(block 24 | tr -d '\0' | sed -n 's/.*uuid=\([0-9a-f-]*\).*/\1/p' | head -n 1)
    r "marker-in-backing=$(dd if="$DISK1" bs=1M count=32 2>/dev/null | grep -a -c "nvhp-marker-$m") uuid=$m"
    host_mark nvhp-host-done 16
}
boot2() {
    q md3 '{"execute":"query-memory-devices","id":"md3"}'
}

case "$1" in
before)
    mbox_clear
    # the backing file exactly the backend's size (nvemu never resizes an
    # existing file and refuses one of another size; the runner makes
    # whole MiB)
    [ "$2" = 1 ] && dd if=/dev/null of="$DISK1" bs=1 seek=$NVSIZE 2>/dev/null
    session_start "$2"
    ;;
after)
    session_end
    ;;
esac
