#!/usr/bin/env bats
# Rootless: skiff run by a real unprivileged user.  setup_file
# creates the user with /etc/subuid and /etc/subgid ranges; every test runs
# skiff as that user (setpriv), with $XDG_RUNTIME_DIR owned by the user and
# the state under $XDG_RUNTIME_DIR/skiff; teardown_file removes the user, its
# ranges and its home even when tests failed.

load helpers

# ---- the test user -----------------------------------------------------------

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "rootless tests create a user: run as root"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	export RL_USER="skiffrl$$"
	useradd -m -s /bin/sh "$RL_USER"
	export RL_UID RL_GID RL_HOME
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
	# Debian's useradd delegates a range itself (SUB_UID_MIN..); give one
	# explicitly where it did not.
	if ! grep -q "^$RL_USER:" /etc/subuid; then
		local start=$((300000 + ($$ % 1000) * 65536))
		usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$RL_USER"
	fi
	export RL_SUB_START RL_SUB_COUNT RL_SUBG_START
	RL_SUB_START=$(grep "^$RL_USER:" /etc/subuid | head -n1 | cut -d: -f2)
	RL_SUB_COUNT=$(grep "^$RL_USER:" /etc/subuid | head -n1 | cut -d: -f3)
	RL_SUBG_START=$(grep "^$RL_USER:" /etc/subgid | head -n1 | cut -d: -f2)
	# The user cannot reach the build tree's runtime through every setup:
	# a world-readable copy in /tmp.
	export RL_BIN_DIR RL_BIN
	RL_BIN_DIR=$(mktemp -d /tmp/skiff-rlbin.XXXXXX)
	chmod 755 "$RL_BIN_DIR"
	RL_BIN="$RL_BIN_DIR/$(basename "$RUNTIME")"
	cp "$(command -v "$RUNTIME")" "$RL_BIN"
	chmod 755 "$RL_BIN"
}

teardown_file() {
	if [ -n "${RL_USER:-}" ] && id "$RL_USER" >/dev/null 2>&1; then
		# anything the user still runs (a leaked container) goes first
		pkill -KILL -u "$RL_UID" 2>/dev/null || true
		sleep 0.2
		userdel -r -f "$RL_USER" 2>/dev/null || userdel -f "$RL_USER" || true
		# userdel drops the subordinate ranges; make sure of it
		local f
		for f in /etc/subuid /etc/subgid; do
			grep -q "^$RL_USER:" "$f" && sed -i "/^$RL_USER:/d" "$f"
		done
		rm -rf --one-file-system "${RL_HOME:?}"
	fi
	[ -z "${RL_BIN_DIR:-}" ] || rm -rf "$RL_BIN_DIR"
}

# as_user CMD...: run CMD as the test user with a clean environment
as_user() {
	setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups -- \
		env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$RL_HOME" USER="$RL_USER" \
		LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$RL_XDG" "$@"
}

# urt ARGS: the runtime as the user, default --root ($XDG_RUNTIME_DIR/skiff)
urt() {
	as_user "$RL_BIN" "$@"
}

# like rt_bg: stdio on files (a detached container must not hold bats' pipes)
urt_bg() {
	local out="$TEST_DIR/urt.$RANDOM.out"
	status=0
	as_user "$RL_BIN" "$@" </dev/null >"$out" 2>&1 3>&- || status=$?
	output=$(cat "$out")
	rm -f "$out"
}

ustate() {
	urt state "$1" 2>/dev/null | json_get "$2"
}

# ustart ID ARGS...: create + start a container as the user
ustart() {
	local id="$1"
	shift
	[ "$#" -eq 0 ] || set_args "$@"
	[ "$id" = "$ID" ] || IDS+=("$id")
	urt_bg create --bundle "$BUNDLE" "$id"
	[ "$status" -eq 0 ] || { echo "create $id failed: $output"; return 1; }
	track_pid "$(ustate "$id" pid)"
	urt_bg start "$id"
	[ "$status" -eq 0 ] || { echo "start $id failed: $output"; return 1; }
}

