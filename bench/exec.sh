#!/usr/bin/env bash
# exec latency (issue 6, "Speed"): skiff against crun and runc.
#
#   bench/exec.sh [RUNS]          (root; default 50 runs per command)
#
# In the cgroup-v2 view, one running container per runtime (a busybox
# bundle with skiff's default spec running `sleep 1000000`), then, in ONE
# hyperfine run, `RT exec ID /bin/true` for skiff, crun
# 1.27 (its default cgroupfs manager) and runc.  Prints the means and the ratios
# skiff/crun, skiff/runc.  Every container is deleted at exit.
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC.
# Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${1:-50}
bench_workdir

bundle=$work/bundle
bench_bundle "$bundle"
bench_cfg "$bundle/config.json" 'c["process"]["args"] = ["sleep", "1000000"]'

for rt in skiff crun runc; do
	g=$(rt_cmd $rt "$work/state-$rt") || { note "$rt not found, left out"; continue; }
	# distinct ids: the containers run side by side and runc/skiff name
	# their cgroups after the id
	id=bench-exec-$rt
	rt_track "$g" "$id"
	# create's stdio become the container's: nothing of this shell's
	bench_try "$rt (cannot start the container)" sh -c "$g create --bundle $bundle $id && $g start $id" || continue
	bench_try "$rt (cannot exec)" $g exec "$id" /bin/true || continue
	bench_add "$rt exec" "$g exec $id /bin/true"
done

bench_hyperfine "$runs"
bench_report 'skiff exec|crun exec' 'skiff exec|runc exec'
