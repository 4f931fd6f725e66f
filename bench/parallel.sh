#!/usr/bin/env bash
# Many starts at once (issue 15): 100 containers `run` 16 at a time.
#
#   RUNS=N bench/parallel.sh          (root; default 10 runs per row)
#
# In the cgroup-v2 view, ONE hyperfine run of, per runtime,
#   seq 100 | xargs -P16 -I{} RT --root DIR run --bundle B ID-{}
# (/bin/true in a busybox bundle made from skiff's default spec; skiff and
# crun 1.27, each making a cgroup per container), i.e. the wall time of the
# whole batch.  Prints the means and the ratio skiff/crun (target <= 0.5).
# With BENCH_JSON=FILE the hyperfine results go there (latency.sh reads
# them).  Every container and cgroup is removed at exit.
# Environment: SKIFF, CRUN (see lib.sh), N (containers, default 100),
# P (at a time, default 16).  Not part of the test suite.
# $g and the like are a runtime with its flags: split on purpose
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${RUNS:-${1:-10}}
n=${N:-100}
p=${P:-16}
bench_workdir

bundle=$work/bundle
bench_bundle "$bundle"

for rt in skiff crun; do
	g=$(rt_cmd $rt "$work/state-$rt") || { note "$rt not found, left out"; continue; }
	# unique to this run: the cgroups are /sys/fs/cgroup/ID
	id=sbp$$-$rt
	bench_ids "$id-"
	bench_on_exit "for i in \$(seq $n); do timeout 10 $g delete --force $id-\$i; done"
	bench_try "$rt (cannot run the bundle)" $g run --bundle "$bundle" "$id-1" || continue
	bench_add "$rt $n run -P$p" "sh -c 'seq $n | xargs -P$p -I{} $g run --bundle $bundle $id-{}'"
done

BENCH_WARMUP=${BENCH_WARMUP:-1} bench_hyperfine "$runs"
bench_report "skiff $n run -P$p|crun $n run -P$p|0.5"