# nothing of a failed create is left: no state, no process of the user
assert_nothing_left() {
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || { echo "state left: $(ls -A "$ROOT")"; return 1; }
	local p i
	# a process may still be in the middle of exiting: allow 2 s to settle
	for i in $(seq 20); do
		p=$(pgrep -u "$RL_UID" || true)
		[ -n "$p" ] || break
		sleep 0.1
	done
	[ -z "$p" ] || { echo "processes of $RL_USER left: $p ($(ps -o pid,stat,args -p "${p//$'\n'/,}" 2>&1))"; return 1; }
}

# rl_mapped: a multi-range config (own id -> 0, 65536 subordinate ids -> 1..)
rl_mapped() {
	cfg 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": '"$RL_UID"', "size": 1},
    {"containerID": 1, "hostID": '"$RL_SUB_START"', "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": '"$RL_GID"', "size": 1},
    {"containerID": 1, "hostID": '"$RL_SUBG_START"', "size": 65536}]'
}

setup() {
	setup_bundle
	RL_XDG="$TEST_DIR/xdg"
	ROOT="$RL_XDG/skiff"
	mkdir -m 700 "$RL_XDG"
	chown "$RL_UID:$RL_GID" "$RL_XDG"
	# the user's bundle, from the user's own `spec --rootless`
	rm -f "$BUNDLE/config.json"
	chown -R "$RL_UID:$RL_GID" "$BUNDLE"
	(cd "$BUNDLE" && as_user "$RL_BIN" spec --rootless) || return 1
	cfg 'c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
c["process"]["env"].append("SKIFF_IT_DIR='"$TEST_DIR"'")'
	RESTORE_SUBIDS=
	HOST_MOUNTS=()
}

teardown() {
	local id m
	for id in "${IDS[@]}"; do
		timeout 30 as_user "$RL_BIN" delete --force "$id" >/dev/null 2>&1 3>&- || true
	done
	for m in "${HOST_MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
	if [ -n "$RESTORE_SUBIDS" ] && ! grep -q "^$RL_USER:" /etc/subuid; then
		usermod --add-subuids "$RESTORE_SUBIDS" "$RL_USER"
	fi
	teardown_bundle
}

# ---- what works ----------------------------------------------------------------

@test "rootless: the user's own spec --rootless runs as is (terminal and all)" {
	command -v script >/dev/null || skip "script (util-linux) missing"
	# the unmodified spec: terminal true, args ["sh"], a single own-id mapping
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && as_user "$RL_BIN" spec --rootless)
	printf 'cat /proc/self/uid_map; id -u; exit 7\n' >"$TEST_DIR/in"
	run as_user script -qec "cd $BUNDLE && $RL_BIN run $ID" /dev/null <"$TEST_DIR/in"
	echo "$output"
	[ "$status" -eq 7 ]
	echo "$output" | grep -Eq "^ *0 +$RL_UID +1"
	echo "$output" | grep -q '^0'
}

@test "rootless: id maps inside, root inside, setgroups denied, state under XDG_RUNTIME_DIR" {
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sed -n 1p | tr -s ' ' | sed 's/^ //')" = "0 $RL_UID 1" ]
	[ "$(echo "$output" | sed -n 2p | tr -s ' ' | sed 's/^ //')" = "0 $RL_GID 1" ]
	[ "$(echo "$output" | sed -n 3p)" = "deny" ]
	[ "$(echo "$output" | sed -n 4p)" = "0" ]
	[ "$(echo "$output" | sed -n 5p)" = "0" ]
	# the state root was made by the user, private to it
	[ "$(stat -c '%u %a' "$ROOT")" = "$RL_UID 700" ]
}

