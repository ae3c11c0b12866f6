#!/bin/sh
# Host side of tests/test-e2e.sh, run in the test host around each boot:
# "before N" / "after N". $DISK0..2 are the backing files; nv1's labels are
# in /tmp/nv1.labels.
r() { echo "RESULT: host $*"; }
case "$1 $2" in
    "before 1")
        nvemu-label init --label-size 128K "$DISK0" >/dev/null && r init=ok ;;
    after*)
        for spec in "--label-size 128K $DISK0" "--label-file /tmp/nv1.labels"; do
            # shellcheck disable=SC2086  # two words on purpose
            json=$(nvemu-label dump --json $spec | tr -d ' \n')
            # (echo ends the last line, or read would drop it)
            echo "$json" | sed 's/},{/}\n{/g' |
                sed -n 's/.*"uuid":"\([^"]*\)","name":"\([^"]*\)".*"rawsize":\([0-9]*\).*/\2 \1 \3/p' |
                while read -r name uuid size; do r "boot$2-label-$name=uuid:$uuid rawsize:$size"; done
        done
        r "boot$2-file-data=$(dd if="$DISK2" bs=1M count=16 2>/dev/null | sha256sum | cut -c1-64)" ;;
esac
