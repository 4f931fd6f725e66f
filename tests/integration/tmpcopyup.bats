#!/usr/bin/env bats
# The "tmpcopyup" mount option (runc's and crun's; podman passes it for
# --tmpfs): a tmpfs that starts with a copy of the directory it covers.  The
# image is hostile: its symlinks are copied as symlinks, never followed.

load helpers

# tmpfs_copyup DEST [OPTION...]: a tmpfs with tmpcopyup on DEST
tmpfs_copyup() {
	local dest=$1 opts="'tmpcopyup', 'size=10m'"
	shift
	for o in "$@"; do opts+=", '$o'"; done
	cfg "c['mounts'].append({'destination': '$dest', 'type': 'tmpfs', 'source': 'tmpfs', 'options': [$opts]})"
}

@test "tmpcopyup: a tmpfs over /etc starts with the image's files, modes, owners, times, links" {
	mkdir -p "$ROOTFS/etc/sub/deep"
	echo conf >"$ROOTFS/etc/app.conf"
	# readable by others: the default spec's root has no CAP_DAC_OVERRIDE
	chmod 0604 "$ROOTFS/etc/app.conf"
	chown 12:34 "$ROOTFS/etc/app.conf"
	touch -d @1234567890 "$ROOTFS/etc/app.conf"
	echo deep >"$ROOTFS/etc/sub/deep/f"
	chmod 0715 "$ROOTFS/etc/sub"
	chown 5:6 "$ROOTFS/etc/sub"
	ln -s passwd "$ROOTFS/etc/pw-link"
	tmpfs_copyup /etc
	set_args sh -c 'grep -c "^tmpfs /etc tmpfs" /proc/self/mounts
head -n1 /etc/passwd
cat /etc/app.conf
stat -c "%a %u:%g" /etc/app.conf
stat -c "%a %u:%g" /etc/sub
cat /etc/sub/deep/f
stat -c %F /etc/pw-link
readlink /etc/pw-link
stat -c %Y /etc/app.conf'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = "root:x:0:0:root:/root:/bin/sh" ]
	[ "${lines[2]}" = conf ]
	[ "${lines[3]}" = "604 12:34" ]
	[ "${lines[4]}" = "715 5:6" ]
	[ "${lines[5]}" = deep ]
	[ "${lines[6]}" = "symbolic link" ]
	[ "${lines[7]}" = passwd ]
	# times too (runc 1.1 and crun do not keep them)
	is_skiff || return 0
	[ "${lines[8]}" = 1234567890 ]
}

@test "tmpcopyup: fifos, sockets and device nodes are made again, never opened" {
	is_skiff || skip "$RUNTIME: runc 1.1 fails on special files (lchown ... no such file)"
	mkfifo -m 0604 "$ROOTFS/etc/fifo"
	mknod -m 0666 "$ROOTFS/etc/null" c 1 3
	"$PYTHON" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ROOTFS/etc/sock"
	tmpfs_copyup /etc
	set_args sh -c 'stat -c "%F %a" /etc/fifo; stat -c "%F %t:%T" /etc/null; stat -c %F /etc/sock'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fifo 604" ]
	[ "${lines[1]}" = "character special file 1:3" ]
	[ "${lines[2]}" = socket ]
}

@test "tmpcopyup: a symlink to a host path is copied as a link, never followed" {
	echo "HOST-SECRET-$ID" >"$TEST_DIR/host-secret"
	mkdir -p "$TEST_DIR/host-dir"
	echo "HOST-DIR-$ID" >"$TEST_DIR/host-dir/file"
	ln -s /etc/shadow "$ROOTFS/etc/shadow-link"
	ln -s "$TEST_DIR/host-secret" "$ROOTFS/etc/abs-link"
	ln -s ../../../../../../../../../..$TEST_DIR/host-secret "$ROOTFS/etc/rel-link"
	ln -s "$TEST_DIR/host-dir" "$ROOTFS/etc/dir-link"
	tmpfs_copyup /etc
	set_args sh -c 'for l in shadow-link abs-link dir-link; do readlink /etc/$l; done
for f in /etc/shadow-link /etc/abs-link /etc/rel-link /etc/dir-link/file; do cat $f 2>/dev/null || echo unreadable; done
ls -A /etc'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /etc/shadow ]
	[ "${lines[1]}" = "$TEST_DIR/host-secret" ]
	[ "${lines[2]}" = "$TEST_DIR/host-dir" ]
	# inside, the links resolve in the container, where those paths do not exist
	[ "${lines[3]}" = unreadable ]
	[ "${lines[4]}" = unreadable ]
	[ "${lines[5]}" = unreadable ]
	[ "${lines[6]}" = unreadable ]
	[[ "$output" != *HOST-SECRET* ]]
	[[ "$output" != *HOST-DIR* ]]
	# the image's links are unchanged
	[ "$(readlink "$ROOTFS/etc/abs-link")" = "$TEST_DIR/host-secret" ]
}

