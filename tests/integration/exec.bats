#!/usr/bin/env bats
# exec: a new process in a running container joins its namespaces and
# cgroup and gets the process spec (and flags) like an init would.

load helpers
load tools

# a running container whose init sleeps
start_sleeper() {
	start_container "$ID" sleep 1000
	INIT=$(container_pid "$ID")
	[ -n "$INIT" ]
}

@test "exec: sees the container's namespaces, hostname, mounts and cgroup" {
	cfg 'c["mounts"].append({"destination": "/mnt/marker", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]})'
	start_sleeper
	run rt exec "$ID" sh -c 'hostname; cat /proc/1/comm; grep -c " /mnt/marker .* - tmpfs " /proc/self/mountinfo; for n in mnt uts ipc net pid cgroup; do readlink /proc/self/ns/$n; done; grep "^0::" /proc/self/cgroup' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "skiffbox" ]
	# pid 1 is the container's init, so the exec joined its pid namespace
	[ "${lines[1]}" = "sleep" ]
	[ "${lines[2]}" = "1" ]
	local i=3 n
	for n in mnt uts ipc net pid cgroup; do
		[ "${lines[$i]}" = "$(readlink /proc/$INIT/ns/$n)" ] || { echo "ns $n: ${lines[$i]}"; false; }
		i=$((i + 1))
	done
	# the same v2 cgroup as the init, both seen from the container's cgroup
	# namespace (the host's view is checked with exec --detach below)
	local want
	want=$(rt exec "$ID" grep "^0::" /proc/1/cgroup 3>&-)
	[ "${lines[9]}" = "$want" ]
}

@test "exec: the process is a new pid in the container's pid namespace" {
	start_sleeper
	run rt exec "$ID" sh -c 'echo $$; read -r pid comm state ppid rest </proc/$$/stat; echo $ppid' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 1 ]
	# its parent is outside the pid namespace (the runtime), seen as 0
	[ "${lines[1]}" = "0" ]
}

@test "exec: exit codes propagate, signals as 128+N" {
	start_sleeper
	run rt exec "$ID" true 3>&-
	[ "$status" -eq 0 ]
	run rt exec "$ID" sh -c 'exit 7' 3>&-
	[ "$status" -eq 7 ]
	run rt exec "$ID" sh -c 'kill -KILL $$' 3>&-
	[ "$status" -eq 137 ]
	run rt exec "$ID" /no/such/binary 3>&-
	[ "$status" -ne 0 ]
	# the container survives all of it
	[ "$(container_status "$ID")" = "running" ]
}

@test "exec: stdin, stdout and stderr" {
	start_sleeper
	run bash -c 'printf "line one\nline two\n" | "$0" --root "$1" exec "$2" sh -c "cat; echo to-err >&2" 3>&-' "$RUNTIME" "$ROOT" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "line one" ]
	[ "${lines[1]}" = "line two" ]
	[ "${lines[2]}" = "to-err" ]
	# stdout and stderr are the caller's own, separately
	local out err
	out=$(rt exec "$ID" sh -c 'echo out; echo err >&2' 2>"$TEST_DIR/err" 3>&-)
	[ "$out" = "out" ]
	[ "$(cat "$TEST_DIR/err")" = "err" ]
}

@test "exec: --user and --additional-gids" {
	start_sleeper
	run rt exec --user 65534:65534 --additional-gids 10 --additional-gids 20 "$ID" sh -c 'id -u; id -g; grep "^Groups:" /proc/self/status; grep "^Uid:" /proc/self/status' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "65534" ]
	[ "${lines[1]}" = "65534" ]
	[[ "${lines[2]}" =~ ^Groups:[[:space:]]+10\ 20[[:space:]]*$ ]]
	[[ "${lines[3]}" =~ ^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$ ]]
	# uid only: gid stays the container process's (0)
	run rt exec -u 1000 "$ID" sh -c 'id -u; id -g' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1000" ]
	[ "${lines[1]}" = "0" ]
	run rt exec -u notanumber "$ID" true 3>&-
	[ "$status" -ne 0 ]
}

