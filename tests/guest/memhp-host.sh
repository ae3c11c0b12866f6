# Host side of tests/test-memhp-guest.sh, after memhp-lib-host.sh in the
# test host's /host.sh: "before N" starts the QMP session for boot N in the
# background, "after N" prints it. Every command gets an id naming the step
# (the test matches replies by it). Guest side: tests/guest/memhp.sh.
GIB=1073741824
dimm() { # id memdev [extra JSON members]
    q "add-$1" "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"$1\",\"memdev\":\"$2\"$3},\"id\":\"add-$1\"}"
}
ram() { # id
    q "obj-$1" "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"$1\",\"size\":$GIB},\"id\":\"obj-$1\"}"
}
del() { q "del-$1" "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$1\"},\"id\":\"del-$1\"}"; }
md() { q "md-$1" "{\"execute\":\"query-memory-devices\",\"id\":\"md-$1\"}"; }
deleted() { # id n: wait (60 s) for the n-th DEVICE_DELETED of id
    wait_count "\"event\":\"DEVICE_DELETED\",\"data\":\\{\"device\":\"$1\"" "${2:-1}" 60 ||
        r "no-device-deleted=$1"
}

# fail_ost: how many ACPI_DEVICE_OST events answer an eject request
# (source 3) with neither success (0) nor "in progress" (0x84)
fail_ost() {
    norm | grep '"event":"ACPI_DEVICE_OST"' | grep '"source":3[,}]' | grep -cvE '"status":(0|132)[,}]'
}

boot1() {
    wait_block memhp-ready 1 120 || return
    md 0
    ram ram1
    dimm d1 ram1
    md 1
    wait_block memhp-added1 2 240 || return
    del d1
    deleted d1
    md 2
    wait_block memhp-removed1 3 120 || return
    # the slot d1 had (the guest removed it), given explicitly
    slot=$(norm | grep '"id":"md-1"' | sed 's/"type"/\n&/g' | grep '"id":"d1"[,}]' |
        grep -oE '"slot":[0-9]+' | cut -d: -f2)
    r "d1-slot=$slot"
    dimm d1b ram1 ",\"slot\":${slot:-99}"
    md 3
    wait_block memhp-added2 4 120 || return
    del d1b
    deleted d1b
    q objdel-ram1 '{"execute":"object-del","arguments":{"id":"ram1"},"id":"objdel-ram1"}'
    wait_block memhp-removed2 5 120 || return
    ram ram2
    ram ram3
    dimm d2 ram2 ',"node":0'
    dimm d3 ram3 ',"node":1'
    md 4
    wait_block memhp-numa-added 6 120 || return
    del d2
    del d3
    deleted d2
    deleted d3
    md 5
    wait_block memhp-numa-removed 7 120
}

boot2() {
    wait_block memhp-b2-ready 1 120 || return
    ram ram1
    dimm d1 ram1
    wait_block memhp-b2-held 2 240 || return
    del d1
    # the guest's answer: an _OST of the eject request (source 3) that is
    # neither success nor "in progress" (0x84)
    i=0
    while [ "$(fail_ost)" = 0 ]; do
        i=$((i + 1)); [ $i -gt 900 ] && { r "no-failure-ost"; break; }; sleep 0.1
    done
    # no DEVICE_DELETED may follow
    sleep 5
    md 6
    q ospm '{"execute":"query-acpi-ospm-status","id":"ospm"}'
    q st '{"execute":"query-status","id":"st"}'
    host_mark memhp-host-del-done 16
    wait_block memhp-b2-kept 3 60
}

case "$1" in
before)
    mbox_clear
    session_start "$2"
    ;;
after)
    session_end
    ;;
esac