@test "rootless: root inside creates files owned by the user on the host" {
	mkdir "$TEST_DIR/share"
	chown "$RL_UID:$RL_GID" "$TEST_DIR/share"
	cfg 'c["mounts"].append({"destination": "/share", "type": "bind", "source": "'"$TEST_DIR/share"'", "options": ["rbind", "rw"]})'
	set_args sh -c 'echo hi > /share/made && mkdir /share/dir'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%u:%g' "$TEST_DIR/share/made")" = "$RL_UID:$RL_GID" ]
	[ "$(stat -c '%u:%g' "$TEST_DIR/share/dir")" = "$RL_UID:$RL_GID" ]
	[ "$(cat "$TEST_DIR/share/made")" = "hi" ]
}

@test "rootless: no privilege outside the user namespace" {
	# a host file of root's, bound in: root inside must not write it
	echo secret >"$TEST_DIR/rootfile"
	chmod 644 "$TEST_DIR/rootfile"
	mkdir "$TEST_DIR/share"
	chown "$RL_UID:$RL_GID" "$TEST_DIR/share"
	cfg 'c["mounts"].append({"destination": "/rootfile", "type": "bind", "source": "'"$TEST_DIR/rootfile"'", "options": ["bind", "rw"]})
c["mounts"].append({"destination": "/share", "type": "bind", "source": "'"$TEST_DIR/share"'", "options": ["rbind", "rw"]})'
	ustart "$ID" sh -c 'if echo x >> /rootfile; then echo WROTE; else echo DENIED; fi > /share/r; stat -c %u /rootfile > /share/owner; sleep 100'
	local pid
	pid=$(ustate "$ID" pid)
	[ -n "$pid" ]
	# the init is the user on the host, in a user namespace of its own
	grep -Eq "^Uid:[[:space:]]+$RL_UID[[:space:]]+$RL_UID[[:space:]]+$RL_UID[[:space:]]+$RL_UID\$" "/proc/$pid/status"
	grep -Eq "^Gid:[[:space:]]+$RL_GID[[:space:]]" "/proc/$pid/status"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	# its user namespace belongs to the user
	[ "$(stat -L -c %u "/proc/$pid/ns/user")" = "$RL_UID" ] || [ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ]
	wait_file "$TEST_DIR/share/owner"
	[ "$(cat "$TEST_DIR/share/r")" = "DENIED" ]
	[ "$(cat "$TEST_DIR/rootfile")" = "secret" ]
	# the overflow id: root's file shows as nobody inside
	[ "$(cat "$TEST_DIR/share/owner")" = "65534" ]
}

@test "rootless: proc, tmpfs, devpts, mqueue, sysfs bind and host devices" {
	set_args sh -c 'awk "{print \$5, \$(NF-2)}" /proc/self/mountinfo; echo x > /dev/null && head -c 3 /dev/zero | wc -c; ls /sys/kernel >/dev/null && echo sysok; ls /dev/pts/ptmx && echo ptsok'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx '/proc proc'
	echo "$output" | grep -qx '/dev tmpfs'
	echo "$output" | grep -qx '/dev/pts devpts'
	echo "$output" | grep -qx '/dev/shm tmpfs'
	echo "$output" | grep -qx '/dev/mqueue mqueue'
	echo "$output" | grep -qx '/sys sysfs'
	echo "$output" | grep -qx '3'
	echo "$output" | grep -qx 'sysok'
	echo "$output" | grep -qx 'ptsok'
}

@test "rootless: a tmpfs with tmpcopyup starts with the image's files" {
	ln -s /etc/shadow "$ROOTFS/etc/shadow-link"
	chown -h "$RL_UID:$RL_GID" "$ROOTFS/etc/shadow-link"
	cfg "c['mounts'].append({'destination': '/etc', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['tmpcopyup', 'nosuid', 'nodev', 'size=1m']})"
	set_args sh -c 'grep -c "^tmpfs /etc tmpfs" /proc/self/mounts; head -n1 /etc/passwd; stat -c %u /etc/passwd; readlink /etc/shadow-link'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = "root:x:0:0:root:/root:/bin/sh" ]
	[ "${lines[2]}" = 0 ]  # the user's files are root's inside
	[ "${lines[3]}" = /etc/shadow ]
}

