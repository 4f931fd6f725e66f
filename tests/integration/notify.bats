#!/usr/bin/env bats
# NOTIFY_SOCKET (systemd Type=notify): the runtime proxies the container's
# sd_notify READY=1 to the host socket, once, after start, with MAINPID.
# tests/tools/notify-listener stands in for systemd, and (copied into the
# rootfs as /bin/sdnotify) is the container's sd_notify client.

load helpers
load tools

setup() {
	setup_bundle
	HOST_SOCK="$TEST_DIR/host-notify.sock"
	cp "$(tool_bin notify-listener)" "$ROOTFS/bin/sdnotify"
}

start_listener() {
	"$(tool_bin notify-listener)" -t 60 "$HOST_SOCK" >"$TEST_DIR/listener.out" 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_socket "$HOST_SOCK"
}

# count_lines PATTERN: lines of the listener's output that equal PATTERN
count_lines() {
	grep -c -x -- "$1" "$TEST_DIR/listener.out" || true
}

@test "notify: READY=1 arrives once, after start, with MAINPID of the init" {
	start_listener
	set_args sh -c 'sdnotify -s "STATUS=booting"; sdnotify -s "READY=1"; sdnotify -s "READY=1"; sleep 1000'
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	sleep 0.5
	# nothing before start
	[ ! -s "$TEST_DIR/listener.out" ]
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg start "$ID"
	[ "$status" -eq 0 ]
	# start returns once READY has been passed on
	wait_grep '^READY=1$' "$TEST_DIR/listener.out" 10
	[ "$(count_lines "MAINPID=$pid")" -eq 1 ]
	# the second READY=1 the container sent is not relayed
	sleep 0.5
	cat "$TEST_DIR/listener.out"
	[ "$(count_lines 'READY=1')" -eq 1 ]
	[ "$(container_status "$ID")" = "running" ]
	if is_skiff; then
		# what came before READY goes with it
		[ "$(count_lines 'STATUS=booting')" -eq 1 ]
	fi
}

@test "notify: without NOTIFY_SOCKET nothing is mounted or set" {
	set_args sh -c 'echo "ns=${NOTIFY_SOCKET-unset}"; grep -c /run/notify /proc/self/mountinfo; true'
	run env -u NOTIFY_SOCKET "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ns=unset" ]
	[ "${lines[1]}" = "0" ]
}

@test "notify: a container that exits without READY does not hang start" {
	start_listener
	set_args sh -c 'sleep 0.3'
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	NOTIFY_SOCKET="$HOST_SOCK" timeout 20 "$RUNTIME" --root "$ROOT" start "$ID" </dev/null >"$TEST_DIR/start.out" 2>&1 3>&-
	wait_status "$ID" stopped
	sleep 0.2
	[ "$(count_lines 'READY=1')" -eq 0 ]
}

@test "notify: the proxy is ready before the release; exec does not wait for start" {
	start_listener
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; sdnotify -s READY=1; sleep 1000'
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	NOTIFY_SOCKET="$HOST_SOCK" "$RUNTIME" --root "$ROOT" start "$ID" </dev/null >"$TEST_DIR/start.out" 2>&1 3>&- &
	local starter=$!
	BG_PIDS+=("$starter")
	wait_status "$ID" running
	# start is still waiting, yet state and exec answer
	pid_alive "$starter"
	# the proxy: bound (before the release), read-only, not the host's path
	run timeout 10 "$RUNTIME" --root "$ROOT" exec "$ID" sh -c 'ns=$(tr "\0" "\n" </proc/1/environ | sed -n "s/^NOTIFY_SOCKET=//p"); echo "$ns"; test -S "$ns" && echo is-socket; touch "${ns%/*}/x" 2>/dev/null || echo read-only' 3>&-
	[ "$status" -eq 0 ]
	[ -n "${lines[0]}" ]
	[ "${lines[0]}" != "$HOST_SOCK" ]
	[ "${lines[1]}" = "is-socket" ]
	[ "${lines[2]}" = "read-only" ]
	run timeout 10 "$RUNTIME" --root "$ROOT" state "$ID" 3>&-
	[ "$status" -eq 0 ]
	# the rootfs is read-only inside: the go-ahead comes from the host
	touch "$ROOTFS/tmp/go"
	local rc=0
	wait "$starter" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(count_lines 'READY=1')" -eq 1 ]
}

@test "notify: run -d relays READY with the init's pid" {
	start_listener
	set_args sh -c 'sdnotify -s READY=1; sleep 1000'
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg run -d --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	wait_grep '^READY=1$' "$TEST_DIR/listener.out" 10
	[ "$(count_lines "MAINPID=$pid")" -eq 1 ]
}

@test "notify: foreground run relays READY with the runtime's own pid" {
	start_listener
	set_args sh -c 'sdnotify -s READY=1; sleep 1000'
	NOTIFY_SOCKET="$HOST_SOCK" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/run.out" 2>&1 3>&- &
	local runner=$!
	BG_PIDS+=("$runner")
	wait_grep '^READY=1$' "$TEST_DIR/listener.out" 100
	track_pid "$(container_pid "$ID")"
	# the foreground runtime stays the init's parent: it is what systemd watches
	[ "$(count_lines "MAINPID=$runner")" -eq 1 ]
	rt kill "$ID" KILL
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "notify: start without NOTIFY_SOCKET uses the one create was given" {
	skiff_only
	start_listener
	set_args sh -c 'sdnotify -s READY=1; sleep 1000'
	NOTIFY_SOCKET="$HOST_SOCK" rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	env -u NOTIFY_SOCKET "$RUNTIME" --root "$ROOT" start "$ID" </dev/null >"$TEST_DIR/start.out" 2>&1 3>&-
	wait_grep '^READY=1$' "$TEST_DIR/listener.out" 10
}
