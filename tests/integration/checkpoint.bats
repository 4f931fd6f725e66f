#!/usr/bin/env bats
# checkpoint / restore on the host.  CRIU 3.17 cannot work on this host's
# kernel (`criu check`: "vdso: Unexpected rt vDSO area bounds"), so these
# tests are about failing well: one line with CRIU's own reason, non-zero,
# nothing changed (the container still running, no directory or state
# left that the user did not have).  The dumps and restores that work are
# in the VM suite (tests/vm), whose 6.1 kernel CRIU supports.

load helpers

# a PATH without criu (it is in /usr/sbin), with what the tests use
NO_CRIU_PATH=/usr/bin:/bin

need_criu() {
	skiff_only
	command -v criu >/dev/null || skip "criu is not installed (scripts/install-deps.sh)"
}

# CRIU works here: the failure tests do not apply (the VM suite has the rest)
need_broken_criu() {
	need_criu
	if criu check >/dev/null 2>&1; then
		skip "criu check passes on this host: see tests/vm for checkpoint/restore"
	fi
}

# running ID: its init still alive with the same pid and start time
still_running() {
	[ "$(container_status "$ID")" = "running" ]
	[ "$(container_pid "$ID")" = "${INIT_PIDS[0]%%:*}" ]
	pid_alive "${INIT_PIDS[0]}"
}

@test "checkpoint: a host where criu check fails: CRIU's reason in one line, nothing changed" {
	need_broken_criu
	start_container "$ID" sleep 100
	cd "$TEST_DIR"
	run rt checkpoint --image-path "$TEST_DIR/img" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"criu dump failed: Error ("* ]]
	# the first error CRIU's log names, as `criu check` prints it
	local first
	first=$(criu check 2>&1 | grep -m1 'Error (' | sed 's/.*Error (/Error (/')
	[[ "$output" == *"$first"* ]]
	still_running
	[ ! -e "$TEST_DIR/img" ]
	# the default image path (./checkpoint) is not left behind either
	run rt checkpoint "$ID"
	[ "$status" -ne 0 ]
	[ ! -e "$TEST_DIR/checkpoint" ]
	still_running
}

@test "checkpoint: an image directory the user made is kept, with CRIU's log named" {
	need_broken_criu
	start_container "$ID" sleep 100
	mkdir "$TEST_DIR/img"
	run rt checkpoint --image-path "$TEST_DIR/img" --leave-running "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"(CRIU's log: $TEST_DIR/img/dump.log)"* ]]
	[ -d "$TEST_DIR/img" ]
	still_running
}

@test "checkpoint --pre-dump: the same failure, the container untouched" {
	need_broken_criu
	start_container "$ID" sleep 100
	run rt checkpoint --pre-dump --image-path "$TEST_DIR/pre" --work-path "$TEST_DIR/work" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu pre-dump failed: Error ("* ]]
	[ ! -e "$TEST_DIR/pre" ] && [ ! -e "$TEST_DIR/work" ]
	still_running
}

@test "checkpoint: criu missing from PATH" {
	skiff_only
	start_container "$ID" sleep 100
	PATH=$NO_CRIU_PATH run rt checkpoint --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"checkpoint $ID: criu not found in PATH" ]]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$TEST_DIR/img" ]
	still_running
}

@test "checkpoint: --criu names the binary, as runc's" {
	need_broken_criu
	start_container "$ID" sleep 100
	run rt --criu "$TEST_DIR/no-criu" checkpoint --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--criu $TEST_DIR/no-criu: No such file or directory" ]]
	# found by its path with no criu in PATH: it runs, and fails as on this host
	PATH=$NO_CRIU_PATH run rt --criu "$(command -v criu)" checkpoint --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu dump failed: Error ("* ]]
	[ ! -e "$TEST_DIR/img" ]
	still_running
}

@test "checkpoint: a stopped container or an unknown id is refused" {
	skiff_only
	start_container "$ID" true
	wait_status "$ID" stopped
	run rt checkpoint --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container is stopped"* ]]
	run rt checkpoint --image-path "$TEST_DIR/img" nosuch
	[ "$status" -ne 0 ]
	[ ! -e "$TEST_DIR/img" ]
}

@test "checkpoint: flags that need CRIU's RPC are refused by name" {
	skiff_only
	start_container "$ID" sleep 100
	run rt checkpoint --lazy-pages --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--lazy-pages: not supported"* ]]
	run rt checkpoint --empty-ns ipc --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--empty-ns"* ]]
	[ ! -e "$TEST_DIR/img" ]
	still_running
}

@test "restore: criu missing, or no image: fails, nothing left" {
	skiff_only
	PATH=$NO_CRIU_PATH run rt restore -d --bundle "$BUNDLE" --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu not found in PATH" ]]
	need_criu
	run rt restore -d --bundle "$BUNDLE" --image-path "$TEST_DIR/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no CRIU image"* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "restore: CRIU failing unwinds state, cgroup and the root bind" {
	skiff_only
	need_broken_criu
	set_args sleep 100
	mkdir "$TEST_DIR/img"
	: >"$TEST_DIR/img/inventory.img"
	rt_bg restore -d --bundle "$BUNDLE" --image-path "$TEST_DIR/img" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu restore failed: Error ("* ]]
	[[ "$output" == *"(CRIU's log: $TEST_DIR/img/restore.log)"* ]]
	[ ! -e "$ROOT/$ID" ]
	[ -z "$(mounts_under "$TEST_DIR/root")" ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "restore: mount targets the root lacks are made inside it, never through its symlinks onto the host" {
	need_criu
	set_args sleep 100
	# an image's root: /escape -> a host directory (absolute), /up -> ../../..
	mkdir "$TEST_DIR/host"
	ln -s "$TEST_DIR/host" "$ROOTFS/escape"
	ln -s ../../.. "$ROOTFS/up"
	touch "$TEST_DIR/hostfile"
	cfg 'c["mounts"] += [
 {"destination": "/escape/viatmpfs", "type": "tmpfs", "source": "tmpfs"},
 {"destination": "/up/'"${TEST_DIR#/}"'/host/viaup", "type": "tmpfs", "source": "tmpfs"},
 {"destination": "/escape/file", "type": "bind", "source": "'"$TEST_DIR"'/hostfile", "options": ["bind"]},
 {"destination": "/newdir", "type": "tmpfs", "source": "tmpfs"}]'
	mkdir "$TEST_DIR/img"
	: >"$TEST_DIR/img/inventory.img"
	rt_bg restore -d --bundle "$BUNDLE" --image-path "$TEST_DIR/img" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]  # CRIU fails on the empty image, after the targets were made
	[[ "$output" == *"criu restore failed"* ]]
	# nothing on the host side of the symlinks
	[ -z "$(ls -A "$TEST_DIR/host")" ]
	# each made inside the root, where the symlink resolves within it
	[ -d "$ROOTFS/newdir" ]
	[ -d "$ROOTFS$TEST_DIR/host/viatmpfs" ]
	[ -d "$ROOTFS$TEST_DIR/host/viaup" ]
	[ -f "$ROOTFS$TEST_DIR/host/file" ]
	[ ! -e "$ROOT/$ID" ]
	[ -z "$(mounts_under "$TEST_DIR")" ]
}
