#!/usr/bin/env bats
# cgroup v2: placement, resources, the device filter, pause/resume, ps,
# events, update.  Runs in the cgroup-v2 view (tests/run), where only
# hugetlb is a real controller; skipped on the hybrid host itself.

load helpers

setup() {
	setup_bundle
	use_test_cgroup skiff-it
	cfg 'c["root"]["readonly"] = False'
}

teardown() {
	teardown_bundle_and_cgroup
}

# the container's init is born in its cgroup: it never shows any other one
@test "cgroups: created under cgroupsPath, init placed at birth, removed on delete" {
	# without a cgroup namespace the init sees its real cgroup path
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"]'
	start_container "$ID" sh -c 'cat /proc/self/cgroup > /tmp/cg; sleep 100'
	[ -d "$CGDIR" ]
	local pid
	pid=$(container_pid "$ID")
	grep -qx "$pid" "$CGDIR/cgroup.procs"
	wait_file "$ROOTFS/tmp/cg"
	grep -qx "0::$CG" "$ROOTFS/tmp/cg"
	rt_bg kill "$ID" KILL
	wait_status "$ID" stopped
	rt_bg delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$CGDIR" ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}

@test "cgroups: a cgroup namespace is rooted at the container's cgroup; delete --force removes it" {
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"] + [{"type": "cgroup"}]'
	start_container "$ID" sh -c 'cat /proc/self/cgroup > /tmp/cg; sleep 100'
	[ -d "$CGDIR" ]
	wait_file "$ROOTFS/tmp/cg"
	grep -qx "0::/" "$ROOTFS/tmp/cg"
	rt_bg delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}

@test "cgroups: a memory limit without the memory controller fails clearly and leaves nothing" {
	grep -qw memory /sys/fs/cgroup/cgroup.controllers && skip "this hierarchy has the memory controller"
	cfg 'c["linux"]["resources"]["memory"] = {"limit": 67108864}'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.resources.memory: the memory controller is not available in this cgroup v2 hierarchy"* ]]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
	[ -z "$(ls -A "$ROOT")" ]
}

@test "cgroups: hugepageLimits write hugetlb.<size>.max" {
	[ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers ||
		skip "no hugetlb controller"
	cfg 'c["linux"]["resources"]["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4194304}]'
	start_container "$ID" sleep 100
	[ "$(cat "$CGDIR/hugetlb.2MB.max")" = "4194304" ]
	[ "$(cat "$CGDIR/hugetlb.2MB.rsvd.max")" = "4194304" ]
}

@test "cgroups: unified writes verbatim, and a bad key names itself" {
	grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip "no hugetlb controller"
	cfg 'c["linux"]["resources"]["unified"] = {"hugetlb.2MB.max": "2097152"}'
	start_container "$ID" sleep 100
	[ "$(cat "$CGDIR/hugetlb.2MB.max")" = "2097152" ]
	rt_bg delete --force "$ID"
	cfg 'c["linux"]["resources"]["unified"] = {"../cgroup.procs": "1"}'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.resources.unified'*'"../cgroup.procs"'* ]]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}

@test "cgroups: the BPF device filter denies a device the rules do not allow" {
	cfg 'for k in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][k].append("CAP_MKNOD")'
	start_container "$ID" sh -c '
head -c1 /dev/null && echo null-ok
head -c1 /dev/zero >/dev/null && echo zero-ok
mknod /tmp/fuse c 10 229 2>/tmp/err
(exec 3</tmp/fuse) 2>>/tmp/err
echo done > /tmp/result; sleep 100'
	wait_file "$ROOTFS/tmp/result"
	cat "$ROOTFS/tmp/err"
	# mknod is allowed (runc's defaults), opening is not
	[ -c "$ROOTFS/tmp/fuse" ]
	grep -q "Operation not permitted" "$ROOTFS/tmp/err"
	# the same node opens from the host: only the filter said no
	(exec 3<"$ROOTFS/tmp/fuse")
}

@test "cgroups: a device allowed by a rule opens" {
	cfg 'for k in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][k].append("CAP_MKNOD")
c["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 10, "minor": 229, "access": "r"})'
	start_container "$ID" sh -c 'mknod /tmp/fuse c 10 229; (exec 3</tmp/fuse) 2>/tmp/err && echo ok >/tmp/result || echo no >/tmp/result; sleep 100'
	wait_file "$ROOTFS/tmp/result"
	cat "$ROOTFS/tmp/err"
	[ "$(cat "$ROOTFS/tmp/result")" = ok ]
}

@test "cgroups: pause -> paused -> resume -> running" {
	start_container "$ID" sleep 100
	rt_bg pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = "paused" ]
	grep -qx "frozen 1" "$CGDIR/cgroup.events"
	grep -q '^State:[[:space:]]*S' "/proc/$(container_pid "$ID")/status"
	rt_bg pause "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container is paused"* ]]
	rt_bg resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = "running" ]
	grep -qx "frozen 0" "$CGDIR/cgroup.events"
	rt_bg resume "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not paused"* ]]
}

@test "cgroups: delete --force of a paused container" {
	start_container "$ID" sleep 100
	rt_bg pause "$ID"
	[ "$status" -eq 0 ]
	rt_bg delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}

@test "cgroups: kill --all reaches every process through cgroup.kill" {
	start_container "$ID" sh -c 'sleep 100 & sleep 100 & wait'
	local i n
	for ((i = 0; i < 50; i++)); do
		n=$(wc -l <"$CGDIR/cgroup.procs")
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	[ "$n" -ge 3 ]
	rt_bg kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	for ((i = 0; i < 50; i++)); do
		[ -z "$(cat "$CGDIR/cgroup.procs")" ] && break
		sleep 0.1
	done
	[ -z "$(cat "$CGDIR/cgroup.procs")" ]
}

