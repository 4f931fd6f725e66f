#!/usr/bin/env bats
# The container's process as seen from inside: exit status, identity,
# environment, capabilities, rlimits, pid 1, inherited fds.

load helpers

@test "run: exit status of true, false and exit 42" {
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	set_args false
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	set_args sh -c 'exit 42'
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 42 ]
}

@test "run: a container killed by SIGKILL exits 128+9" {
	set_args sleep 100
	"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/out" 2>&1 3>&- &
	local runner=$!
	BG_PIDS+=("$runner")
	wait_status "$ID" running || { cat "$TEST_DIR/out"; false; }
	track_pid "$(container_pid "$ID")"
	rt kill "$ID" KILL
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "process: stdout and stderr reach the caller" {
	set_args sh -c 'echo to-out; echo to-err >&2'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *to-out* ]]
	[[ "$output" == *to-err* ]]
}

@test "uts: hostname is set from the config" {
	cfg 'c["hostname"] = "box-under-test"'
	set_args hostname
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "box-under-test" ]
}

@test "uts: an empty hostname without a uts namespace leaves the caller's name alone" {
	# Run inside a UTS namespace of the test's own named "outer": a runtime
	# that set the empty name there would blank it (and, outside a test, the
	# host's).  runc and crun set a hostname only when it is not empty.
	cfg 'c["hostname"] = ""
c["domainname"] = ""
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]'
	set_args hostname
	run unshare --uts sh -c 'hostname outer && "$@" && hostname' sh \
		"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "outer" ]  # seen by the container
	[ "${lines[1]}" = "outer" ]  # still, afterwards
}

@test "process: env and cwd" {
	cfg 'c["process"]["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY="]
c["process"]["cwd"] = "/tmp"'
	set_args sh -c 'echo "foo=$FOO"; echo "empty=${EMPTY-unset}"; pwd; env | grep -c HOME= || true'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "foo=bar baz" ]
	[ "${lines[1]}" = "empty=" ]
	[ "${lines[2]}" = "/tmp" ]
}

@test "process.user: uid, gid and additionalGids" {
	cfg 'c["process"]["user"] = {"uid": 65534, "gid": 65534, "additionalGids": [10, 20]}'
	set_args sh -c 'id -u; id -g; grep "^Groups:" /proc/self/status; grep "^Uid:" /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "65534" ]
	[ "${lines[1]}" = "65534" ]
	[[ "${lines[2]}" =~ ^Groups:[[:space:]]+10\ 20[[:space:]]*$ ]]
	# real, effective, saved and fs uid all switched
	[[ "${lines[3]}" =~ ^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$ ]]
}

@test "capabilities: root gets exactly the configured sets" {
	local caps='["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"]'
	cfg "caps = $caps
c['process']['capabilities'] = {k: caps for k in ['bounding', 'effective', 'permitted']}"
	set_args sh -c 'grep ^Cap /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	local want
	want=$(cap_mask CAP_CHOWN CAP_KILL CAP_SETUID CAP_NET_BIND_SERVICE CAP_SYS_CHROOT)
	[ "$want" = "00000000000404a1" ]
	[[ "$output" == *"CapBnd:	$want"* ]]
	[[ "$output" == *"CapEff:	$want"* ]]
	[[ "$output" == *"CapPrm:	$want"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "capabilities: a non-root user keeps only its ambient set" {
	cfg 'c["process"]["user"] = {"uid": 1000, "gid": 1000}
nb = ["CAP_NET_BIND_SERVICE"]
c["process"]["capabilities"] = {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
    "effective": nb, "permitted": nb, "inheritable": nb, "ambient": nb}'
	set_args sh -c 'grep ^Cap /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	local bnd one
	bnd=$(cap_mask CAP_KILL CAP_CHOWN CAP_NET_BIND_SERVICE)
	one=$(cap_mask CAP_NET_BIND_SERVICE)
	[[ "$output" == *"CapBnd:	$bnd"* ]]
	[[ "$output" == *"CapEff:	$one"* ]]
	[[ "$output" == *"CapPrm:	$one"* ]]
	[[ "$output" == *"CapInh:	$one"* ]]
	[[ "$output" == *"CapAmb:	$one"* ]]
}

@test "capabilities: names unknown to the runtime are ignored with a warning (runc, crun)" {
	cfg 'caps = ["CAP_CHOWN", "CAP_FUTURE_THING", "CAP_KILL"]
c["process"]["capabilities"] = {k: caps for k in ["bounding", "effective", "permitted"]}'
	set_args sh -c 'grep ^CapEff /proc/self/status'
	run "$RUNTIME" --root "$ROOT" --log "$TEST_DIR/log" run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	cat "$TEST_DIR/log" || true
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	$(cap_mask CAP_CHOWN CAP_KILL)"* ]]
	# runc and skiff say so in --log; crun 1.27 ignores them silently
	[[ "$RUNTIME" == *crun* ]] || grep -q 'CAP_FUTURE_THING' "$TEST_DIR/log"
}

@test "capabilities: a capability that is not a string still fails create" {
	[[ "$RUNTIME" != *crun* ]] || skip "crun 1.27 accepts (and ignores) a non-string capability"
	cfg 'c["process"]["capabilities"] = {"bounding": ["CAP_CHOWN", 12]}'
	rt_bg create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/$ID" ]
	if is_skiff; then
		[[ "$output" == *"process.capabilities.bounding[1]"* ]]
	fi
}

@test "network namespace: a new one has lo up; a joined one is left as it is" {
	set_args sh -c 'cat /sys/class/net/lo/operstate; cat /sys/class/net/lo/flags'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	# operstate of lo is "unknown" when up (it has no carrier), "down" otherwise
	[ "${lines[0]}" != "down" ]
	[ $((lines[1] & 1)) -eq 1 ]   # IFF_UP

	# also when the network namespace belongs to a new user namespace
	cp "$BUNDLE/config.json" "$TEST_DIR/config.plain"
	cfg 'c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ $((lines[1] & 1)) -eq 1 ]
	cp "$TEST_DIR/config.plain" "$BUNDLE/config.json"

	# joined by path: a namespace with lo down stays that way
	local holder
	unshare --net sleep 1000 &
	holder=$!
	BG_PIDS+=("$holder")
	sleep 0.2
	cfg "c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/proc/$holder/ns/net'} for n in c['linux']['namespaces']]"
	ID2="$ID-joined"
	IDS+=("$ID2")
	run rt run --bundle "$BUNDLE" "$ID2" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "down" ]
	[ $((lines[1] & 1)) -eq 0 ]
	kill "$holder"
}

@test "process: noNewPrivileges sets NoNewPrivs" {
	cfg 'c["process"]["noNewPrivileges"] = True'
	set_args grep '^NoNewPrivs:' /proc/self/status
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" =~ NoNewPrivs:[[:space:]]+1 ]]
	cfg 'c["process"]["noNewPrivileges"] = False'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" =~ NoNewPrivs:[[:space:]]+0 ]]
}

@test "rlimits: RLIMIT_NOFILE soft and hard" {
	cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]'
	set_args sh -c 'ulimit -n'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "1024" ]
	cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 2048}]'
	set_args sh -c 'ulimit -S -n; ulimit -H -n'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "512" ]
	[ "${lines[1]}" = "2048" ]
}

