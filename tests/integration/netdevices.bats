#!/usr/bin/env bats
# linux.netDevices (OCI 1.3): host network devices moved into the
# container's network namespace, renamed, with their permanent global
# addresses, set up.  The devices here are virtual (dummy, or ifb where the
# kernel has no dummy driver, as on the development VM; veth; bridge):
# when the container's network namespace dies the kernel destroys them
# (a physical one would come back to the host), so a device that went in
# is gone from the host afterwards.  Every test names its devices after
# its own pid and deletes whatever is left of them in teardown.

load helpers

setup() {
	setup_bundle
	use_test_cgroup netdev
	# at most 15 bytes: "sk" + a letter + pid (<= 7 digits) + test number
	local n="$$${BATS_TEST_NUMBER}"
	DUMMY="ska$n"
	VETH="skv$n"
	PEER="skp$n"
	BRIDGE="skb$n"
	HOLDER=
}

teardown() {
	local d
	[ -z "$HOLDER" ] || kill -KILL "$HOLDER" 2>/dev/null || true
	for d in "$DUMMY" "$VETH" "$PEER" "$BRIDGE"; do
		ip link del "$d" 2>/dev/null || true
	done
	teardown_bundle_and_cgroup
}

net_devices() { # net_devices PYTHON-DICT
	cfg "c['linux']['netDevices'] = $1"
}

# gone_from_host DEV: the namespace dies asynchronously (the kernel's
# cleanup_net work): wait up to 5 s for the device to disappear.
gone_from_host() {
	local i
	for ((i = 0; i < 50; i++)); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "$1 is still on the host"
	return 1
}

# still_on_host DEV ADDR: the device is on the host with that address
still_on_host() {
	ip -o addr show dev "$1" | grep -q " $2 " || {
		echo "$1 lost $2 on the host:"
		ip -o addr show dev "$1"
		return 1
	}
}

# add_dummy NAME: a dummy device, or an ifb one (just as inert) when the
# kernel lacks CONFIG_DUMMY
add_dummy() {
	ip link add "$1" type dummy 2>/dev/null || ip link add "$1" type ifb
}

make_dummy() {
	add_dummy "$DUMMY"
	ip addr add 10.213.7.5/24 dev "$DUMMY"
	ip addr add fd00:5c1f::5/64 dev "$DUMMY" nodad
	ip addr add 10.213.8.1/24 dev "$DUMMY" scope link # not global: stays behind
}

@test "netDevices: a dummy device moves in renamed, up, with its global addresses; gone after delete" {
	make_dummy
	net_devices "{'$DUMMY': {'name': 'eth7'}}"
	set_args sh -c 'ip -o addr show dev eth7; echo flags $(cat /sys/class/net/eth7/flags); ls /sys/class/net'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth7    inet 10.213.7.5/24"* ]]
	[[ "$output" == *"inet6 fd00:5c1f::5/64"* ]]
	[[ "$output" != *"10.213.8.1"* ]]
	flags=$(echo "$output" | sed -n 's/^flags //p')
	[ $((flags & 1)) -eq 1 ] # IFF_UP, though it was down on the host
	# only lo and the renamed device
	[ "$(echo "$output" | grep -c -x -E 'lo|eth7')" -eq 2 ]
	not grep -q -x "$DUMMY" <<<"$output"
	# virtual: destroyed with the namespace, never moved back
	gone_from_host "$DUMMY"
	not ip link show eth7
}

@test "netDevices: a veth end, named by a %d template, reaches its peer on the host" {
	ip link add "$VETH" type veth peer name "$PEER"
	ip addr add 10.213.9.2/24 dev "$VETH"
	ip addr add 10.213.9.1/24 dev "$PEER"
	ip link set "$PEER" up
	net_devices "{'$VETH': {'name': 'eth%d'}}"
	cfg "c['process']['capabilities']['effective'].append('CAP_NET_RAW')
c['process']['capabilities']['permitted'].append('CAP_NET_RAW')
c['process']['capabilities']['bounding'].append('CAP_NET_RAW')" # busybox ping: a raw socket
	set_args sh -c 'ls /sys/class/net; ping -c 1 -W 5 10.213.9.1'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q -x eth0 <<<"$output" # the kernel numbered the template
	[[ "$output" == *"1 packets received"* ]]
	# the pair dies with the container's end
	gone_from_host "$VETH"
	gone_from_host "$PEER"
}

