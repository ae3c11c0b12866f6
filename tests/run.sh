#!/usr/bin/env bash
# The test command: install what is needed, build twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run every test in both, and
# finish with one line "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

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
for spec in "build" "build-asan -Db_sanitize=address,undefined -Db_lundef=false"; do
    read -r dir opts <<<"$spec"
    echo "== $dir: building"
    # shellcheck disable=SC2086
    if ! setup "$dir" $opts; then
        echo "== $dir: build FAILED"
        status=1
        continue
    fi
    echo "== $dir: testing"
    meson test -C "$dir" --print-errorlogs --no-rebuild --num-processes 2 \
        >"$dir.test.log" 2>&1 || status=1
    tail -n 12 "$dir.test.log"
    logs+=("$dir/meson-logs/testlog.json")
done

python3 tests/summary.py "${logs[@]}" || status=1
exit $status
