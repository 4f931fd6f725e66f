#!/usr/bin/env bash
# The conformance suite against skiff only, as one TAP stream (plan last,
# the per-section table as `#` comments), for tests/run to count.
#
#   conformance/ci.sh [SKIFF]      (default: $SKIFF_BUILD_DIR/runtime/skiff)
#
# Runs inside the cgroup-v2 view, like the integration tests.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
build=${SKIFF_BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$here/../$build" ;; esac
skiff=${1:-$build/runtime/skiff}
if [ ! -x "$skiff" ]; then
	echo "1..1"
	echo "not ok 1 - conformance: no skiff binary at $skiff"
	exit 1
fi
exec "$here/run" --v2-view --runtime "$(readlink -f "$skiff")"
