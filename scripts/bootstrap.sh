#!/usr/bin/env bash
# Install the Debian packages nvemu needs, once. Safe to run again: it asks
# apt only for what is missing.
#   scripts/bootstrap.sh            build + unit tests
#   scripts/bootstrap.sh guest      also what booting a real guest needs
set -euo pipefail

pkgs=(meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libpmem-dev libpmemobj-dev
      libjson-glib-dev
      liblzma-dev zlib1g-dev
      python3 clang libclang-rt-14-dev acpica-tools)
if [[ "${1:-}" == guest ]]; then
    pkgs+=(qemu-system-x86 linux-image-amd64 ndctl daxctl busybox-static cpio kmod
           e2fsprogs xfsprogs pmdk-tools socat)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
# One apt at a time (tools/test-host installs through the same lock file).
exec 9>>/tmp/nvemu-apt.lock
flock 9
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
