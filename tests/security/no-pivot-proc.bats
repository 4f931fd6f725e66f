#!/usr/bin/env bats
# --no-pivot keeps the host's mount tree under the chroot.  A fully visible
# procfs there would let the container mount a new, unmasked proc from a
# user namespace (the kernel's mount_too_revealing check passes).  As runc's
# msMoveRoot: every proc/sysfs mount outside the rootfs is detached first.

load helpers

@test "no-pivot: a new proc cannot be mounted from a user namespace" {
	# an unprivileged user may map itself to root in a new user namespace
	# (root of the container would need CAP_SETFCAP for the 0 0 map)
	cfg 'c["process"]["user"] = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'unshare -mrpf mount -t proc proc /proc && echo MOUNTED || echo refused'
	run rt run --no-pivot --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *refused* ]]
	[[ "$output" != *MOUNTED* ]]
}

@test "no-pivot: control: with pivot_root the same is refused" {
	cfg 'c["process"]["user"] = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'unshare -mrpf mount -t proc proc /proc && echo MOUNTED || echo refused'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *refused* ]]
}

@test "no-pivot: the host's /proc and /sys stay mounted on the host" {
	local before
	before=$(grep -cE ' (/proc|/sys) ' /proc/self/mountinfo)
	set_args true
	run rt run --no-pivot --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$(grep -cE ' (/proc|/sys) ' /proc/self/mountinfo)" = "$before" ]
	[ -r /proc/self/status ]
}
