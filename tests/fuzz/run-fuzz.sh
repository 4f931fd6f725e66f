#!/bin/sh
# Fuzz libocispec for a bounded time:  tests/fuzz/run-fuzz.sh [SECONDS]  (default 60)
# Builds the clang/ASan/UBSan fuzz build on first use, seeds the corpus from
# the runtime-spec's schema test documents, and exits non-zero on any crash,
# leak or sanitizer report.  Crash inputs are kept in BUILD/fuzz-artifacts/.
# Overrides: SKIFF_SOURCE_DIR, SKIFF_FUZZ_BUILD, SKIFF_SPEC_DIR.
set -eu

secs=${1:-60}
src=${SKIFF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SKIFF_FUZZ_BUILD:-$src/build-fuzz}
spec=${SKIFF_SPEC_DIR:-$src/../shared/oci-runtime-spec}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$build" "$src" -Dfuzz=true -Dstatic=false \
        -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build" tests/fuzz/fuzz-config

work=$(mktemp -d /tmp/skiff-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus"
for f in "$spec"/schema/test/*/*/*.json; do
    # kind-verdict-name, so same-named files of different kinds do not collide
    rel=${f#"$spec"/schema/test/}
    cp "$f" "$work/corpus/$(echo "$rel" | tr / -)"
done
mkdir -p "$build/fuzz-artifacts"

rc=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$build/tests/fuzz/fuzz-config" -max_total_time="$secs" -print_final_stats=1 -print_funcs=0 \
    -artifact_prefix="$build/fuzz-artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?

runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)
if [ "$rc" -ne 0 ] || grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' \
        -e 'ERROR: LeakSanitizer' -e 'ERROR: libFuzzer' "$work/log"; then
    tail -n 60 "$work/log"
    echo "run-fuzz: FAILED (exit $rc); artifacts in $build/fuzz-artifacts/" >&2
    [ "$rc" -ne 0 ] || rc=1
    exit "$rc"
fi
echo "run-fuzz: clean, ${runs:-?} executions in ${secs}s"