@test "exec: --cap adds to the container's capabilities" {
	local caps='["CAP_CHOWN", "CAP_KILL"]'
	cfg "caps = $caps
c['process']['capabilities'] = {k: caps for k in ['bounding', 'effective', 'permitted']}"
	start_sleeper
	run rt exec "$ID" sh -c 'grep ^CapEff /proc/self/status' 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(cap_mask CAP_CHOWN CAP_KILL)"* ]]
	run rt exec --cap CAP_NET_ADMIN --cap CAP_SYS_TIME "$ID" sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status' 3>&-
	[ "$status" -eq 0 ]
	local want
	want=$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_ADMIN CAP_SYS_TIME)
	[ "${lines[0]}" = "CapEff:	$want" ]
	[ "${lines[1]}" = "CapBnd:	$want" ]
}

@test "exec: --env and --cwd on top of the container's process" {
	cfg 'c["process"]["env"] = ["PATH=/bin", "KEEP=me", "SKIFF_IT_DIR='"$TEST_DIR"'"]
c["process"]["cwd"] = "/"'
	start_sleeper
	run rt exec --env FOO=bar --env "SP=a b" --cwd /tmp "$ID" sh -c 'echo "$FOO|$SP|$KEEP"; pwd' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar|a b|me" ]
	[ "${lines[1]}" = "/tmp" ]
	run rt exec --cwd /no/such/dir "$ID" true 3>&-
	[ "$status" -ne 0 ]
}

@test "exec: --env replaces a variable the container's process already has (PATH included)" {
	cfg 'c["process"]["env"] = ["PATH=/usr/bin:/bin", "KEEP=me", "DUP=old", "SKIFF_IT_DIR='"$TEST_DIR"'"]'
	start_sleeper
	mkdir -p "$ROOTFS/custom"
	printf '#!/bin/sh\necho custom-tool\n' >"$ROOTFS/custom/mytool"
	chmod 755 "$ROOTFS/custom/mytool"
	run rt exec --env PATH=/custom:/bin --env DUP=new "$ID" sh -c 'echo "$PATH"; echo "$DUP|$KEEP"; env | grep -c "^DUP="; env | grep -c "^PATH="' 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/custom:/bin" ]
	[ "${lines[1]}" = "new|me" ]
	[ "${lines[2]}" = "1" ]
	[ "${lines[3]}" = "1" ]
	# the new PATH is also the one the executable is looked up in
	run rt exec --env PATH=/custom:/bin "$ID" mytool 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "custom-tool" ]
}

@test "exec: -p process.json" {
	start_sleeper
	cat >"$TEST_DIR/process.json" <<EOF
{"args": ["sh", "-c", "id -u; pwd; echo \$ONLY"], "cwd": "/tmp", "env": ["PATH=/bin", "ONLY=from-json", "SKIFF_IT_DIR=$TEST_DIR"],
 "user": {"uid": 65534, "gid": 65534}, "terminal": false}
EOF
	run rt exec -p "$TEST_DIR/process.json" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "65534" ]
	[ "${lines[1]}" = "/tmp" ]
	[ "${lines[2]}" = "from-json" ]
	echo '{"args": ' >"$TEST_DIR/bad.json"
	run rt exec --process "$TEST_DIR/bad.json" "$ID" 3>&-
	[ "$status" -ne 0 ]
}

@test "exec: --tty with --console-socket" {
	start_sleeper
	local bin
	bin=$(recvtty_bin)
	"$bin" -t 20 "$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out" 2>"$TEST_DIR/tty.err" 3>&- &
	local recv=$!
	BG_PIDS+=("$recv")
	wait_socket "$TEST_DIR/tty.sock"
	rt_bg exec --tty --detach --console-socket "$TEST_DIR/tty.sock" "$ID" sh -c 'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty'
	[ "$status" -eq 0 ]
	local rc=0
	wait "$recv" || rc=$?
	cat "$TEST_DIR/tty.err"
	[ "$rc" -eq 0 ]
	run tr -d '\r' <"$TEST_DIR/tty.out"
	[[ "${lines[0]}" =~ ^/dev/pts/[0-9]+$ ]]
	[ "${lines[1]}" = "stdin-tty" ]
	[ "${lines[2]}" = "stdout-tty" ]
}

@test "exec: --detach with --pid-file" {
	start_sleeper
	rt_bg exec --detach --pid-file "$TEST_DIR/exec.pid" "$ID" sleep 999
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$TEST_DIR/exec.pid")
	[ "$pid" -gt 0 ]
	track_pid "$pid"
	pid_alive "$pid"
	[ "$(cat /proc/$pid/comm)" = "sleep" ]
	[ "$(readlink /proc/$pid/ns/pid)" = "$(readlink /proc/$INIT/ns/pid)" ]
	[ "$(grep "^0::" /proc/$pid/cgroup)" = "$(grep "^0::" /proc/$INIT/cgroup)" ]
	# it is a process of the container: `ps`-style check from inside
	run rt exec "$ID" sh -c 'for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr "\0" " "; echo; done' 3>&-
	[[ "$output" == *"sleep 999"* ]]
}

