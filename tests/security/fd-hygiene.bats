#!/usr/bin/env bats
# A caller's stray fds (3, 4, 12, 100, inherited, not close-on-exec) must
# reach neither the container's process, nor an `exec`'d one, nor the init
# waiting for `start`: only stdio, --preserve-fds and LISTEN_FDS ones.
# (Hooks: tests/security of hooks.)

load helpers

setup() {
	setup_bundle
	for n in 3 4 12 100; do echo "secret $n" >"$TEST_DIR/secret-$n"; done
}

# with_fds CMD...: CMD with the stray fds open on the secret files, and
# stdin/stdout/stderr as given by the caller
with_fds() {
	"$@" 3<"$TEST_DIR/secret-3" 4<"$TEST_DIR/secret-4" 12<"$TEST_DIR/secret-12" 100<"$TEST_DIR/secret-100"
}

# the fds of the container's shell (not in a pipeline: its pipes would show),
# one per line
LIST='ls /proc/$$/fd; true'

@test "fd-hygiene: run: the container sees only stdio" {
	set_args sh -c "$LIST"
	run with_fds "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "fd-hygiene: create + start: neither the waiting init nor the process holds a caller fd" {
	set_args sh -c "$LIST"
	with_fds "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/out" 2>&1
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	# the init, waiting for start: no fd of the caller's, no directory
	# (its only fds beyond stdio: exec.fifo, O_PATH)
	local f t
	for f in /proc/"$pid"/fd/*; do
		t=$(readlink "$f")
		echo "init fd ${f##*/} -> $t"
		[[ "$t" != *secret* ]]
		[ ! -d "$f" ]
	done
	rt start "$ID"
	wait_status "$ID" stopped
	cat "$TEST_DIR/out"
	[ "$(echo $(cat "$TEST_DIR/out"))" = "0 1 2" ]
}

@test "fd-hygiene: exec: the process sees only stdio" {
	start_container "$ID" sleep 60
	run with_fds "$RUNTIME" --root "$ROOT" exec "$ID" sh -c "$LIST"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "fd-hygiene: exec --preserve-fds 1: stdio and fd 3 only" {
	start_container "$ID" sleep 60
	run with_fds "$RUNTIME" --root "$ROOT" exec --preserve-fds 1 "$ID" sh -c "$LIST; cat <&3"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[@]:0:4})" = "0 1 2 3" ]
	[ "${lines[4]}" = "secret 3" ]
}

@test "fd-hygiene: LISTEN_FDS=2: stdio and fds 3, 4 only" {
	set_args sh -c "$LIST; echo \$LISTEN_FDS"
	LISTEN_FDS=2 run with_fds "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[@]:0:5})" = "0 1 2 3 4" ]
	[ "${lines[5]}" = "2" ]
}

@test "fd-hygiene: --preserve-fds naming an fd the caller did not pass is refused" {
	skiff_only
	set_args true
	run "$RUNTIME" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" "$ID" 3</dev/null 4>&-
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"fd 4"* ]]
}
