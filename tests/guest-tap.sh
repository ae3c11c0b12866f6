# tests/guest-tap.sh — sourced by the guest tests (tests/test-*.sh): TAP
# lines for their checks, and the skip when the test host cannot be set up.
#   guest_tap_need_root   print "1..0 # SKIP ..." and exit 0 without root/sudo
#   check WHAT CMD...     "ok N - WHAT" when CMD succeeds, else "not ok N"
#   guest_tap_exit        exit 1 if any check failed

guest_tap_need_root() {
    if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
        echo "1..0 # SKIP the test host needs root to install its packages"
        exit 0
    fi
}

n=0 failed=0
check() { # description, command...
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; failed=$((failed + 1)); fi
}

guest_tap_exit() { exit $((failed > 0)); }