@test "netDevices: the devices are in place when the createRuntime hooks run" {
	make_dummy
	net_devices "{'$DUMMY': {'name': 'eth7'}}"
	local out="$TEST_DIR/hook.out" hook="$TEST_DIR/hook.sh"
	# the state on stdin names the init; look into its network namespace
	cat >"$hook" <<-EOF
		#!/bin/sh
		pid=\$($PYTHON -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
		exec nsenter -t "\$pid" -n ip -o addr show dev eth7 >$out 2>&1
	EOF
	chmod +x "$hook"
	cfg "c['hooks'] = {'createRuntime': [{'path': '$hook'}]}"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	cat "$out"
	[ "$status" -eq 0 ]
	grep -q 'inet 10.213.7.5/24' "$out"
}

@test "netDevices: into a network namespace joined by path, where the device stays" {
	make_dummy
	unshare --net sleep 1000 &
	HOLDER=$!
	sleep 0.2
	cfg "c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/proc/$HOLDER/ns/net'} for n in c['linux']['namespaces']]"
	net_devices "{'$DUMMY': {}}"
	set_args ip -o addr show dev "$DUMMY"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 10.213.7.5/24"* ]]
	# the joined namespace outlives the container, and the device with it
	nsenter -t "$HOLDER" -n ip -o addr show dev "$DUMMY" | grep -q 'inet 10.213.7.5/24'
	not ip link show "$DUMMY"
	kill -KILL "$HOLDER"
	HOLDER=
}

# create_fails PATTERN: create fails naming PATTERN, leaves no state,
# cgroup or process (teardown checks), and the dummy keeps its address
create_fails() {
	rt_bg create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$1"* ]]
	[ -z "$(ls -A "$ROOT" | grep -vx .cache)" ]
	[ ! -d "$CGDIR" ]
	still_on_host "$DUMMY" 10.213.7.5/24
}

@test "netDevices: a missing host device fails create before anything moves" {
	make_dummy
	net_devices "{'$DUMMY': {}, '${DUMMY}x': {}}"
	create_fails "linux.netDevices[\"${DUMMY}x\"]: no network device \"${DUMMY}x\" on the host"
}

@test "netDevices: two entries with one name in the container fail create" {
	make_dummy
	add_dummy "$BRIDGE"
	net_devices "{'$DUMMY': {'name': 'eth3'}, '$BRIDGE': {'name': 'eth3'}}"
	create_fails "is also that of linux.netDevices["
}

@test "netDevices: a name that exists in the new namespace (lo) fails create" {
	make_dummy
	net_devices "{'$DUMMY': {'name': 'lo'}}"
	create_fails "linux.netDevices[\"$DUMMY\"]: a network device named \"lo\" already exists"
}

@test "netDevices: an invalid name fails create" {
	make_dummy
	net_devices "{'$DUMMY': {'name': 'a/b'}}"
	create_fails "linux.netDevices[\"$DUMMY\"].name: \"a/b\" is not a valid network device name"
}

@test "netDevices: without a network namespace of its own, create fails" {
	make_dummy
	net_devices "{'$DUMMY': {}}"
	cfg "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
	create_fails "linux.netDevices: needs a network namespace"
	# nor skiff's own joined by path
	cfg "c['linux']['namespaces'].append({'type': 'network', 'path': '/proc/$$/ns/net'})"
	create_fails "is skiff's own"
}

@test "netDevices: a device the kernel will not move fails create, and those moved go back" {
	skiff_only # the move back is skiff's
	make_dummy
	ip link set "$DUMMY" up
	ip link add "$BRIDGE" type bridge # netns-local: the kernel refuses to move it
	# map order: ska... moves first, then skb... fails
	net_devices "{'$DUMMY': {'name': 'eth7'}, '$BRIDGE': {}}"
	create_fails "linux.netDevices[\"$BRIDGE\"]: move \"$BRIDGE\""
	ip -o link show "$DUMMY" | grep -q '<.*UP' # as it was
	still_on_host "$DUMMY" fd00:5c1f::5/64
	ip link show "$BRIDGE" >/dev/null
}

@test "features: netDevices enabled" {
	skiff_only
	run "$RUNTIME" features
	[ "$status" -eq 0 ]
	"$PYTHON" -c 'import json,sys; assert json.load(sys.stdin)["linux"]["netDevices"]["enabled"] is True' <<<"$output"
}
