#!/usr/bin/env bash
# The main job. Today: build nvemu and print the guest memory map it plans
# for a sample machine (1G RAM, two NVDIMMs, one pc-dimm). Booting a guest
# with ndctl inside replaces this once the KVM machine lands.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "demo: installing build dependencies (if missing)" >&2
scripts/bootstrap.sh
echo "demo: building" >&2
[[ -f build/build.ninja ]] || meson setup build >/dev/null
ninja -C build >/dev/null

state=${NVEMU_STATE:-state}
mkdir -p "$state"
set -x
build/machine/nvemu --print-memory-map \
    -m 1G,slots=4,maxmem=16G \
    -object memory-backend-file,id=mem0,share=on,mem-path="$state/pmem0.img",size=4G \
    -device nvdimm,id=nv0,memdev=mem0,label-size=128K \
    -object memory-backend-file,id=mem1,share=on,mem-path="$state/pmem1.img",size=2G \
    -device nvdimm,id=nv1,memdev=mem1,label-file="$state/pmem1.labels" \
    -object memory-backend-ram,id=ram2,size=1G \
    -device pc-dimm,id=dimm2,memdev=ram2
