#!/usr/bin/env bats
# The error words engines read.  containerd 1.6's shim (pkg/process:
# checkKillError, Init.delete) and podman 4.3 (libpod/oci_conmon_common.go)
# decide what a failed runtime call means from its text, not its exit
# code: runc's words must be in skiff's message, on stderr and as the last
# "error" record of --log (the shim builds its own errors from that).
#   kill, stopped container       "container not running"  (NotFound: fine)
#   kill/delete/state, unknown id "does not exist"         (no such container)
#   kill --all, stopped container  succeeds (the shim's KillAll after exit)
#   delete --force, unknown id     succeeds

load helpers

# rt_log ARG... : the runtime as the shim runs it, --log in JSON; sets
# $status, $output (stdout and stderr) and $logmsg (the last error record)
rt_log() {
	local log="$TEST_DIR/engine-log.json"
	rm -f "$log"
	run "$RUNTIME" --root "$ROOT" --log "$log" --log-format json "$@"
	logmsg=$("$PYTHON" -c 'import json, sys
msg = ""
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("level") == "error":
        msg = r["msg"]
print(msg)' "$log" 2>/dev/null)
}

# words TEXT : $output and $logmsg both hold TEXT
words() {
	[[ "$output" == *"$1"* ]] || { echo "stderr lacks \"$1\": $output"; return 1; }
	[[ "$logmsg" == *"$1"* ]] || { echo "--log lacks \"$1\": $logmsg"; return 1; }
}

@test "engine words: kill 15 and kill 9 of a stopped container say \"container not running\"" {
	start_container "$ID" sleep 100
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	rt_log kill "$ID" 15
	[ "$status" -ne 0 ]
	words "container not running"
	# the shim's SIGKILL after the grace period, the container already gone
	rt_log kill "$ID" 9
	[ "$status" -ne 0 ]
	words "container not running"
	# kill --all after the init exited (the shim's KillAll): nothing to do
	rt_log kill --all "$ID" 9
	[ "$status" -eq 0 ]
	rt_log delete "$ID"
	[ "$status" -eq 0 ]
}

@test "engine words: kill, delete and state of an unknown id say \"does not exist\"" {
	rt_log kill "no-such-$ID" 9
	[ "$status" -ne 0 ]
	words "does not exist"
	rt_log kill --all "no-such-$ID" 9
	[ "$status" -ne 0 ]
	words "does not exist"
	rt_log delete "no-such-$ID"
	[ "$status" -ne 0 ]
	words "does not exist"
	# podman marks the container exited on "does not exist" from state
	rt_log state "no-such-$ID"
	[ "$status" -ne 0 ]
	words "does not exist"
	rt_log delete --force "no-such-$ID"
	[ "$status" -eq 0 ]
}
