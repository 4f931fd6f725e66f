#!/usr/bin/env bats
# An init whose creator dies before the container is recorded (state.json
# saved and acknowledged) must die too: nothing could ever find and delete
# it.  `create` is killed with SIGKILL at three moments held open by
# SKIFF_FAILPOINT_PAUSE (test builds): before the init set its
# parent-death signal, right after Ready, right after state.json is saved.
# (h2's create-kill sweep covers the state dir and cgroup side.)

load helpers

setup() {
	setup_bundle
	use_test_cgroup skiff-killtest
	set_args sleep 60
}

# delete --force (in teardown_bundle) removes whatever a killed create left
# (its creating record names the cgroup); anything still there is a leak
teardown() {
	teardown_bundle_and_cgroup
}

# child_of PID: the first process whose parent is PID
child_of() {
	local f s CHILD_OF=$1
	for f in /proc/[0-9]*/stat; do
		s=$(cat "$f" 2>/dev/null) || continue
		s=${s##*) }
		set -- $s
		[ "$2" = "$CHILD_OF" ] && { f=${f#/proc/}; echo "${f%/stat}"; return 0; }
	done
	return 0  # none yet (a slow start, e.g. under ASan): the caller polls again
}

# kill_create_at STEP: start create paused at STEP, find its init (the
# clone whose parent is create), SIGKILL create; sets INIT
kill_create_at() {
	SKIFF_FAILPOINT_PAUSE=$1 "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" \
		</dev/null >"$TEST_DIR/create.out" 2>&1 3>&- &
	local create=$! i
	INIT=
	for ((i = 0; i < 50; i++)); do
		sleep 0.1
		INIT=$(child_of "$create")
		[ -z "$INIT" ] || break
	done
	[ -n "$INIT" ] || { echo "no init under create $create"; cat "$TEST_DIR/create.out"; kill -KILL "$create"; return 1; }
	INIT_PIDS+=("$INIT:$(proc_start_time "$INIT")")
	sleep 0.5  # inside the pause now
	kill -KILL "$create"
	wait "$create" || true
}

# init_gone [TENTHS]
init_gone() {
	local i
	for ((i = 0; i < ${1:-20}; i++)); do
		pid_alive "$INIT" || return 0
		sleep 0.1
	done
	echo "init $INIT still alive: $(cat /proc/$INIT/status | grep -E '^(State|PPid)')"
	return 1
}

@test "create-killed-init: create killed right after Ready: the init dies" {
	skiff_only
	kill_create_at after-ready
	init_gone
}

@test "create-killed-init: create killed after state.json, before Recorded: the init dies" {
	skiff_only
	kill_create_at after-record
	init_gone
	[ -f "$ROOT/$ID/state.json" ]
	# recorded, so the runtime knows it: stopped, and delete cleans it
	[ "$(container_status "$ID")" = "stopped" ]
}

@test "create-killed-init: create killed before the init set its parent-death signal: the init exits" {
	skiff_only
	kill_create_at init-start
	# the init sleeps 5 s in the failpoint, then finds the socket hung up
	init_gone 80
}

@test "create-killed-init: a normal create leaves the init waiting for start" {
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	sleep 0.3
	pid_alive "$pid"
	[ "$(container_status "$ID")" = "created" ]
	rt start "$ID"
	wait_status "$ID" running
}