@test "exec: into a stopped container fails cleanly" {
	start_container "$ID" true
	wait_status "$ID" stopped
	run rt exec "$ID" echo should-not-run 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" != *should-not-run* ]]
	[[ "$output" == *stopped* || "$output" == *"not running"* ]]
	run rt exec no-such-container-$$ true 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* || "$output" == *"not exist"* ]]
}

@test "exec: into a created (not started) container is not refused as stopped" {
	set_args sleep 1000
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	run rt exec "$ID" sh -c 'cat /proc/1/comm; hostname' 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "skiffbox" ]
	[ "$(container_status "$ID")" = "created" ]
}

@test "exec: into a paused container fails unless --ignore-paused" {
	start_sleeper
	rt_bg pause "$ID"
	[ "$status" -eq 0 ] || skip "pause not available: $output"
	[ "$(container_status "$ID")" = "paused" ]
	run rt exec "$ID" true 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	# --ignore-paused is not refused; the new process joins the frozen
	# cgroup, so it may only get to run (and the exec return) after resume
	timeout 30 "$RUNTIME" --root "$ROOT" exec --ignore-paused "$ID" echo ran-after-resume \
		</dev/null >"$TEST_DIR/ignored.out" 2>&1 3>&- &
	local execer=$!
	BG_PIDS+=("$execer")
	sleep 0.5
	rt_bg resume "$ID"
	[ "$status" -eq 0 ]
	local rc=0
	wait "$execer" || rc=$?
	cat "$TEST_DIR/ignored.out"
	[ "$rc" -eq 0 ]
	[ "$(cat "$TEST_DIR/ignored.out")" = "ran-after-resume" ]
	[ "$(container_status "$ID")" = "running" ]
}

@test "exec: 50 concurrent execs into one container all succeed" {
	start_sleeper
	local i pids=() fails=0
	for ((i = 0; i < 50; i++)); do
		"$RUNTIME" --root "$ROOT" exec "$ID" sh -c "echo exec-$i" </dev/null >"$TEST_DIR/c.$i" 2>&1 3>&- &
		pids+=($!)
	done
	for ((i = 0; i < 50; i++)); do
		if ! wait "${pids[$i]}"; then
			fails=$((fails + 1))
			echo "exec $i failed: $(cat "$TEST_DIR/c.$i")"
		elif [ "$(cat "$TEST_DIR/c.$i")" != "exec-$i" ]; then
			fails=$((fails + 1))
			echo "exec $i printed: $(cat "$TEST_DIR/c.$i")"
		fi
	done
	[ "$fails" -eq 0 ]
	[ "$(container_status "$ID")" = "running" ]
}

@test "exec: the process gets the container's seccomp filter and no_new_privs" {
	cfg 'c["process"]["noNewPrivileges"] = True
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	start_sleeper
	run rt exec "$ID" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/x; echo "rc=$?"; test -d /tmp/x && echo made; true' 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NoNewPrivs:[[:space:]]+1$ ]]
	[[ "${lines[1]}" =~ ^Seccomp:[[:space:]]+2$ ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" != *made* ]]
	# without no_new_privs in the spec the filter still applies (loaded
	# with CAP_SYS_ADMIN before the capabilities are dropped)
	cfg 'c["process"]["noNewPrivileges"] = False'
	ID2="$ID-b"
	start_container "$ID2" sleep 1000
	run rt exec "$ID2" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/y 2>&1' 3>&-
	[[ "${lines[0]}" =~ ^NoNewPrivs:[[:space:]]+0$ ]]
	[[ "${lines[1]}" =~ ^Seccomp:[[:space:]]+2$ ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "exec: no command and no --process is a usage error" {
	start_sleeper
	run rt exec "$ID" 3>&-
	[ "$status" -ne 0 ]
}

@test "exec: joins the container's time namespace (which CRIU restores into)" {
	cfg 'c["linux"]["namespaces"].append({"type": "time"})'
	start_container "$ID" sleep 100
	local pid
	pid=$(container_pid "$ID")
	run rt exec "$ID" readlink /proc/self/ns/time
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink /proc/$pid/ns/time)" ]
	[ "$output" != "$(readlink /proc/self/ns/time)" ]
}
