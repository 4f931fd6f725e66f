#!/usr/bin/env bats
# SECURITY.md #12.7: a container's linux.cgroupsPath naming a cgroup that is
# frozen (cgroup.freeze 1 on it or on a parent) must be refused with a clear
# error, leaving nothing behind.  Before: the init was born frozen and `run
# -d` waited for it forever (a hang any engine's caller could trigger).

load helpers

setup() {
	setup_bundle
	use_test_cgroup skiff-sec
	set_args sleep 100
	# the test's own cgroup, frozen by the test, removed by teardown
	mkdir -p "/sys/fs/cgroup$CG_BASE"
}

teardown() {
	local leak= d
	teardown_bundle || leak=1
	for d in "$CGDIR" "/sys/fs/cgroup$CG_BASE"; do
		[ -d "$d" ] || continue
		echo 0 >"$d/cgroup.freeze" 2>/dev/null || true
		if [ -s "$d/cgroup.procs" ]; then
			echo "LEAK: processes in $d: $(cat "$d/cgroup.procs" | tr '\n' ' ')"
			echo 1 >"$d/cgroup.kill"
			sleep 0.2
			leak=1
		fi
	done
	rmdir "$CGDIR" 2>/dev/null || true
	rmdir "/sys/fs/cgroup$CG_BASE" || leak=1
	[ -z "$leak" ]
}

# run -d, bounded: a hang is a failure (exit 124/137), not a stalled suite
run_frozen() {
	status=0
	output=$(timeout -s KILL 20 "$RUNTIME" --root "$ROOT" run -d --bundle "$BUNDLE" "$ID" </dev/null 2>&1 3>&-) || status=$?
	echo "run -d: status $status: $output"
}

@test "run -d into a frozen cgroup is refused, naming it, and leaves nothing" {
	mkdir "$CGDIR"
	echo 1 >"$CGDIR/cgroup.freeze"
	run_frozen
	[ "$status" -ne 0 ]
	[ "$status" -ne 137 ]  # not the timeout: refused, not hung
	[[ "$output" == *frozen* ]]
	[[ "$output" == *"$CG"* ]]
	# nothing left: no state, no process in the cgroup (the cgroup is the test's)
	[ -z "$(ls -A "$ROOT" | grep -vx .cache)" ]
	[ -z "$(cat "$CGDIR/cgroup.procs")" ]
	[ "$(cat "$CGDIR/cgroup.freeze")" = 1 ]
}

@test "run -d below a frozen parent cgroup is refused and makes no cgroup" {
	echo 1 >"/sys/fs/cgroup$CG_BASE/cgroup.freeze"
	run_frozen
	[ "$status" -ne 0 ]
	[ "$status" -ne 137 ]
	[[ "$output" == *frozen* ]]
	[ -z "$(ls -A "$ROOT" | grep -vx .cache)" ]
	[ ! -d "$CGDIR" ]
}

@test "after thawing, the same cgroup runs the container" {
	mkdir "$CGDIR"
	echo 1 >"$CGDIR/cgroup.freeze"
	run_frozen
	[ "$status" -ne 0 ]
	echo 0 >"$CGDIR/cgroup.freeze"
	rt_bg run -d --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	[ "$(container_status "$ID")" = running ]
	grep -qx "$(container_pid "$ID")" "$CGDIR/cgroup.procs"
}
