#!/usr/bin/env bash
# Start latency with podman's default seccomp profile (issue 6, "Speed"):
# skiff (cold and cached filter) against crun and runc.
#
#   bench/seccomp.sh [RUNS]          (root; default 50 runs per command)
#
# The bundle is start.sh's (skiff's default spec running /bin/true in
# busybox) plus linux.seccomp made from containers-common's
# /usr/share/containers/seccomp.json the way podman does it
# (podman-seccomp.py: includes/excludes resolved for the bundle's
# capabilities and this arch).  In ONE hyperfine run in the cgroup-v2 view:
#   skiff cold     skiff run, its filter cache (<root>/.cache/seccomp)
#                  removed before every run (hyperfine --prepare)
#   skiff cached   skiff run with the compiled filter in the cache
#   crun, runc     run of the same bundle (crun 1.27, cgroupfs manager)
#   skiff no-seccomp   the bundle without linux.seccomp, for the cost
# Prints the means and the ratios skiff-cold/crun, skiff-cached/crun,
# skiff-cold/runc, skiff-cached/runc, and each against no-seccomp.
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC,
# SECCOMP_PROFILE.  Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${1:-50}
profile=${SECCOMP_PROFILE:-/usr/share/containers/seccomp.json}
[ -r "$profile" ] || die "no $profile (apt-get install containers-common)"
bench_workdir

plain=$work/plain
bench_bundle "$plain"
bundle=$work/bundle
mkdir "$bundle"
cp "$plain/config.json" "$bundle/config.json"
# one rootfs for both (runc refuses a symlinked rootfs)
bench_cfg "$bundle/config.json" 'c["root"]["path"] = "'"$plain/rootfs"'"'
"$PYTHON" "$bench_here/podman-seccomp.py" "$profile" "$bundle/config.json"
"$PYTHON" - "$bundle/config.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["linux"]["seccomp"]
print("profile: default %s, %s, %d rules naming %d syscalls" % (
    s["defaultAction"], "+".join(s.get("architectures", [])), len(s["syscalls"]),
    sum(len(r["names"]) for r in s["syscalls"])))
EOF

# add NAME KIND STATE BUNDLE [PREPARE]
add() {
	local g
	g=$(rt_cmd "$2" "$3") || { note "$2 not found, $1 left out"; return 0; }
	rt_track "$g" bench-run
	bench_try "$1 (cannot run the bundle)" $g run --bundle "$4" bench-run || return 0
	bench_add "$1" "$g run --bundle $4 bench-run" "${5:-}"
}
add "skiff cold" skiff "$work/state-cold" "$bundle" "rm -rf $bench_run/state-cold/.cache/seccomp"
add "skiff cached" skiff "$work/state-cached" "$bundle"
add crun crun "$work/state-crun" "$bundle"
add runc runc "$work/state-runc" "$bundle"
add "skiff no-seccomp" skiff "$work/state-plain" "$plain"
if [ -x "$SKIFF" ] && [ -z "$(ls -A "$bench_run/state-cached/.cache/seccomp" 2>/dev/null)" ]; then
	note "skiff wrote no filter into $bench_run/state-cached/.cache/seccomp: the cached row is not cached"
fi

bench_hyperfine "$runs"
bench_report 'skiff cold|crun' 'skiff cached|crun' 'skiff cold|runc' 'skiff cached|runc' \
	'skiff cold|skiff cached' 'skiff cold|skiff no-seccomp' 'skiff cached|skiff no-seccomp'
