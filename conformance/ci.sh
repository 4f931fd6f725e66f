#!/usr/bin/env bash
# The conformance suite as one TAP stream (plan last, the per-section table
# as `#` comments), for tests/run to count.
#
#   conformance/ci.sh [SKIFF]      skiff (default: $SKIFF_BUILD_DIR/runtime/skiff)
#   conformance/ci.sh --runc       Debian's runc, the reference runtime
#
# Against runc, the assertions listed in known-failures.runc (each with the
# reading of the spec that makes it runc's failure) become skips naming that
# reading; any other failure stays a failure: the suite, not runc, is then
# wrong until the case says otherwise.
# Runs inside the cgroup-v2 view, like the integration tests.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

if [ "${1:-}" = --runc ]; then
	runc=$(command -v runc) || {
		echo "1..1"
		echo "not ok 1 - conformance: runc is not installed (scripts/install-deps.sh installs it)"
		exit 1
	}
	"$here/run" --v2-view --runtime "$runc" | awk -v known="$here/known-failures.runc" '
		BEGIN {
			while ((getline line < known) > 0) {
				if (line ~ /^#/ || line !~ / \| /) continue
				split(line, kv, / \| /)
				reason[kv[1]] = kv[2]
			}
		}
		/^not ok [0-9]+ - runc: / {
			name = $0
			sub(/^not ok [0-9]+ - runc: /, "", name)
			sub(/ # .*$/, "", name)
			if (name in reason) {
				n = $3
				print "ok " n " - runc: " name " # skip known runc failure (" reason[name] ")"
				next
			}
		}
		/^not ok / { bad++ }
		{ print }
		END { exit bad > 0 }'
	exit "${PIPESTATUS[1]}"
fi

build=${SKIFF_BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$here/../$build" ;; esac
skiff=${1:-$build/runtime/skiff}
if [ ! -x "$skiff" ]; then
	echo "1..1"
	echo "not ok 1 - conformance: no skiff binary at $skiff"
	exit 1
fi
exec "$here/run" --v2-view --runtime "$(readlink -f "$skiff")"
