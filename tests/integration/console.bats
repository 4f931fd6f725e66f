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

# Listens on SOCKET, takes one message from the first connection and writes
# what an engine would see: the data bytes, the number of fds (SCM_RIGHTS),
# and whether the fd is a pty master (TIOCGPTN answers only on a master).
# Then holds the master until killed.
write_console_receiver() {
	cat >"$TEST_DIR/recv.py" <<'PY'
import fcntl, os, signal, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(20)
conn, _ = srv.accept()
conn.settimeout(20)
data, fds, flags, _ = socket.recv_fds(conn, 4096, 4)
master = "no"
for fd in fds:
    try:
        fcntl.ioctl(fd, 0x80045430, struct.pack("I", 0))  # TIOCGPTN
        master = "yes"
    except OSError:
        pass
with open(out + ".tmp", "w") as f:
    f.write("data=%r fds=%d master=%s truncated=%s\n" % (data, len(fds), master, bool(flags & socket.MSG_CTRUNC)))
os.rename(out + ".tmp", out)
# the master stays open: runc's init opens the slave by name after sending it
signal.pause()
PY
}

# receive_console CMD...: runs CMD (which passes $TEST_DIR/c.sock as
# --console-socket) with a receiver listening; prints the receiver's report
receive_console() {
	rm -f "$TEST_DIR/recv.out" "$TEST_DIR/c.sock"
	"$PYTHON" "$TEST_DIR/recv.py" "$TEST_DIR/c.sock" "$TEST_DIR/recv.out" </dev/null >/dev/null 2>"$TEST_DIR/recv.err" 3>&- &
	local recv=$! i
	BG_PIDS+=("$recv")
	for ((i = 0; i < 50; i++)); do
		[ -S "$TEST_DIR/c.sock" ] && break
		sleep 0.1
	done
	"$@" </dev/null >"$TEST_DIR/cmd.out" 2>&1 3>&- || { cat "$TEST_DIR/cmd.out"; return 1; }
	for ((i = 0; i < 50; i++)); do
		[ -f "$TEST_DIR/recv.out" ] && break
		sleep 0.1
	done
	kill "$recv"
	wait "$recv" 2>/dev/null || true
	[ -f "$TEST_DIR/recv.out" ] || { cat "$TEST_DIR/recv.err"; return 1; }
	cat "$TEST_DIR/recv.out"
}

@test "console: --console-socket receives what runc sends: \"/dev/ptmx\" and the pty master" {
	cfg 'c["process"]["terminal"] = True'
	set_args sleep 60
	write_console_receiver
	local ours theirs=
	ours=$(receive_console rt create --console-socket "$TEST_DIR/c.sock" --bundle "$BUNDLE" "$ID")
	track_pid "$(container_pid "$ID")"
	rt delete --force "$ID"
	echo "$RUNTIME: $ours"
	[ "$ours" = "data=b'/dev/ptmx' fds=1 master=yes truncated=False" ]

	local runc
	runc=$(command -v runc || true)
	[ -n "$runc" ] || [ ! -x /usr/sbin/runc ] || runc=/usr/sbin/runc
	[ -n "$runc" ] || skip "runc not installed: compared with the literal only"
	mkdir -p "$TEST_DIR/runc-root"
	local rc=0
	theirs=$(receive_console "$runc" --root "$TEST_DIR/runc-root" create \
		--console-socket "$TEST_DIR/c.sock" --bundle "$BUNDLE" "$ID") || rc=$?
	"$runc" --root "$TEST_DIR/runc-root" delete --force "$ID" >/dev/null 2>&1 || true
	echo "runc: $theirs"
	[ "$rc" -eq 0 ]
	[ "$ours" = "$theirs" ]
}

@test "console: exec --tty --console-socket sends \"/dev/ptmx\" and the pty master too" {
	start_container "$ID" sleep 60
	write_console_receiver
	local got
	got=$(receive_console rt exec --tty --detach --console-socket "$TEST_DIR/c.sock" "$ID" sleep 60)
	echo "$got"
	[ "$got" = "data=b'/dev/ptmx' fds=1 master=yes truncated=False" ]
}
