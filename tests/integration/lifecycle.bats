#!/usr/bin/env bats
# create / start / state / kill / delete as engines drive them.

load helpers

@test "lifecycle: created -> running -> stopped -> deleted" {
	set_args sleep 100
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(echo "$output" | json_get pid)
	track_pid "$pid"
	[ "$(echo "$output" | json_get status)" = "created" ]
	[ "$(echo "$output" | json_get id)" = "$ID" ]
	[ "$(echo "$output" | json_get bundle)" = "$BUNDLE" ]
	[ -n "$(echo "$output" | json_get ociVersion)" ]
	[ "$pid" -gt 0 ]
	pid_alive "$pid"
	# the init waits in its own pid namespace, not yet running `sleep`
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	not grep -qx sleep "/proc/$pid/comm"

	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = "running" ]
	[ "$(container_pid "$ID")" = "$pid" ]
	[ "$(cat /proc/$pid/comm)" = "sleep" ]

	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	not pid_alive "${INIT_PIDS[0]}"

	run rt delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "lifecycle: a container whose process exits is stopped until deleted" {
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
}

@test "start: twice fails" {
	start_container "$ID" sleep 100
	run rt start "$ID"
	[ "$status" -ne 0 ]
	[ "$(container_status "$ID")" = "running" ]
}

@test "start: an unknown id fails" {
	run rt start "$ID"
	[ "$status" -ne 0 ]
}

@test "delete: running without --force fails, with --force works" {
	start_container "$ID" sleep 100
	local pid
	pid=$(container_pid "$ID")
	run rt delete "$ID"
	[ "$status" -ne 0 ]
	[ "$(container_status "$ID")" = "running" ]
	pid_alive "$pid"
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "delete: --force of a created (never started) container" {
	set_args sleep 100
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "delete: unknown id fails, --force of unknown id succeeds" {
	run rt delete "no-such-$ID"
	[ "$status" -ne 0 ]
	run rt delete --force "no-such-$ID"
	[ "$status" -eq 0 ]
}

@test "kill: by name (KILL, SIGTERM, TERM) and by number (9, 15)" {
	cfg 'c["root"]["readonly"] = False'
	# pid 1 gets only signals it has a handler for, so TERM is trapped;
	# the marker proves which signal arrived
	# /trapped: the handler is in place (pid 1 ignores a TERM that comes before)
	set_args sh -c 'trap "echo term > /got-term; exit 3" TERM; echo 1 > /trapped; while :; do sleep 0.1; done'
	local sig n=0 id
	for sig in KILL SIGTERM TERM 9 15; do
		n=$((n + 1))
		id="$ID-$n"
		rm -f "$ROOTFS/got-term" "$ROOTFS/trapped"
		start_container "$id"
		wait_file "$ROOTFS/trapped"
		run rt kill "$id" "$sig"
		[ "$status" -eq 0 ]
		wait_status "$id" stopped
		case "$sig" in
		KILL | 9) [ ! -e "$ROOTFS/got-term" ] ;;
		*) [ "$(cat "$ROOTFS/got-term")" = "term" ] ;;
		esac
		run rt delete "$id"
		[ "$status" -eq 0 ]
	done
}

@test "kill: default signal is SIGTERM; unknown signal fails" {
	cfg 'c["root"]["readonly"] = False'
	# /trapped: the handler is in place (pid 1 ignores a TERM that comes before)
	set_args sh -c 'trap "echo term > /got-term; exit 3" TERM; echo 1 > /trapped; while :; do sleep 0.1; done'
	start_container "$ID"
	wait_file "$ROOTFS/trapped"
	run rt kill "$ID" SIGNOPE
	[ "$status" -ne 0 ]
	[ "$(container_status "$ID")" = "running" ]
	run rt kill "$ID"
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	[ -e "$ROOTFS/got-term" ]
}