@test "rootless: kernel-locked flags of a bind source are kept (nosuid, nodev, noexec, ro)" {
	mkdir "$TEST_DIR/locked"
	mount -t tmpfs -o nosuid,nodev,noexec,mode=755 skiff-rl "$TEST_DIR/locked"
	HOST_MOUNTS+=("$TEST_DIR/locked")
	echo data >"$TEST_DIR/locked/f"
	mount -o remount,ro,nosuid,nodev,noexec "$TEST_DIR/locked"
	# asks for none of the flags: the kernel forbids clearing them in a
	# user namespace, so they must be kept, not fail the mount
	cfg 'c["mounts"].append({"destination": "/locked", "type": "bind", "source": "'"$TEST_DIR/locked"'", "options": ["rbind"]})
c["mounts"].append({"destination": "/locked2", "type": "bind", "source": "'"$TEST_DIR/locked"'", "options": ["bind", "rw", "suid", "dev", "exec"]})'
	set_args sh -c 'grep -E " /locked2? " /proc/self/mountinfo; cat /locked/f'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	local l
	for l in "/locked " "/locked2 "; do
		line=$(echo "$output" | grep " $l")
		[ -n "$line" ]
		opts=$(echo "$line" | awk '{print $6}')
		[[ ",$opts," == *,ro,* ]]
		[[ ",$opts," == *,nosuid,* ]]
		[[ ",$opts," == *,nodev,* ]]
		[[ ",$opts," == *,noexec,* ]]
	done
	echo "$output" | grep -qx data
}

@test "rootless: create, start, state, list, kill, delete as the user" {
	ustart "$ID" sleep 100
	[ "$(ustate "$ID" status)" = "running" ]
	run urt list -q
	echo "$output"
	[ "$output" = "$ID" ]
	run urt kill "$ID" KILL
	[ "$status" -eq 0 ]
	for i in $(seq 50); do [ "$(ustate "$ID" status)" = "stopped" ] && break; sleep 0.1; done
	[ "$(ustate "$ID" status)" = "stopped" ]
	run urt delete "$ID"
	[ "$status" -eq 0 ]
	run urt state "$ID"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT")" ]
}

@test "rootless: exec as the user joins the container's namespaces" {
	# An unprivileged skiff cannot setns() into the container's pid
	# namespace itself (the kernel also wants CAP_SYS_ADMIN in the caller's
	# own user namespace): its child joins the user namespace first, then
	# forks the process into the pid namespace.
	ustart "$ID" sleep 100
	run urt exec "$ID" sh -c 'id -u; cat /proc/self/uid_map; echo $$; tr "\0" " " </proc/1/cmdline; echo; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | sed -n 1p)" = "0" ]
	echo "$output" | sed -n 2p | grep -Eq "^ *0 +$RL_UID +1"
	[ "$(echo "$output" | sed -n 3p)" != "1" ]
	# the container's pid namespace: its pid 1 is the container's init
	[ "$(echo "$output" | sed -n 4p)" = "sleep 100 " ]
}

@test "rootless: another user can neither see nor touch the containers" {
	ustart "$ID" sleep 100
	[ "$(stat -c %a "$ROOT")" = "700" ]
	local other=(setpriv --reuid=65534 --regid=65534 --clear-groups -- env -i PATH=/usr/bin:/bin "$RL_BIN" --root "$ROOT")
	run "${other[@]}" list -q
	echo "$output"
	[[ "$output" != *"$ID"* ]]
	run "${other[@]}" state "$ID"
	[ "$status" -ne 0 ]
	run "${other[@]}" kill "$ID" KILL
	[ "$status" -ne 0 ]
	run "${other[@]}" delete --force "$ID"
	[ "$status" -ne 0 ]
	sleep 0.2
	[ "$(ustate "$ID" status)" = "running" ]
}

