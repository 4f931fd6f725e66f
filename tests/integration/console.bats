#!/usr/bin/env bats
# terminal: true with --console-socket: the runtime hands the pty master to
# the socket's listener (tests/tools/recvtty) and the container's stdio is
# the slave.

load helpers

# start recvtty on $TEST_DIR/tty.sock, output in $TEST_DIR/tty.out
start_recvtty() {
	local bin
	bin=$(recvtty_bin)
	"$bin" -t 20 "$@" "$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out" 2>"$TEST_DIR/tty.err" 3>&- &
	RECVTTY_PID=$!
	BG_PIDS+=("$RECVTTY_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$TEST_DIR/tty.sock" ] && return 0
		sleep 0.1
	done
	echo "recvtty did not listen"
	return 1
}

@test "console: the process runs on a pty received over --console-socket" {
	cfg 'c["process"]["terminal"] = True'
	set_args sh -c 'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty; test -t 2 && echo stderr-tty'
	start_recvtty
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	local rc=0
	wait "$RECVTTY_PID" || rc=$?
	cat "$TEST_DIR/tty.err"
	[ "$rc" -eq 0 ]
	run tr -d '\r' <"$TEST_DIR/tty.out"
	[[ "${lines[0]}" =~ ^/dev/(pts/[0-9]+|console)$ ]]
	[ "${lines[1]}" = "stdin-tty" ]
	[ "${lines[2]}" = "stdout-tty" ]
	[ "${lines[3]}" = "stderr-tty" ]
	wait_status "$ID" stopped
}

@test "console: input written to the master reaches the process" {
	cfg 'c["process"]["terminal"] = True'
	set_args sh -c 'read line; echo "got:$line"'
	start_recvtty -i $'hello-pty\n'
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait "$RECVTTY_PID"
	grep -q 'got:hello-pty' "$TEST_DIR/tty.out"
}

@test "console: terminal true without --console-socket fails for create" {
	cfg 'c["process"]["terminal"] = True'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "console: create returns at once: the waiting init holds none of the caller's stdio" {
	cfg 'c["process"]["terminal"] = True'
	set_args sh -c 'echo started'
	start_recvtty
	local out rc=0
	# command substitution reads until every holder of its pipe is gone: the
	# init must have swapped the caller's stdout for the pty already
	# (an outer timeout: a runtime that fails this would hang the inner $())
	out=$(timeout 10 bash -c 'x=$("$@" 2>&1 3>&-); rc=$?; echo "$x"; exit $rc' sh \
		"$RUNTIME" --root "$ROOT" create --console-socket "$TEST_DIR/tty.sock" \
		--bundle "$BUNDLE" "$ID" 3>&-) || rc=$?
	echo "create: rc $rc: $out"
	[ "$rc" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	[ "$(container_status "$ID")" = "created" ]
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait "$RECVTTY_PID"
	grep -q started "$TEST_DIR/tty.out"
}

@test "console: /dev/console is the pty the process runs on" {
	cfg 'c["process"]["terminal"] = True'
	set_args sh -c 'stat -c "console %F %t:%T" /dev/console; stat -L -c "stdin %F %t:%T" /proc/self/fd/0'
	start_recvtty
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait "$RECVTTY_PID"
	run tr -d '\r' <"$TEST_DIR/tty.out"
	echo "$output"
	[[ "${lines[0]}" == "console character special file "* ]]
	[ "${lines[0]#console }" = "${lines[1]#stdin }" ]
}

@test "console: the pty belongs to process.user.uid (group kept), as runc" {
	cfg 'c["process"]["terminal"] = True
c["process"]["user"] = {"uid": 1000, "gid": 1000}'
	set_args stat -L -c "%u %g" /proc/self/fd/0
	start_recvtty
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait "$RECVTTY_PID"
	run tr -d '\r' <"$TEST_DIR/tty.out"
	echo "$output"
	[ "${lines[0]}" = "1000 5" ]
}

@test "console: exec --tty: the pty belongs to --user's uid" {
	start_container "$ID" sleep 60
	run rt exec --tty --user 1000:1000 "$ID" stat -L -c "%u %g" /proc/self/fd/0 </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -d '\r')" = "1000 5" ]
}
