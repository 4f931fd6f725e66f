#!/usr/bin/env bats
# Hostile images whose kernel-filesystem mount points (/proc, /sys, /dev/pts)
# are symlinks or files: the mount would land somewhere nobody looks (or
# outside the rootfs), leaving the container without its /proc.  As runc:
# refused, naming the path ("must be mounted on an ordinary directory").

load helpers

# create must fail naming PATH, leave no state and mount nothing
refused() {
	local path=$1 before
	before=$(wc -l </proc/self/mountinfo)
	rt_bg create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"\"$path\""* ]]
	[[ "$output" == *"ordinary directory"* ]]
	[ -z "$(ls -A "$ROOT" | grep -vx .cache)" ]
	[ "$(wc -l </proc/self/mountinfo)" = "$before" ]
	[ -z "$(mounts_under "$TEST_DIR")" ]
}

@test "mount target: /proc -> / is refused" {
	rmdir "$ROOTFS/proc"
	ln -s / "$ROOTFS/proc"
	refused /proc
}

@test "mount target: /sys -> / is refused" {
	rmdir "$ROOTFS/sys"
	ln -s / "$ROOTFS/sys"
	refused /sys
}

@test "mount target: /dev/pts -> /tmp under a bound /dev is refused" {
	# the image's /dev is only visible when the config binds one
	local v
	v=$(victim pts)
	mkdir -p "$TEST_DIR/devsrc"
	ln -s "$TEST_DIR" "$TEST_DIR/devsrc/pts"
	cfg "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/dev']
c['mounts'].insert(1, {'destination': '/dev', 'type': 'bind', 'source': '$TEST_DIR/devsrc', 'options': ['rbind']})"
	refused /dev/pts
	victim_intact pts
	[ -L "$TEST_DIR/devsrc/pts" ]
}

@test "mount target: /dev -> /tmp in the image is refused" {
	rmdir "$ROOTFS/dev"
	ln -s /tmp "$ROOTFS/dev"
	refused /dev
}

@test "mount target: /proc as a regular file is refused" {
	rmdir "$ROOTFS/proc"
	echo not-a-dir >"$ROOTFS/proc"
	refused /proc
	[ "$(cat "$ROOTFS/proc")" = "not-a-dir" ]
}

@test "mount target: an mqueue destination that is a symlink is refused" {
	ln -s / "$ROOTFS/mq"
	cfg "c['mounts'].append({'destination': '/mq', 'type': 'mqueue', 'source': 'mqueue'})"
	refused /mq
}
