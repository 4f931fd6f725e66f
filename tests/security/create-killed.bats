#!/usr/bin/env bats
# SECURITY.md #12.3: a `create` killed with SIGKILL at any point of its start
# path must leave a state that `delete --force` removes completely (state
# dir, cgroup, init process), and the id must be usable again afterwards.
# Before: a kill 3-20 ms in left a state dir with only exec.fifo plus the
# cgroup and sometimes a live init; `list` hid it, `state` failed, `delete
# --force` returned 0 and removed nothing, and the id was lost for good.

load helpers

setup() {
	setup_bundle
	use_test_cgroup skiff-sec
	set_args sleep 100
}

teardown() {
	teardown_bundle_and_cgroup
}

# nothing of $ID is left: no state dir, no cgroup, no process
nothing_left() {
	local i p
	[ ! -e "$ROOT/$ID" ] || { echo "state dir left: $(ls -A "$ROOT/$ID" | tr '\n' ' ')"; return 1; }
	[ ! -d "/sys/fs/cgroup$CG_BASE" ] || { echo "cgroup left: /sys/fs/cgroup$CG_BASE"; return 1; }
	for ((i = 0; i < 30; i++)); do
		p=$(procs_mentioning "$TEST_DIR")
		[ -z "$p" ] && return 0
		sleep 0.1
	done
	echo "processes left: $p"
	ps -o pid,ppid,stat,args -p "$(echo $p | tr ' ' ,)" || true
	return 1
}

@test "create killed at 1..40 ms: list/state see what is left, delete --force removes it, the id works again" {
	local ms t left seen=() out
	for ms in $(seq 1 40); do
		t=$(printf '0.%03d' "$ms")
		# in a subshell: bash would report the kill on stderr
		(timeout -s KILL "$t" "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&-) 2>/dev/null || true
		left=none
		if [ -e "$ROOT/$ID" ]; then
			# a partial state is visible: list names it, state reports a status
			left=$(container_status "$ID")
			[ -n "$left" ] || { echo "$ms ms: state failed: $(rt state "$ID" 2>&1)"; return 1; }
			rt list -q | grep -qx "$ID" || { echo "$ms ms: list does not show $ID ($left)"; return 1; }
		fi
		seen+=("$ms:$left")
		out=$(timeout 30 "$RUNTIME" --root "$ROOT" delete --force "$ID" 2>&1 3>&-) ||
			{ echo "$ms ms ($left): delete --force failed: $out"; return 1; }
		nothing_left || { echo "after a kill at $ms ms ($left) and delete --force"; return 1; }
		# the id can be used again
		rt_bg create --bundle "$BUNDLE" "$ID"
		[ "$status" -eq 0 ] || { echo "$ms ms ($left): create again failed: $output"; return 1; }
		[ "$(container_status "$ID")" = created ]
		rt_bg delete --force "$ID"
		[ "$status" -eq 0 ]
		nothing_left || { echo "after a clean create at $ms ms"; return 1; }
	done
	echo "# left after the kill (ms:state): ${seen[*]}" >&3
}

@test "a state dir holding only exec.fifo is listed as creating and delete --force removes it" {
	skiff_only
	mkdir -p "$ROOT/$ID"
	mkfifo "$ROOT/$ID/exec.fifo"
	[ "$(container_status "$ID")" = creating ]
	rt list -q | grep -qx "$ID"
	# without --force: refused (it is not stopped), with --force: gone
	run rt delete "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *creating* ]]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
}

# The records a create killed after clone leaves: creating.json (with the
# cgroup) and init.pid, no state.json.  Made by hand from a real container so
# that the init and the cgroup are real.
@test "a creating record with a live init and a cgroup: delete --force kills the init and removes the cgroup" {
	skiff_only
	start_container "$ID"
	local pid
	pid=$(container_pid "$ID")
	[ -n "$pid" ]
	"$PYTHON" - "$ROOT/$ID" "$pid" <<'PY'
import json, os, sys
d, pid = sys.argv[1], sys.argv[2]
r = json.load(open(d + "/state.json"))
start = r["pid_start_time"]
r["creating"] = True
r["pid"] = 0
r["pid_start_time"] = 0
json.dump(r, open(d + "/creating.json", "w"))
open(d + "/init.pid", "w").write("%s %s\n" % (pid, start))
os.unlink(d + "/state.json")
PY
	[ "$(container_status "$ID")" = creating ]
	[ "$(container_pid "$ID")" = "$pid" ]
	rt list | grep -E "^$ID[[:space:]]+$pid[[:space:]]+creating"
	run rt start "$ID"
	[ "$status" -ne 0 ]
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	nothing_left
	not pid_alive "$pid"
}
