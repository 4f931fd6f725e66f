#!/usr/bin/env bats
# Writes skiff makes under the container's /proc on behalf of the config
# (linux.sysctl) must land in procfs and nowhere else: not through a
# symlink an image planted under an unmounted /proc, not through a bind
# mount over a /proc file, not through "../" in a sysctl key.  Each attack
# aims at a victim file on the host (bind-mounted into the container, as a
# volume would be) and must leave it unchanged, failing with the key named.

load ../security/helpers

# The victim is reachable in the container at /hostvol/net/ipv4/ip_forward
# (a host directory mounted as a volume).
setup_victim() {
	mkdir -p "$TEST_DIR/hostvol/net/ipv4"
	VICTIM=$(victim sysctl)
	mv "$VICTIM" "$TEST_DIR/hostvol/net/ipv4/ip_forward"
	ln -s "$TEST_DIR/hostvol/net/ipv4/ip_forward" "$VICTIM"
	cfg 'c["mounts"].append({"destination": "/hostvol", "type": "bind", "source": "'"$TEST_DIR/hostvol"'", "options": ["rbind", "rw"]})'
}

victim_unchanged() {
	victim_intact sysctl && [ ! -L "$TEST_DIR/hostvol/net/ipv4/ip_forward" ]
}

@test "procfs-writes: a sysctl under an image's /proc symlinked to a volume is refused" {
	setup_victim
	# no proc mount: /proc is the image's directory, /proc/sys its symlink
	cfg 'c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/proc"]
c["linux"].pop("maskedPaths", None)
c["linux"].pop("readonlyPaths", None)
c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}'
	rm -rf "$ROOTFS/proc"
	mkdir "$ROOTFS/proc"
	ln -s /hostvol "$ROOTFS/proc/sys"
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "status $status: $output"
	victim_unchanged
	[ "$status" -ne 0 ]
	if is_skiff; then
		[[ "$output" == *'linux.sysctl "net.ipv4.ip_forward"'* ]]
		[[ "$output" == *"not a procfs"* ]]
	fi
}

@test "procfs-writes: a sysctl whose /proc file has a host file mounted over it is refused" {
	setup_victim
	cfg 'c["mounts"].append({"destination": "/proc/sys/net/ipv4/ip_forward", "type": "bind", "source": "'"$TEST_DIR/hostvol/net/ipv4/ip_forward"'", "options": ["bind", "rw"]})
c["linux"]["readonlyPaths"] = [p for p in c["linux"].get("readonlyPaths", []) if p != "/proc/sys"]
c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "status $status: $output"
	victim_unchanged
	[ "$status" -ne 0 ]
	if is_skiff; then
		[[ "$output" == *"net.ipv4.ip_forward"* ]] || [[ "$output" == *"/proc/sys/net/ipv4/ip_forward"* ]]
	fi
}

@test "procfs-writes: sysctl keys with ../ or empty parts are refused before anything runs" {
	setup_victim
	local key
	local keys=("net/../../../hostvol/net/ipv4/ip_forward" "net/ipv4/../../../../hostvol/net/ipv4/ip_forward")
	# runc writes these to the file they normalise to; skiff takes only
	# plain names
	is_skiff && keys+=("net.ipv4..ip_forward" "net/./ipv4/ip_forward" "net/ipv4/ip_forward/" "/net/ipv4/ip_forward")
	for key in "${keys[@]}"; do
		cfg 'c["linux"]["sysctl"] = {"'"$key"'": "1"}'
		rt_bg run --bundle "$BUNDLE" "$ID"
		echo "key $key: status $status: $output"
		victim_unchanged
		[ "$status" -ne 0 ]
		[ -z "$(ls -A "$ROOT" 2>/dev/null | grep -vx .cache)" ]
		if is_skiff; then
			[[ "$output" == *"linux.sysctl"*"$key"* ]]
		fi
	done
}

@test "procfs-writes: a plain namespaced sysctl still works" {
	cfg 'c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "net/ipv4/conf/all/forwarding": "1"}'
	set_args cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/forwarding
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\n1')" ]
}

@test "procfs-writes: process.oomScoreAdj is applied on run and on exec" {
	cfg 'c["process"]["oomScoreAdj"] = 123'
	start_container "$ID" sleep 60
	[ "$(cat "/proc/$(container_pid "$ID")/oom_score_adj")" = 123 ]
	# runc 1.1.5 leaves an exec'd process at the init's value
	is_skiff || return 0
	cat >"$TEST_DIR/p.json" <<-'JSON'
	{"args": ["cat", "/proc/self/oom_score_adj"], "cwd": "/", "env": ["PATH=/bin"], "oomScoreAdj": 456}
	JSON
	run rt exec --process "$TEST_DIR/p.json" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 456 ]
}

@test "procfs-writes: exec's oomScoreAdj does not follow a /proc the container replaced" {
	setup_victim
	# a container root that can unmount its /proc and plant a fake one whose
	# self/oom_score_adj points at the volume's file
	cfg 'c["root"]["readonly"] = False
c["linux"].pop("maskedPaths", None)
c["linux"].pop("readonlyPaths", None)
for s in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][s].append("CAP_SYS_ADMIN")'
	start_container "$ID" sh -c 'umount -l /proc && mkdir -p /proc/self && ln -s /hostvol/net/ipv4/ip_forward /proc/self/oom_score_adj && touch /tmp/planted && sleep 60'
	local i
	for ((i = 0; i < 50; i++)); do [ -e "$ROOTFS/tmp/planted" ] && break; sleep 0.1; done
	[ -L "$ROOTFS/proc/self/oom_score_adj" ]
	cat >"$TEST_DIR/p.json" <<-'JSON'
	{"args": ["true"], "cwd": "/", "env": ["PATH=/bin"], "oomScoreAdj": 500}
	JSON
	run rt exec --process "$TEST_DIR/p.json" "$ID" 3>&-
	echo "status $status: $output"
	victim_unchanged
	[ "$status" -ne 0 ]
	if is_skiff; then
		[[ "$output" == *process.oomScoreAdj*"not a procfs"* ]]
	fi
}
