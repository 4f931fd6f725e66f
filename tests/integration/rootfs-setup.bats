#!/usr/bin/env bats
# Rootfs setup seen from inside real containers, for what rootfs.bats does
# not look at: device nodes from linux.devices, mount errors, and a user
# namespace's /dev and idmapped mounts.  (unit-kernel-tests drives the same
# steps directly, in bare namespaces.)

load helpers

# A user namespace mapping container 0..65535 onto host 100000.., as the
# "user namespace" test of rootfs.bats.
userns_100000() {
	cfg "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
# the host's cgroup v1 tree is owned by host root, not by the mapped root
c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/sys/fs/cgroup']"
}

@test "linux.devices: a fifo and a char device with their type, numbers, mode and owner" {
	cfg 'c["linux"]["devices"] = [
	{"path": "/run/my/fifo", "type": "p", "fileMode": 0o640, "uid": 12, "gid": 34},
	{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
	set_args sh -c 'stat -c "%F %a %u:%g" /run/my/fifo; stat -c "%F %t:%T" /dev/fuse'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fifo 640 12:34" ]
	[ "${lines[1]}" = "character special file a:e5" ]
	# made inside the container's /dev and /run, not in the bundle
	[ ! -e "$ROOTFS/dev/fuse" ]
}

@test "mounts: an unknown filesystem type fails naming the mount and leaves nothing mounted" {
	cfg 'c["mounts"].append({"destination": "/bad", "type": "nosuchfs", "source": "x"})'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *"no such device"* ]]  # runc says it in lower case
	if is_skiff; then
		[[ "$output" == *'mount "x" on "/bad": No such device'* ]]
	fi
	[ -z "$(mounts_under "$TEST_DIR")" ]
}

@test "user namespace: /dev nodes are bind mounts of the host's and usable" {
	userns_100000
	set_args sh -c 'grep -c " /dev/null " /proc/self/mountinfo; stat -c "%t:%T" /dev/null; echo x >/dev/null && echo null-ok'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -ge 1 ]
	[ "${lines[1]}" = "1:3" ]
	[ "${lines[2]}" = "null-ok" ]
}

@test "user namespace: an idmapped bind shows host root's files as the container's root" {
	is_skiff || skip "$RUNTIME: no idmapped mounts (runc 1.1)"
	userns_100000
	mkdir -p "$TEST_DIR/owned" "$TEST_DIR/plain" "$ROOTFS/idmapped" "$ROOTFS/plain"
	echo x >"$TEST_DIR/owned/f"
	echo x >"$TEST_DIR/plain/f"
	cfg "c['mounts'].append({'destination': '/idmapped', 'type': 'bind', 'source': '$TEST_DIR/owned',
	'options': ['bind', 'idmap'],
	'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],
	'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}]})
c['mounts'].append({'destination': '/plain', 'type': 'bind', 'source': '$TEST_DIR/plain', 'options': ['bind']})"
	set_args sh -c 'stat -c %u:%g /idmapped/f; stat -c %u:%g /plain/f; touch /idmapped/made-inside && echo made'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0:0" ]
	[ "${lines[1]}" = "65534:65534" ]
	[ "${lines[2]}" = "made" ]
	# written as the container's root through the mapping: host root's on disk
	[ "$(stat -c %u:%g "$TEST_DIR/owned/made-inside")" = "0:0" ]
}

@test "pivot: --no-pivot gives the same /dev, masked and read-only paths, writable root" {
	cfg 'c["root"]["readonly"] = False
c["linux"]["maskedPaths"] = ["/proc/timer_list"]
c["linux"]["readonlyPaths"] = ["/proc/sys"]'
	set_args sh -c 'stat -c "%t:%T" /dev/null /dev/zero /dev/tty; readlink /dev/fd; test -e /dev/ptmx && echo ptmx-ok
		echo "timer_list=$(wc -c </proc/timer_list)"
		{ echo x >/proc/sys/kernel/hostname; } 2>&1 | grep -c "Read-only file system"
		mkdir /written && echo root-writable'
	run rt run --no-pivot --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1:3" ]
	[ "${lines[1]}" = "1:5" ]
	[ "${lines[2]}" = "5:0" ]
	[ "${lines[3]}" = "/proc/self/fd" ]
	[ "${lines[4]}" = "ptmx-ok" ]
	[ "${lines[5]}" = "timer_list=0" ]
	[ "${lines[6]}" = "1" ]
	[ "${lines[7]}" = "root-writable" ]
	[ -d "$ROOTFS/written" ]
}