@test "tmpcopyup: writes go to the tmpfs, the image's files stay as they were" {
	tmpfs_copyup /etc
	set_args sh -c 'echo changed >/etc/passwd && cat /etc/passwd && echo new >/etc/new-file && rm /etc/group && ls /etc'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = changed ]
	[ "$(head -n1 "$ROOTFS/etc/passwd")" = "root:x:0:0:root:/root:/bin/sh" ]
	[ -f "$ROOTFS/etc/group" ]
	[ ! -e "$ROOTFS/etc/new-file" ]
}

@test "tmpcopyup: over an empty directory and over a missing one (created, empty)" {
	mkdir -p "$ROOTFS/empty"
	chmod 0711 "$ROOTFS/empty"
	tmpfs_copyup /empty
	tmpfs_copyup /not/there
	set_args sh -c 'grep -c -E "^tmpfs /(empty|not/there) tmpfs" /proc/self/mounts; ls -A /empty /not/there | wc -w; stat -c %a /empty'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" = 2 ]  # the two "dir:" headers of ls, nothing else
	[ "${lines[2]}" = 711 ]
	[ -d "$ROOTFS/not/there" ]
	[ -z "$(ls -A "$ROOTFS/not/there")" ]
}

@test "tmpcopyup: with ro the copy is there and read-only" {
	echo data >"$ROOTFS/root/file"
	tmpfs_copyup /root ro
	set_args sh -c 'cat /root/file; touch /root/x 2>&1 || echo refused'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = data ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *refused* ]]
}

@test "tmpcopyup: in a user namespace owners are as the container sees the image; device nodes are left out" {
	cfg "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/sys/fs/cgroup']"
	# runc 1.1 fails on special files
	is_skiff && mknod -m 0666 "$ROOTFS/etc/null" c 1 3
	echo mapped >"$ROOTFS/etc/mapped"
	chown 100007:100008 "$ROOTFS/etc/mapped"
	# the container's root must reach its bundle
	chmod 755 "$BUNDLE" "$ROOTFS"
	tmpfs_copyup /etc
	set_args sh -c 'head -n1 /etc/passwd; stat -c "%u:%g" /etc/passwd /etc/mapped; ls /etc/null 2>/dev/null || echo no-node'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "root:x:0:0:root:/root:/bin/sh" ]
	# host root is not mapped: the container sees the image's file as the
	# overflow id (65534), and so does the copy
	[ "${lines[1]}" = "65534:65534" ]
	[ "${lines[2]}" = "7:8" ]
	[ "${lines[3]}" = no-node ]
}

@test "tmpcopyup: refused on anything but a tmpfs, naming the mount" {
	is_skiff || skip "$RUNTIME: runc 1.1 ignores tmpcopyup on other mounts (crun refuses it)"
	mkdir -p "$TEST_DIR/src"
	cfg "c['mounts'].append({'destination': '/b', 'type': 'bind', 'source': '$TEST_DIR/src', 'options': ['rbind', 'tmpcopyup']})"
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	if is_skiff; then
		local i
		i=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["mounts"]) - 1)' "$BUNDLE/config.json")
		[[ "$output" == *"mounts[$i]: option \"tmpcopyup\" is only valid on a tmpfs mount"* ]]
	fi
	[ -z "$(mounts_under "$TEST_DIR")" ]
}

@test "tmpcopyup: a copy that does not fit fails naming the mount and the file, leaving nothing mounted" {
	is_skiff || skip "$RUNTIME: skiff's error text"
	mkdir -p "$ROOTFS/data"
	head -c 300000 /dev/zero >"$ROOTFS/data/big"
	cfg "c['mounts'].append({'destination': '/data', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['tmpcopyup', 'size=64k']})"
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mount "tmpfs" on "/data": tmpcopyup of "/data": copy "big": No space left on device'* ]]
	[[ "$output" == *"mounts["*"]: "* ]]
	[ -z "$(mounts_under "$TEST_DIR")" ]
	[ "$(stat -c %s "$ROOTFS/data/big")" = 300000 ]
}
