# shellcheck shell=bash
# Shared helpers for the nvemu test-host tools. Sourced, not run.
#
# Everything here runs on the developer/CI machine (Debian 12, root or sudo).
# The initramfs builders and the runner call these; nothing here starts a VM.

# Directory of these scripts, and the repository root above it.
TH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # used by the scripts that source this
TH_REPO=$(cd "$TH_DIR/../.." && pwd)

# The Debian packages every test-host run needs (one kernel for host and guest).
TH_PACKAGES=(qemu-system-x86 linux-image-amd64 ndctl daxctl busybox-static cpio kmod
             e2fsprogs xfsprogs pmdk-tools socat)

th_log() { printf 'test-host: %s\n' "$*" >&2; }
th_die() { printf 'test-host: error: %s\n' "$*" >&2; exit 2; }

# Run as root, or through sudo when we are not.
th_sudo() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Install whatever of TH_PACKAGES is missing. Asks apt only when something is.
# (tools/test-host/install-packages runs just this.) Runs that start side by
# side (the test suites run in parallel) take turns through one lock file
# and look again once they hold it: apt's own locks fail rather than wait.
th_ensure_packages() {
    th_missing_packages "$@" >/dev/null || return 0
    (
        flock 9
        local missing
        missing=$(th_missing_packages "$@") || exit 0
        th_log "installing $missing"
        # shellcheck disable=SC2086  # a list of package names
        th_sudo apt-get update -qq &&
            th_sudo env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends $missing >/dev/null
    ) 9>>/tmp/nvemu-apt.lock
}

