#!/usr/bin/env bash
# Start-latency benchmark: skiff against crun, runc and the physical floor.
#
#   bench/start.sh [RUNS]          (root; default 50 runs per command)
#
# In ONE hyperfine run (so load on the machine hits every row alike), inside
# a private mount namespace with cgroup2 on /sys/fs/cgroup (the v2 view of
# ../shared/ENVIRONMENT.md), it times:
#   - `run` of /bin/true in a busybox bundle (skiff's default spec): skiff,
#     crun 1.27 (its default cgroupfs manager), runc, and ../shared/tools/floor.c (clone
#     with 5 namespaces + pivot_root + exec: the least any runtime must do)
#   - create + start + delete --force of the same bundle, per runtime
# then prints the means and the ratios skiff/floor, skiff/crun, skiff/runc
# (absolute figures are noisy here; compare the ratios), and the peak RSS of
# each runtime's `run` from /usr/bin/time -f %M.
#
# A runtime that is missing or cannot run the bundle is left out with a
# note.  Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC.
# Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${1:-50}
bench_workdir

gcc -O2 -static -o "$work/floor" "$bench_repo/../shared/tools/floor.c"
bundle=$work/bundle
bench_bundle "$bundle"

rss_cmds=()
for rt in skiff crun runc; do
	g=$(rt_cmd $rt "$work/state-$rt") || { note "$rt not found, left out"; continue; }
	rt_track "$g" bench-run
	rt_track "$g" bench-seq
	bench_try "$rt (cannot run the bundle)" $g run --bundle "$bundle" bench-run || continue
	seq="$g create --bundle $bundle bench-seq && $g start bench-seq && $g delete --force bench-seq"
	bench_try "$rt (cannot create+start+delete)" sh -c "$seq" || continue
	bench_add "$rt run" "$g run --bundle $bundle bench-run"
	bench_add "$rt create+start+delete" "sh -c '$seq'"
	rss_cmds+=("$rt|$g run --bundle $bundle bench-run")
done
bench_add floor "$work/floor $bundle/rootfs /bin/true"

bench_hyperfine "$runs"
bench_report 'skiff run|floor' 'skiff run|crun run' 'skiff run|runc run' \
	'skiff create+start+delete|crun create+start+delete' \
	'skiff create+start+delete|runc create+start+delete' \
	'crun run|floor' 'runc run|floor'

echo
for entry in "${rss_cmds[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	# -o: the figure must not mix with the runtime's own stderr
	/usr/bin/time -o "$work/rss" -f '%M' $cmd </dev/null >/dev/null 2>&1 || true
	echo "peak RSS of $name run: $(cat "$work/rss") KiB"
done
