#!/usr/bin/env bash
# The main job: build nvemu, boot Debian's kernel with an NVDIMM whose
# backing file lives in a state directory, create a namespace with ndctl,
# show the result. Run it again: the namespace is still there, because the
# labels live in the file.
#
# Where this machine's /dev/kvm can boot Linux, nvemu runs directly.
# Elsewhere (PVM-based KVM, no KVM: every machine of this project) nvemu
# runs on nested KVM inside the TCG test host (tools/test-host,
# docs/test-host.md), with the state file attached to it as a disk.
#
#   NVEMU_STATE=DIR   state directory (default: state/)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "demo: $*" >&2; }

state=${NVEMU_STATE:-state}
img=$state/pmem0.img
# 1G + 128K: 1G of pmem (a whole number of 128M blocks) and 128K of labels
# in the file's tail.
size=1048704K

step "installing what is missing (build tools, QEMU, kernel, ndctl, busybox)"
scripts/bootstrap.sh guest
step "building nvemu"
[[ -f build/build.ninja ]] || meson setup build >/dev/null
ninja -C build >/dev/null

mkdir -p "$state"
if [[ -e "$img" ]]; then
    step "reusing $img (what the guest wrote last time is still in it)"
else
    step "creating $img: sparse, 1G of pmem plus 128K of labels"
    truncate -s "$size" "$img"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
if build/machine/nvemu --check-kvm >/dev/null 2>&1; then
    # shellcheck source=tools/test-host/lib.sh
    source tools/test-host/lib.sh
    kver=$(th_kernel_version)
    step "this /dev/kvm can boot Linux: building the guest initramfs"
    tools/test-host/build-guest-initramfs --script scripts/guest-demo.sh \
        --out "$state/guest-initrd.img"
    step "booting the guest on nvemu (kernel $kver)"
    build/machine/nvemu -m 512M,slots=4,maxmem=4G -nographic -no-reboot \
        -object "memory-backend-file,id=mem0,share=on,mem-path=$img" \
        -device nvdimm,id=nv0,memdev=mem0,label-size=128K \
        -kernel "/boot/vmlinuz-$kver" -initrd "$state/guest-initrd.img" \
        -append "console=ttyS0 quiet pci=off panic=-1" </dev/null >"$out" 2>&1 ||
        { cat "$out"; exit 1; }
else
    step "$(build/machine/nvemu --check-kvm 2>&1 | sed 's/^nvemu: //')"
    step "booting the test host, then the guest on nvemu (about 25 s under TCG)"
    # $DISKFILE0, $KERNEL... are expanded in the test host, not here
    # shellcheck disable=SC2016
    args='-m 512M,slots=4,maxmem=4G -nographic -no-reboot
 -object memory-backend-file,id=mem0,share=on,mem-path=$DISKFILE0
 -device nvdimm,id=nv0,memdev=mem0,label-size=128K
 -kernel $KERNEL -initrd $INITRD -append "$APPEND"'
    args=${args//$'\n'/}
    tools/test-host/run --vmm nvemu --disk-mb "" --disk-file "$img" --vmm-args "$args" \
        --guest-script scripts/guest-demo.sh >"$out" 2>&1 || { cat "$out"; exit 1; }
fi
step "the guest said:"
sed -n 's/^RESULT: //p' "$out" | tr -d '\r'
step "done; the namespace lives in $img (build/tools/nvemu-label dump --label-size 128K $img)"