@test "cgroups: ps lists the container's processes" {
	start_container "$ID" sleep 100
	local pid
	pid=$(container_pid "$ID")
	run rt ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[$pid]" ]
	run rt ps "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *" $pid "*sleep* ]]
}

@test "cgroups: events --stats prints runc's stats object; events ends with the container" {
	start_container "$ID" sleep 100
	run rt events --stats "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -c 'import json,sys
e = json.load(sys.stdin)
assert e["type"] == "stats" and e["id"] == sys.argv[1], e
assert e["data"]["cpu"]["usage"]["total"] > 0, e
assert "hugetlb" in e["data"] and "memory" in e["data"], e' "$ID"
	"$RUNTIME" --root "$ROOT" events --interval 100ms "$ID" >"$TEST_DIR/events" 2>&1 3>&- &
	local ev=$!
	BG_PIDS+=("$ev")
	sleep 0.5
	rt_bg kill "$ID" KILL
	local i
	for ((i = 0; i < 50; i++)); do kill -0 "$ev" 2>/dev/null || break; sleep 0.1; done
	not kill -0 "$ev" 2>/dev/null
	[ "$(grep -c '"type":"stats"' "$TEST_DIR/events")" -ge 2 ]
}

@test "cgroups: update -r applies live and is remembered; a bad value changes nothing" {
	grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip "no hugetlb controller"
	start_container "$ID" sleep 100
	echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 6291456}]}' >"$TEST_DIR/r.json"
	rt_bg update -r "$TEST_DIR/r.json" "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CGDIR/hugetlb.2MB.max")" = "6291456" ]
	# stdin, and a bad value: rejected before anything is written
	status=0
	output=$(echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}], "cpu": {"shares": 1}}' |
		"$RUNTIME" --root "$ROOT" update -r - "$ID" 2>&1 3>&-) || status=$?
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.resources.cpu.shares"* ]]
	[ "$(cat "$CGDIR/hugetlb.2MB.max")" = "6291456" ]
	rt_bg update --memory 1x "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'--memory: invalid size "1x"'* ]]
	rt_bg update --pids-limit 10 "$ID"
	grep -qw pids /sys/fs/cgroup/cgroup.controllers || {
		[ "$status" -ne 0 ]
		[[ "$output" == *"the pids controller is not available"* ]]
	}
	# the stored config has the update: an unrelated update keeps it
	rt_bg update -r "$TEST_DIR/r.json" "$ID"
	[ "$status" -eq 0 ]
	grep -q 6291456 "$ROOT/$ID/state.json"
}

@test "cgroups: pause, ps and update of a stopped container fail" {
	start_container "$ID" true
	wait_status "$ID" stopped
	rt_bg pause "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"stopped"* ]]
	rt_bg update --cpu-share 512 "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"stopped"* ]]
}

# #13.11: a container with a cgroup namespace and a writable cgroupfs makes
# its own child cgroups; ps must see the processes in them and delete
# --force must kill and remove the whole subtree, depth first.
@test "cgroups: child cgroups made inside the container: ps sees them, delete --force removes the subtree" {
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"] + [{"type": "cgroup"}]
for m in c["mounts"]:
    if m["destination"] == "/sys/fs/cgroup":
        m["options"] = [o for o in m["options"] if o != "ro"] + ["rw"]'
	start_container "$ID" sh -c 'mkdir -p /sys/fs/cgroup/a/b && sh -c "echo \$\$ > /sys/fs/cgroup/a/b/cgroup.procs && exec sleep 101" & sleep 100'
	local i sub=
	for ((i = 0; i < 50; i++)); do
		sub=$(cat "$CGDIR/a/b/cgroup.procs" 2>/dev/null)
		[ -n "$sub" ] && break
		sleep 0.1
	done
	[ -n "$sub" ]
	tr '\0' ' ' <"/proc/$sub/cmdline" | grep -q 'sleep 101'
	track_pid "$sub"
	run rt ps --format json "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -c 'import json, sys
pids = json.load(sys.stdin)
assert int(sys.argv[1]) in pids and int(sys.argv[2]) in pids, pids' "$(container_pid "$ID")" "$sub"
	run rt ps "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep 101"* ]]
	rt_bg delete --force "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
	not pid_alive "$sub"
}

# runc's exec --cgroup: the process goes into a sub-cgroup of the container's.
@test "cgroups: exec --cgroup places the process in a sub-cgroup; .. is refused" {
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"]'
	start_container "$ID" sleep 100
	mkdir "$CGDIR/sub"
	# (on a hybrid host the v1 hierarchies are listed too)
	run rt exec "$ID" grep '^0::' /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "0::$CG" ]
	run rt exec --cgroup sub "$ID" grep '^0::' /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "0::$CG/sub" ]
	run rt exec --cgroup ../../elsewhere "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *'"../../elsewhere": must not contain ".."'* ]]
	run rt exec --cgroup missing "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"$CGDIR/missing"* ]]
	rt_bg delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}

# runc: kill --all of a stopped container signals what is left in its
# cgroup; without a pid namespace the init's children outlive it.
@test "cgroups: kill --all of a stopped container without a pid namespace kills what is left" {
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]'
	start_container "$ID" sh -c 'sleep 102 & echo $! > /tmp/child; exit 0'
	wait_status "$ID" stopped
	wait_file "$ROOTFS/tmp/child"
	local child
	child=$(cat "$ROOTFS/tmp/child")
	track_pid "$child"
	pid_alive "$child"
	grep -qx "$child" "$CGDIR/cgroup.procs"
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	local i
	for ((i = 0; i < 50; i++)); do pid_alive "$child" || break; sleep 0.1; done
	not pid_alive "$child"
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "/sys/fs/cgroup$CG_BASE" ]
}
