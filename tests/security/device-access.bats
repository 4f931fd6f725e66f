#!/usr/bin/env bats
# Device access is linux.resources.devices' decision (plus the defaults every
# container gets: null, zero, full, random, urandom, tty, console, ptmx,
# pts/*): listing a node in linux.devices creates it but grants nothing, as
# in runc.  /dev/kmsg (c 1:11) is the host's kernel log: a config that denies
# all devices must keep the container out of it.
#
# Only opens are checked (dd ... count=0 opens and transfers nothing), so no
# test ever writes to the host's kernel log.

load helpers

# kmsg_config RULES-PYTHON: deny-all (+ RULES), /dev/kmsg listed in linux.devices
kmsg_config() {
	cfg 'c["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o644, "uid": 0, "gid": 0}]
c["linux"].setdefault("resources", {})["devices"] = [{"allow": False, "access": "rwm"}] + '"$1"'
# reading /dev/kmsg also needs CAP_SYSLOG when kernel.dmesg_restrict is 1:
# with it, an EPERM can only come from the device filter
for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_SYSLOG")'
}

# probe: opens /dev/kmsg for reading, then for writing, then /dev/null for
# writing, printing one line for each
probe() {
	set_args sh -c '
		e=$(dd if=/dev/kmsg of=/dev/null count=0 2>&1) && echo "kmsg read: ok" || echo "kmsg read: $e"
		e=$(dd if=/dev/null of=/dev/kmsg count=0 2>&1) && echo "kmsg write: ok" || echo "kmsg write: $e"
		echo x >/dev/null && echo "null write: ok"
		ls -l /dev/kmsg'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
}

@test "device-access: a listed /dev/kmsg under a deny-all filter cannot be opened" {
	kmsg_config '[]'
	probe
	[ "$status" -eq 0 ]
	# the node exists (linux.devices made it) ...
	[[ "$output" == *"c"*"1,"*"11"*"/dev/kmsg"* ]]
	# ... but neither read nor write open is allowed
	[[ "$output" == *"kmsg read: "*"Operation not permitted"* ]]
	[[ "$output" == *"kmsg write: "*"Operation not permitted"* ]]
	# the defaults stay usable
	[[ "$output" == *"null write: ok"* ]]
}

@test "device-access: an explicit read rule for c 1:11 allows reading only" {
	kmsg_config '[{"allow": True, "type": "c", "major": 1, "minor": 11, "access": "r"}]'
	probe
	[ "$status" -eq 0 ]
	[[ "$output" == *"kmsg read: ok"* ]]
	[[ "$output" == *"kmsg write: "*"Operation not permitted"* ]]
}

@test "device-access: a node the config does not list cannot be made usable by mknod" {
	kmsg_config '[]'
	cfg 'del c["linux"]["devices"]'
	# mknod is allowed (runc's default "c *:* m"), opening the result is not
	cfg 'c["root"]["readonly"] = False
for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_MKNOD")'
	set_args sh -c 'mknod /tmp/k c 1 11 && echo made; dd if=/tmp/k of=/dev/null count=0 2>&1 || true'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *made* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}