@test "rlimits: above the host hard limit fails (no CAP_SYS_RESOURCE)" {
	# a hard limit above ours can be set only with CAP_SYS_RESOURCE (bit 24)
	local eff hard
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	if (((16#$eff >> 24) & 1)); then skip "this host has CAP_SYS_RESOURCE"; fi
	hard=$(ulimit -H -n)
	[ "$hard" != unlimited ] || skip "RLIMIT_NOFILE hard limit is unlimited here"
	cfg "c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': $hard * 4}]"
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if is_skiff; then
		[[ "$output" == *RLIMIT_NOFILE* ]]
	fi
}

@test "pid namespace: the process is pid 1" {
	set_args sh -c 'echo $$'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "1" ]
}

@test "fds: only 0, 1, 2 reach the container; no host fd leaks" {
	set_args sh -c 'ls /proc/$$/fd; true'
	# fd 7 is open without O_CLOEXEC in the caller and must not get in
	run rt run --bundle "$BUNDLE" "$ID" 3>&- 7</etc/hostname
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "fds: --preserve-fds 1 passes fd 3" {
	echo "through-fd-3" >"$TEST_DIR/fd3"
	set_args sh -c 'ls /proc/$$/fd; cat <&3'
	run rt run --preserve-fds 1 --bundle "$BUNDLE" "$ID" 3<"$TEST_DIR/fd3"
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[@]:0:4})" = "0 1 2 3" ]
	[ "${lines[4]}" = "through-fd-3" ]
}

# skiff keeps itself and its child on one CPU until the child's execve
# (proc/affinity.hpp); the container process must still get the caller's
# affinity, as with runc and crun, whichever way it starts.
two_cpus_or_skip() {
	command -v taskset >/dev/null || skip "no taskset"
	[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing to pin"
	CPUS="0-$(($(nproc) - 1))"
}

@test "cpu affinity: run, create+start and exec get the caller's, not a pinned one" {
	two_cpus_or_skip
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run taskset -c "$CPUS" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "Cpus_allowed_list:	$CPUS" ]
	# a caller limited to one CPU passes that on, as with runc (crun 1.27
	# resets the process to every CPU)
	run taskset -c 1 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$RUNTIME" == *crun* ]] || [ "$output" = "Cpus_allowed_list:	1" ]

	set_args sleep 100
	status=0
	taskset -c "$CPUS" "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" \
		</dev/null >"$TEST_DIR/create.out" 2>&1 3>&- || status=$?
	[ "$status" -eq 0 ]
	local pid
	pid=$(container_pid "$ID")
	track_pid "$pid"
	# waiting for start, the init holds the caller's affinity again
	grep -qx "Cpus_allowed_list:	$CPUS" "/proc/$pid/status"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	grep -qx "Cpus_allowed_list:	$CPUS" "/proc/$pid/status"
	run taskset -c "$CPUS" "$RUNTIME" --root "$ROOT" exec "$ID" grep Cpus_allowed_list /proc/self/status 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "Cpus_allowed_list:	$CPUS" ]
	run taskset -c 0 "$RUNTIME" --root "$ROOT" exec "$ID" grep Cpus_allowed_list /proc/self/status 3>&-
	[ "$status" -eq 0 ]
	[[ "$RUNTIME" == *crun* ]] || [ "$output" = "Cpus_allowed_list:	0" ]
}

@test "cpu affinity: a poststart hook and the process both get the caller's" {
	two_cpus_or_skip
	cfg "c['hooks'] = {'poststart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'grep Cpus_allowed_list /proc/self/status >$TEST_DIR/hook.out']}]}"
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run taskset -c "$CPUS" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "Cpus_allowed_list:	$CPUS" ]
	[ "$(cat "$TEST_DIR/hook.out")" = "Cpus_allowed_list:	$CPUS" ]
}
