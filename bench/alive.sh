#!/usr/bin/env bash
# create with many containers alive (issue 15): does a runtime slow down
# as containers pile up?
#
#   RUNS=N bench/alive.sh          (root; default 30 runs per row)
#
# In the cgroup-v2 view, per runtime (skiff, crun 1.27; each makes a cgroup
# per container) and state dir: 199 containers created and started, each
# running `sleep` (a busybox bundle made from skiff's default spec).  Then
# ONE hyperfine run of `create` of one more container, per runtime:
#   RT 1st     in an empty state dir (no other container of this runtime)
#   RT 200th   in the state dir holding the 199 running ones
# each preceded by `delete --force` of the last one created (hyperfine
# --prepare, not timed).  Prints the means and the ratio 200th/1st per
# runtime (target <= 1.1).  With BENCH_JSON=FILE the hyperfine results go
# there (latency.sh reads them).  All containers and cgroups are removed at
# exit, on failure and ^C too.
# Environment: SKIFF, CRUN (see lib.sh), ALIVE (default 200).
# Not part of the test suite.
# $g and the like are a runtime with its flags: split on purpose
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${RUNS:-${1:-30}}
alive=${ALIVE:-200}
bench_workdir

bundle=$work/bundle
bench_bundle "$bundle"
bench_cfg "$bundle/config.json" 'c["process"]["args"] = ["sleep", "1000000"]'

for rt in skiff crun; do
	g=$(rt_cmd $rt "$work/state-$rt") || { note "$rt not found, left out"; continue; }
	g1=$(rt_cmd $rt "$work/state1-$rt")
	# unique to this run: the cgroups are /sys/fs/cgroup/ID
	id=sba$$-$rt
	bench_ids "$id-"
	bench_on_exit "for i in \$(seq $alive); do timeout 10 $g delete --force $id-\$i; done"
	rt_track "$g1" "$id-first"
	# create's stdio become the container's: nothing of this shell's
	bench_try "$rt (cannot create)" $g1 create --bundle "$bundle" "$id-first" || continue
	echo "$rt: starting $((alive - 1)) containers"
	ok=1
	for i in $(seq $((alive - 1))); do
		bench_try "$rt (container $i of $((alive - 1)) failed)" sh -c "$g create --bundle $bundle $id-$i && $g start $id-$i" ||
			{ ok=0; break; }
	done
	[ "$ok" = 1 ] || continue
	bench_try "$rt (cannot create the ${alive}th)" $g create --bundle "$bundle" "$id-$alive" || continue
	echo "$rt: $(grep -c "$id-" <<<"$($g list)") containers in its state dir"
	bench_add "$rt 1st" "$g1 create --bundle $bundle $id-first" \
		"sh -c '$g1 delete --force $id-first || true'"
	bench_add "$rt ${alive}th" "$g create --bundle $bundle $id-$alive" \
		"sh -c '$g delete --force $id-$alive || true'"
done

bench_hyperfine "$runs"
bench_report "skiff ${alive}th|skiff 1st|1.1" "crun ${alive}th|crun 1st|1.1" \
	"skiff 1st|crun 1st" "skiff ${alive}th|crun ${alive}th"
