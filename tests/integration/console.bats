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
