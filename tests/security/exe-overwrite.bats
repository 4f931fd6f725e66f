#!/usr/bin/env bats
# CVE-2019-5736 class: a container's root (default capabilities) must not be
# able to open the runtime's binary through /proc/PID/exe of a runtime
# process it can see (the `exec` child before execve, a created init
# waiting for `start`) and overwrite it once the runtime is gone.  The
# attack runs against a copy of the runtime (runtime_copy), never the real
# binary, and the copy's hash must not change.

load helpers

setup() {
	setup_bundle
	COPY=$(runtime_copy)
	cp "$(attacker exe-overwrite)" "$ROOTFS/attacker"
}

# rtc ARGS: the runtime copy, stdio on files
rtc() {
	"$COPY" --root "$ROOT" "$@" </dev/null 3>&-
}

# wait for the attacker's summary line in FILE, after asking it to stop
attacker_summary() {
	touch "$ROOTFS/tmp/stop"
	wait_grep '^summary' "$1" 100
	cat "$1"
}

@test "exe-overwrite: 50 execs cannot give a container the runtime binary" {
	set_args /attacker 120
	rtc create --bundle "$BUNDLE" "$ID" >"$TEST_DIR/attacker.out" 2>&1
	track_pid "$(container_pid "$ID")"
	rtc start "$ID"
	wait_grep 'held\|summary' "$TEST_DIR/attacker.out" 5 || true
	local i
	for ((i = 0; i < 50; i++)); do
		rtc exec "$ID" true >/dev/null 2>&1
	done
	sleep 1
	attacker_summary "$TEST_DIR/attacker.out"
	not grep -q OVERWROTE "$TEST_DIR/attacker.out"
	sha256sum --quiet -c "$COPY.sha256"
}

@test "exe-overwrite: a created init (pid 1 before start) does not give its binary away" {
	# the victim container is created, not started; the attacker shares its
	# pid namespace (as a pod's containers do) and sees its init as pid 1
	local victim_id="$ID-created"
	IDS+=("$victim_id")
	set_args sleep 60
	rtc create --bundle "$BUNDLE" "$victim_id" >/dev/null 2>&1
	local vpid
	vpid=$(container_pid "$victim_id")
	track_pid "$vpid"
	cfg 'c["process"]["args"] = ["/attacker", "120"]
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"] + [{"type": "pid", "path": "/proc/'"$vpid"'/ns/pid"}]'
	rtc create --bundle "$BUNDLE" "$ID" >"$TEST_DIR/attacker.out" 2>&1
	track_pid "$(container_pid "$ID")"
	rtc start "$ID"
	sleep 1
	# starting the victim ends the runtime's part in its init: a held exe
	# would become writable now
	rtc start "$victim_id"
	sleep 1
	attacker_summary "$TEST_DIR/attacker.out"
	not grep -q OVERWROTE "$TEST_DIR/attacker.out"
	sha256sum --quiet -c "$COPY.sha256"
}