@test "rootless: multi-range mapping through newuidmap/newgidmap" {
	command -v newuidmap >/dev/null || skip "newuidmap (package uidmap) missing"
	rl_mapped
	mkdir "$TEST_DIR/share"
	chown "$RL_UID:$RL_GID" "$TEST_DIR/share"
	cfg 'c["mounts"].append({"destination": "/share", "type": "bind", "source": "'"$TEST_DIR/share"'", "options": ["rbind", "rw"]})'
	cfg 'for k in ("bounding", "effective", "permitted"): c["process"]["capabilities"][k].append("CAP_CHOWN")'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; touch /share/f && chown 1000:1000 /share/f'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq "^ *0 +$RL_UID +1\$"
	echo "$output" | grep -Eq "^ *1 +$RL_SUB_START +65536\$"
	echo "$output" | grep -Eq "^ *1 +$RL_SUBG_START +65536\$"
	# container uid 1000 is subordinate id START+999 on the host
	[ "$(stat -c '%u:%g' "$TEST_DIR/share/f")" = "$((RL_SUB_START + 999)):$((RL_SUBG_START + 999))" ]
}

@test "rootless: no cgroup without delegation; limits are refused naming the field" {
	skiff_only
	# without limits: runs, and says at debug level that it has no cgroup
	run urt --debug run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "without a container cgroup"
	cfg 'c["linux"]["resources"] = {"pids": {"limit": 10}}'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "linux.resources.pids"
	assert_nothing_left
}

# ---- bad cases: a clear error, nothing left behind -----------------------------

@test "rootless: missing /etc/subuid entries are a clear error" {
	skiff_only
	rl_mapped
	RESTORE_SUBIDS="$RL_SUB_START-$((RL_SUB_START + RL_SUB_COUNT - 1))"
	usermod --del-subuids "$RESTORE_SUBIDS" "$RL_USER"
	not grep -q "^$RL_USER:" /etc/subuid
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "linux.uidMappings\[1\]: host ids $RL_SUB_START\.\.$((RL_SUB_START + 65535)) are not delegated to user \"$RL_USER\""
	echo "$output" | grep -q "/etc/subuid has no entry"
	assert_nothing_left
}

@test "rootless: a mapping outside the delegated range is a clear error" {
	skiff_only
	rl_mapped
	local bad=$((RL_SUB_START + RL_SUB_COUNT))
	cfg 'c["linux"]["gidMappings"][1]["hostID"] = '"$bad"
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "linux.gidMappings\[1\]: host ids $bad\.\.$((bad + 65535)) are not delegated to user \"$RL_USER\" in /etc/subgid"
	assert_nothing_left
}

@test "rootless: a mapping of someone else's id without helpers' consent fails cleanly" {
	# root's id: neither the own id nor delegated
	cfg 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "linux.uidMappings"
	assert_nothing_left
}

@test "rootless: a device node in the config is bound from the host" {
	cfg 'c["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]'
	set_args sh -c '[ -c /dev/kmsg ] && echo isdev; grep " /dev/kmsg " /proc/self/mountinfo | wc -l'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx isdev
	echo "$output" | grep -qx 1
}

@test "rootless: a device the host does not have is a clear error" {
	cfg 'c["linux"]["devices"] = [{"path": "/dev/skiff-nope", "type": "c", "major": 1, "minor": 3}]'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q '/dev/skiff-nope'
	assert_nothing_left
}

@test "rootless: a config without a user namespace is a clear error" {
	skiff_only
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]
c["linux"].pop("uidMappings"); c["linux"].pop("gidMappings")'
	run urt run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q 'needs a user namespace'
	assert_nothing_left
}

@test "rootless: without XDG_RUNTIME_DIR or --root the error says what to do" {
	skiff_only
	run setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups -- env -i PATH=/usr/bin:/bin HOME="$RL_HOME" \
		"$RL_BIN" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -Eq 'XDG_RUNTIME_DIR|--root'
}