@test "kill: a stopped container cannot be signalled; unknown id fails" {
	start_container "$ID"
	wait_status "$ID" stopped
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
	run rt kill "no-such-$ID" KILL
	[ "$status" -ne 0 ]
}

# #13.17: signal 0 is kill(2)'s liveness check; runc accepts it.  The
# errors keep runc's words, which containerd's shim matches.
@test "kill: signal 0 succeeds for a running container, fails for a stopped or unknown one" {
	start_container "$ID" sleep 100
	run rt kill "$ID" 0
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = running ]
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	run rt kill "$ID" 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	run rt kill "no-such-$ID" 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "kill --all: reaches every process, not only init" {
	cfg 'c["root"]["readonly"] = False'
	# init ignores TERM (no handler); its child does not, so `wait` returns
	# only if kill --all signalled the child too
	set_args sh -c 'sleep 1000 & wait; echo child-gone > /marker; sleep 1000'
	start_container "$ID"
	sleep 0.3
	run rt kill "$ID" TERM
	[ "$status" -eq 0 ]
	sleep 0.3
	[ ! -e "$ROOTFS/marker" ]
	run rt kill --all "$ID" TERM
	[ "$status" -eq 0 ]
	wait_file "$ROOTFS/marker"
	[ "$(container_status "$ID")" = "running" ]
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
}

@test "create: --pid-file holds the init pid" {
	set_args sleep 100
	rt_bg create --pid-file "$TEST_DIR/init.pid" --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	[ "$(cat "$TEST_DIR/init.pid")" = "$pid" ]
	# relative to the caller's cwd
	cd "$TEST_DIR"
	rt_bg create --pid-file rel.pid --bundle "$BUNDLE" "$ID-rel"
	IDS+=("$ID-rel")
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID-rel")"
	[ "$(cat "$TEST_DIR/rel.pid")" = "$(container_pid "$ID-rel")" ]
}

@test "create: --bundle defaults to the current directory" {
	set_args sleep 100
	cd "$BUNDLE"
	rt_bg create "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	[ "$(rt state "$ID" | json_get bundle)" = "$BUNDLE" ]
}

@test "create: an id already in use fails and leaves the first alone" {
	start_container "$ID" sleep 100
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ "$(container_status "$ID")" = "running" ]
}

@test "namespaces: joining another container's net and uts by path" {
	start_container "$ID-a" sleep 100
	local pid
	pid=$(container_pid "$ID-a")
	cfg "c.pop('hostname', None)
ns = [n for n in c['linux']['namespaces'] if n['type'] not in ('network', 'uts')]
ns += [{'type': 'network', 'path': '/proc/$pid/ns/net'}, {'type': 'uts', 'path': '/proc/$pid/ns/uts'}]
c['linux']['namespaces'] = ns"
	set_args sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc; hostname'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/$pid/ns/net)" ]
	[ "${lines[1]}" = "$(readlink /proc/$pid/ns/uts)" ]
	# the ipc namespace was not joined
	[ "${lines[2]}" != "$(readlink /proc/$pid/ns/ipc)" ]
	[ "${lines[3]}" = "skiffbox" ]
}

@test "namespaces: each container gets new namespaces" {
	set_args sh -c 'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	local n i=0
	for n in pid net ipc uts mnt; do
		[ "${lines[$i]}" != "$(readlink /proc/self/ns/$n)" ]
		i=$((i + 1))
	done
}

@test "state says \"owner\": \"\" and list names the owner (runc's output)" {
	start_container "$ID" sleep 100
	run rt state "$ID"
	[ "$status" -eq 0 ]
	# crun 1.27's state has no "owner" key
	[[ "$RUNTIME" == *crun* ]] ||
		[ "$(echo "$output" | "$PYTHON" -c 'import json,sys; print(repr(json.load(sys.stdin).get("owner")))')" = "''" ]
	run rt list -f json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | "$PYTHON" -c 'import json,sys; print([c["owner"] for c in json.load(sys.stdin) if c["id"] == sys.argv[1]][0])' "$ID")" = root ]
}
