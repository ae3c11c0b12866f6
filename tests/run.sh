#!/usr/bin/env bash
# The test command: install what is needed, build twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and run every unit test in
# both; build the libFuzzer targets with clang and run each for a bounded
# time (FUZZ_SECONDS, default 30); finish with one line
# "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scripts/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
setup() { # dir, extra meson options...
    local dir=$1; shift
    if [[ -f $dir/build.ninja ]]; then
        meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
    else
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
    fi || { cat "$dir.setup.log"; return 1; }
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; return 1; }
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
logs=()
fuzz_seconds=${FUZZ_SECONDS:-30}
specs=(
    "build||--suite unit"
    "build-asan|-Db_sanitize=address,undefined -Db_lundef=false|--suite unit"
    "build-fuzz|-Dfuzz=true -Dfuzz_seconds=$fuzz_seconds -Db_sanitize=address,undefined -Db_lundef=false|--suite fuzz"
)
for spec in "${specs[@]}"; do
    IFS='|' read -r dir opts suite <<<"$spec"
    echo "== $dir: building"
    cc=gcc
    [[ $dir == build-fuzz ]] && cc=clang
    # A log left by an earlier run must not stand in for this one: a build
    # that fails leaves no log, which summary.py counts as a failure.
    rm -f "$dir/meson-logs/testlog.json"
    logs+=("$dir/meson-logs/testlog.json")
    # shellcheck disable=SC2086
    if ! CC=$cc setup "$dir" $opts; then
        echo "== $dir: build FAILED"
        status=1
        continue
    fi
    echo "== $dir: testing ($suite)"
    # shellcheck disable=SC2086
    meson test -C "$dir" --print-errorlogs --no-rebuild --num-processes 2 \
        $suite >"$dir.test.log" 2>&1 || status=1
    grep -E '^ *[0-9]+/[0-9]+ ' "$dir.test.log"
done

# A real guest through the test host (tools/test-host): slow (~20 s a boot
# under TCG) and run once, on the plain build. NVEMU_SKIP_GUEST=1 skips it.
if [[ -z "${NVEMU_SKIP_GUEST:-}" && -f build/build.ninja ]]; then
    echo "== build: testing (--suite guest, a real guest in the TCG test host)"
    # once, before the guest tests start side by side
    tools/test-host/install-packages || status=1
    rm -f build/meson-logs/testlog-guest.json
    logs+=("build/meson-logs/testlog-guest.json")
    # One test host at a time: each is a whole TCG machine, and two side by
    # side on a 2-core machine make every guest's timing worse.
    meson test -C build --print-errorlogs --no-rebuild --suite guest \
        --num-processes 1 --logbase testlog-guest >build.guest.log 2>&1 || status=1
    grep -E '^ *[0-9]+/[0-9]+ ' build.guest.log
fi

python3 tests/summary.py "${logs[@]}" || status=1
exit $status