# Print the missing packages of TH_PACKAGES and "$@"; false when none are.
th_missing_packages() {
    local p missing=()
    for p in "${TH_PACKAGES[@]}" "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
            missing+=("$p")
        fi
    done
    [[ ${#missing[@]} -gt 0 ]] && echo "${missing[*]}"
}

# The kernel version both the test host and the guest run: the one the
# installed linux-image-amd64 metapackage points at (NVEMU_TESTHOST_KVER
# overrides it).
th_kernel_version() {
    if [[ -n "${NVEMU_TESTHOST_KVER:-}" ]]; then
        echo "$NVEMU_TESTHOST_KVER"; return
    fi
    local dep
    dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64)
    dep=${dep%% *}                    # "linux-image-6.1.0-56-amd64"
    echo "${dep#linux-image-}"
}

# The installed version of a Debian package ("" when it is not installed).
th_pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# sha256 of stdin, first 16 hex digits: a cache key.
th_hash() { sha256sum | cut -c1-16; }

# th_copy_file SRC ROOT [DEST]: copy SRC (symlinks followed) to ROOT/DEST
# (DEST defaults to SRC's own path).
th_copy_file() {
    local src=$1 root=$2 dest=${3:-$1}
    mkdir -p "$root$(dirname "$dest")"
    cp -L "$src" "$root$dest"
}

# th_copy_binary BIN ROOT [DEST]: copy an ELF program and every shared
# library `ldd` lists (including the dynamic loader) into ROOT, libraries
# at the paths ldd prints so the loader's default search path finds them.
th_copy_binary() {
    local bin=$1 root=$2 dest=${3:-$1} lib
    th_copy_file "$bin" "$root" "$dest"
    chmod 0755 "$root$dest"
    # ldd lines: "libx.so.1 => /lib/.../libx.so.1 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)",
    # "linux-vdso.so.1 (0x...)" (no file). A "not found" is fatal.
    if ldd "$bin" | grep -q 'not found'; then
        ldd "$bin" >&2
        th_die "$bin: missing shared libraries"
    fi
    while read -r lib; do
        [[ -e "$root$lib" ]] || th_copy_file "$lib" "$root"
    done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# th_busybox ROOT: busybox-static plus a symlink for each of its applets.
th_busybox() {
    local root=$1 applet
    th_copy_file /bin/busybox "$root"
    while read -r applet; do
        [[ "$applet" == bin/busybox ]] && continue
        mkdir -p "$root/$(dirname "$applet")"
        ln -sf /bin/busybox "$root/$applet"
    done < <(/bin/busybox --list-full)
}

# th_module_order KVER MOD...: the modules to load, dependencies first, each
# once, as paths of module files (builtin modules are dropped). Uses the
# kernel's own metadata: `modinfo -F depends`.
th_module_order() {
    local kver=$1; shift
    local -A seen=()
    local -a order=()
    _th_visit() {
        local m=${1//-/_} f dep
        [[ -n "${seen[$m]:-}" ]] && return 0
        seen[$m]=1
        f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || th_die "kernel $kver has no module $m"
        [[ "$f" == "(builtin)" || "$f" == *": builtin"* || -z "$f" ]] && return 0
        for dep in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do
            _th_visit "$dep"
        done
        order+=("$f")
    }
    local m
    for m in "$@"; do _th_visit "$m"; done
    printf '%s\n' "${order[@]}"
}

# th_install_modules KVER ROOT MOD...: copy the modules (and their
# dependencies) into ROOT/lib/modules/KVER/ as plain .ko files (busybox
# insmod cannot load compressed ones), and write ROOT/etc/modules.order,
# the load order, one path per line.
th_install_modules() {
    local kver=$1 root=$2; shift 2
    local f rel dest
    mkdir -p "$root/etc"
    : > "$root/etc/modules.order"
    while read -r f; do
        rel=${f#/usr}
        rel=${rel#/lib/modules/"$kver"/}
        rel=${rel%.xz}; rel=${rel%.zst}; rel=${rel%.gz}   # kernel/.../x.ko
        dest="/lib/modules/$kver/$rel"
        mkdir -p "$root$(dirname "$dest")"
        case "$f" in
            *.ko)     cp "$f" "$root$dest" ;;
            *.ko.xz)  xz -dc "$f" > "$root$dest" ;;
            *.ko.zst) zstd -qdc "$f" > "$root$dest" ;;
            *.ko.gz)  gzip -dc "$f" > "$root$dest" ;;
            *)        th_die "unknown module file type: $f" ;;
        esac
        echo "$dest" >> "$root/etc/modules.order"
    done < <(th_module_order "$kver" "$@")
}

# th_pack ROOT OUT [gzip|none]: pack ROOT as a newc cpio archive (owned by
# root, reproducible), gzip-compressed unless told "none" (or
# NVEMU_TESTHOST_COMPRESS=none). Written to OUT.tmp first, so a cached OUT
# is always complete.
th_pack() {
    local root=$1 out=$2 comp=${3:-${NVEMU_TESTHOST_COMPRESS:-gzip}}
    (
        cd "$root" || exit 1
        find . -mindepth 1 -print0 | LC_ALL=C sort -z |
            cpio --null -o -H newc -R 0:0 --reproducible --quiet
    ) | if [[ "$comp" == none ]]; then cat; else gzip -n -1; fi \
      > "$out.$$.tmp"
    # Pad to a multiple of 4 bytes with zeros: Linux skips zeros between
    # concatenated archives, and an uncompressed cpio that follows a
    # compressed one must start 4-byte aligned.
    local size pad
    size=$(stat -c %s "$out.$$.tmp")
    pad=$(( (4 - size % 4) % 4 ))
    [[ $pad -eq 0 ]] || head -c "$pad" /dev/zero >> "$out.$$.tmp"
    mv "$out.$$.tmp" "$out"
}

# th_shell_quote STRING: STRING single-quoted for any POSIX sh (busybox ash).
th_shell_quote() {
    local s=${1//\'/\'\\\'\'}
    printf "'%s'" "$s"
}

# th_prune KEEP FILE...: delete the FILEs other than KEEP (older cached
# builds of the same kind, whose inputs have changed).
th_prune() {
    local keep=$1 f; shift
    for f in "$@"; do
        [[ "$f" == "$keep" || ! -e "$f" ]] || rm -f "$f"
    done
}
