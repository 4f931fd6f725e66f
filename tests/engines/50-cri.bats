#!/usr/bin/env bats
# Kubernetes' path: containerd 1.6's CRI plugin with skiff as the runc
# binary of its io.containerd.runc.v2 shim (BinaryName), driven by a small
# gRPC client that plays kubelet (cri.py, its code generated here from
# ../shared/cri-api/api.proto).  One containerd for the file, with its own
# root, state, socket and CNI config (a bridge of its own, host-local
# addresses in the suite dir); the pause and busybox images are made
# locally and imported once.  Every case ends as kubelet ends a pod
# (StopPodSandbox, RemovePodSandbox) and checks that nothing is left.

load helpers
. "$BATS_TEST_DIRNAME/cri-lib.sh"

CONTAINERD=/usr/bin/containerd

# cri COMMAND ARGS... : the client (see cri.py)
cri() {
	"$PYTHON" "$BATS_TEST_DIRNAME/cri.py" "$SUITE_DIR/gen" "$SUITE_DIR/containerd.sock" "$@"
}

c() {
	v /usr/bin/ctr -a "$SUITE_DIR/containerd.sock" "$@"
}

setup_file() {
	[ -z "$(cri_missing)" ] || return 0
	suite_dir cri
	local s=$SUITE_DIR
	# unique per run: other suites and helpers share the host's links
	echo "skcri$((RANDOM % 10000))" >"$s/bridge"
	echo "skiff-cri-$$" >"$s/net"
	mkdir -p "$s/cni/net.d" "$s/cni/ipam" "$s/cfg" "$s/logs"
	cni_conflist "$(cat "$s/net")" "$(cat "$s/bridge")" "10.237.$((RANDOM % 250)).0/24" "$s/cni/ipam" \
		>"$s/cni/net.d/10-skiff.conflist"
	[ -d /var/lib/cni ] || touch "$s/made-var-lib-cni"
	# skiff the default runtime, and once more as a RuntimeClass's handler
	cri_conf "$s" "$CRI_PAUSE_IMAGE" "$s/cni/net.d" "skiff=$SKIFF" "skiff-rc=$SKIFF" >"$s/config.toml"
	cri_gen "$s/gen" >"$s/gen.log" 2>&1 || return 0
	start_view
	start_daemon containerd "$CONTAINERD" --config "$s/config.toml"
	wait_until 30 test -S "$s/containerd.sock" || return 0
	cri_images "$s" "$s/rootfs" v /usr/bin/ctr -a "$s/containerd.sock" >"$s/image.log" 2>&1
}

teardown_file() {
	[ -n "${SUITE_DIR:-}" ] || return 0
	[ -z "${VIEW_PID:-}" ] || remove_pods
	stop_pid "$(cat "$SUITE_DIR/containerd.pid" 2>/dev/null)"
	stop_view
	remove_cgroups_of "$SUITE_DIR/ids"
	ip link del "$(cat "$SUITE_DIR/bridge")" 2>/dev/null
	if [ -e "$SUITE_DIR/made-var-lib-cni" ]; then
		rm -rf /var/lib/cni
	else
		rm -f /var/lib/cni/results/"$(cat "$SUITE_DIR/net")"-*
	fi
	remove_suite_dir
}

setup() {
	local m
	m=$(cri_missing)
	[ -z "$m" ] || skip "the CRI suite needs $m (packages: scripts/install-engines.sh; api.proto: ../shared/cri-api)"
	if ! cri version >/dev/null 2>&1 || ! c -n k8s.io images ls -q 2>/dev/null | grep -q skiff-busybox; then
		echo "containerd (CRI) or the images did not come up:" >&2
		cat "$SUITE_DIR/gen.log" "$SUITE_DIR/image.log" >&2
		show_skiff_log
		return 1
	fi
	N=$BATS_TEST_NUMBER
}

teardown() {
	[ -z "${SUITE_DIR:-}" ] || [ -z "${VIEW_PID:-}" ] || remove_pods
}

# remove_pods : what kubelet does with every pod left: StopPodSandbox,
# RemovePodSandbox (and the containers left without a pod).
remove_pods() {
	local p
	for p in $(cri ctrs 2>/dev/null); do
		cri stop "$p" 0 >/dev/null 2>&1
		cri rm "$p" >/dev/null 2>&1
	done
	for p in $(cri pods 2>/dev/null); do
		cri stopp "$p" >/dev/null 2>&1
		cri rmp "$p" >/dev/null 2>&1
	done
	return 0
}

# remove_cgroups_of FILE : the cgroups skiff made (/ID: containerd passes
# no cgroupsPath with disable_cgroup) for each id in FILE, if any is left.
remove_cgroups_of() {
	local id d
	[ -f "$1" ] || return 0
	for id in $(sort -u "$1"); do
		d=$(v2_root)/$id
		[ -d "$d" ] || continue
		echo 1 >"$d/cgroup.kill" 2>/dev/null
		rmdir "$d" 2>/dev/null || { sleep 0.2; rmdir "$d" 2>/dev/null; }
	done
	return 0
}

# json_field PATH : a field of the JSON on stdin, by a dotted path
json_field() {
	"$PYTHON" -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k, "")
print(v)' "$1"
}

# pod_cfg NAME NET [LINUX-JSON] : a PodSandboxConfig file (its path on
# stdout); NET is "node" (host network: no hostname, containerd drops the
# UTS namespace with it) or "pod" (CNI).  The pod's pid namespace is its
# own (POD).
pod_cfg() {
	local f="$SUITE_DIR/cfg/$1.pod.json" net
	if [ "$2" = node ]; then
		net='"network": "NODE", "pid": "POD"'
	else
		net='"network": "POD", "pid": "POD"'
	fi
	cat >"$f" <<JSON
{"metadata": {"name": "$1", "uid": "uid-$1-$N", "namespace": "skiff-cri"},
 $([ "$2" = node ] || echo "\"hostname\": \"$1\",")
 "logDirectory": "$SUITE_DIR/logs/$1",
 "linux": {"securityContext": {"namespaceOptions": {$net}}}}
JSON
	echo "$f"
}

# ctr_cfg NAME COMMAND-JSON [SECURITY-CONTEXT-JSON] [MORE-JSON] : a
# ContainerConfig file (its path on stdout) of the busybox image, logging
# to NAME.log in the pod's log dir; the security context defaults to the
# pod's pid namespace.
ctr_cfg() {
	local f="$SUITE_DIR/cfg/$1.ctr.json" sc=${3:-}
	[ -n "$sc" ] || sc='{"namespaceOptions": {"pid": "POD"}}'
	cat >"$f" <<JSON
{"metadata": {"name": "$1"}, "image": {"image": "$CRI_BUSYBOX_IMAGE"},
 "command": $2, "logPath": "$1.log", ${4:+$4,}
 "linux": {"securityContext": $sc}}
JSON
	echo "$f"
}

# run_pod NAME NET [HANDLER] : RunPodSandbox (with HANDLER as the
# runtime_handler: a RuntimeClass); POD (its id) and POD_CFG
run_pod() {
	POD_CFG=$(pod_cfg "$1" "$2")
	ok cri runp "$POD_CFG" ${3:+"$3"}
	POD=$output
	echo "$POD" >>"$SUITE_DIR/ids"
}

# start_ctr NAME COMMAND-JSON [SECURITY-CONTEXT-JSON] [MORE-JSON] :
# CreateContainer + StartContainer in $POD; CTR is its id
start_ctr() {
	local cfg
	cfg=$(ctr_cfg "$@")
	ok cri create "$POD" "$cfg" "$POD_CFG"
	CTR=$output
	echo "$CTR" >>"$SUITE_DIR/ids"
	ok cri start "$CTR"
}

# ctr_state ID : CONTAINER_RUNNING, CONTAINER_EXITED, ...
ctr_state() {
	cri status "$1" | json_field status.state
}

# wait_exited ID : until ContainerStatus says CONTAINER_EXITED
wait_exited() {
	wait_until 20 sh -c "[ \"\$($PYTHON $BATS_TEST_DIRNAME/cri.py $SUITE_DIR/gen $SUITE_DIR/containerd.sock status $1 |
		$PYTHON -c 'import json,sys; print(json.load(sys.stdin)[\"status\"][\"state\"])')\" = CONTAINER_EXITED ]"
}

# end_pod : StopPodSandbox and RemovePodSandbox of $POD, as kubelet
# does, then nothing may be left
end_pod() {
	ok cri stopp "$POD"
	ok cri rmp "$POD"
	assert_clean
}

# shim_pids : the pids of this suite's shims (their argv names the socket)
shim_pids() {
	local p
	for p in /proc/[0-9]*; do
		[[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" == *containerd-shim*"$SUITE_DIR/containerd.sock"* ]] &&
			echo "${p#/proc/}"
	done
	return 0
}

no_shims() {
	[ -z "$(shim_pids)" ]
}

# assert_clean : no pod, container, skiff state, shim, mount, cgroup,
# network namespace or address lease of this suite is left.
assert_clean() {
	local s=$SUITE_DIR id h
	ok cri pods
	[ -z "$output" ] || { echo "pods left: $output" >&2; return 1; }
	ok cri ctrs
	[ -z "$output" ] || { echo "containers left: $output" >&2; return 1; }
	for h in skiff skiff-rc; do
		[ -d "$s/rt-$h/k8s.io" ] || continue
		ok "$SKIFF" --root "$s/rt-$h/k8s.io" list -q
		[ -z "$output" ] || { echo "skiff containers left: $output" >&2; return 1; }
		# (skiff's seccomp cache, .cache, stays with the root)
		run find "$s/rt-$h/k8s.io" -mindepth 1 -maxdepth 1 ! -name .cache
		[ -z "$output" ] || { echo "skiff state left: $output" >&2; return 1; }
	done
	# the shims go when their pod goes
	wait_until 10 no_shims || { echo "shims left: $(shim_pids)" >&2; return 1; }
	run sh -c "nsenter -m -t $VIEW_PID cat /proc/self/mountinfo | grep -F '$s/state'"
	[ -z "$output" ] || { echo "mounts left in the view: $output" >&2; return 1; }
	run grep -F "$s/state" /proc/self/mountinfo
	[ -z "$output" ] || { echo "mounts left on the host: $output" >&2; return 1; }
	run find "$s/state/io.containerd.grpc.v1.cri" -path '*netns*' -type f
	[ -z "$output" ] || { echo "network namespaces left: $output" >&2; return 1; }
	for id in $(sort -u "$s/ids" 2>/dev/null); do
		[ ! -d "$(v2_root)/$id" ] || { echo "cgroup left: $id" >&2; return 1; }
	done
	# host-local keeps one file per leased address (and its lock and
	# last_reserved_ip.0)
	run find "$s/cni/ipam" -type f -name '[0-9]*.[0-9]*.[0-9]*.[0-9]*'
	[ -z "$output" ] || { echo "addresses left: $output" >&2; return 1; }
	run compgen -G "/var/lib/cni/results/$(cat "$s/net")-*"
	[ -z "$output" ] || { echo "CNI results left: $output" >&2; return 1; }
}

@test "cri: Version answers through containerd's CRI plugin" {
	ok cri version
	[[ "$output" == *containerd* ]]
	[[ "$output" == *v1* ]]
}

@test "cri: host-network pod: READY, container lifecycle, log file, ExecSync, StopContainer exit 143" {
	run_pod hostnet node
	ok cri pstatus "$POD"
	[ "$(json_field status.state <<<"$output")" = SANDBOX_READY ]
	start_ctr web '["sh", "-c", "echo hi; exec sleep 1001"]'
	ok cri status "$CTR"
	[ "$(json_field status.state <<<"$output")" = CONTAINER_RUNNING ]
	[ "$(json_field status.metadata.name <<<"$output")" = web ]
	# the CRI log: "<RFC 3339 time> stdout F hi"
	wait_until 10 grep -q 'stdout F hi' "$SUITE_DIR/logs/hostnet/web.log"
	run cat "$SUITE_DIR/logs/hostnet/web.log"
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)\ stdout\ F\ hi$ ]]
	# ExecSync: output, exit code, and a timeout
	ok cri exec "$CTR" 10 sh -c 'echo out-$((6*7)); echo err >&2'
	[[ "$output" == *out-42* ]]
	expect_status 7 cri exec "$CTR" 10 sh -c 'exit 7'
	local t0=$SECONDS
	run cri exec "$CTR" 1 sleep 31
	[ "$status" -ne 0 ]
	[ $((SECONDS - t0)) -lt 20 ]
	[[ "$output" == *"DEADLINE_EXCEEDED"*"timeout 1s exceeded"* ]]
	# ...and the timed-out process is killed
	wait_until 10 sh -c "! $PYTHON $BATS_TEST_DIRNAME/cri.py $SUITE_DIR/gen $SUITE_DIR/containerd.sock exec $CTR 10 ps -o args | grep -q '^sleep 31'"
	# host network: the host's interfaces
	ok cri exec "$CTR" 10 cat /proc/net/dev
	[[ "$output" == *eth0* ]]
	# `sleep` is not pid 1 (the pause is): SIGTERM ends it, 128 + 15
	ok cri stop "$CTR" 10
	ok cri status "$CTR"
	[ "$(json_field status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(json_field status.exitCode <<<"$output")" = 143 ]
	ok cri rm "$CTR"
	ok cri ctrs
	[ -z "$output" ]
	end_pod
}

@test "cri: pod networking: pod IP, pid and ipc shared in the pod, a container with its own pid namespace" {
	run_pod podnet pod
	ok cri pstatus "$POD"
	[ "$(json_field status.state <<<"$output")" = SANDBOX_READY ]
	local ip
	ip=$(json_field status.network.ip <<<"$output")
	[[ "$ip" == 10.237.* ]]
	start_ctr a '["sleep", "1001"]'
	local a=$CTR
	start_ctr b '["sleep", "1002"]'
	local b=$CTR
	start_ctr own '["sleep", "1003"]' '{"namespaceOptions": {"pid": "CONTAINER"}}'
	local own=$CTR
	# the pod's address on its eth0
	ok cri exec "$a" 10 ip -4 addr show eth0
	[[ "$output" == *"inet $ip/"* ]]
	# b sees a's process and the pause (pid 1), and shares its ipc namespace
	ok cri exec "$b" 10 ps -o pid,args
	[[ "$output" == *"sleep 1001"* ]]
	[[ "$output" =~ \ 1\ +/pause ]]
	local ipc_a ipc_b pid_a pid_own
	ipc_a=$(cri exec "$a" 10 readlink /proc/self/ns/ipc)
	ipc_b=$(cri exec "$b" 10 readlink /proc/self/ns/ipc)
	[ -n "$ipc_a" ] && [ "$ipc_a" = "$ipc_b" ]
	# ...which is the pod's: shared memory made in a is seen in b
	ok cri exec "$a" 10 sh -c 'echo pod-shm >/dev/shm/skiff'
	ok cri exec "$b" 10 cat /dev/shm/skiff
	[ "$output" = pod-shm ]
	# own: its own pid namespace, only its own processes
	ok cri exec "$own" 10 ps -o pid,args
	[[ "$output" != *"sleep 1001"* ]]
	[[ "$output" != *pause* ]]
	[[ "$output" =~ \ 1\ +sleep\ 1003 ]]
	pid_a=$(cri exec "$a" 10 readlink /proc/self/ns/pid)
	pid_own=$(cri exec "$own" 10 readlink /proc/self/ns/pid)
	[ "$pid_a" != "$pid_own" ]
	# StopPodSandbox stops the running containers with the pod
	end_pod
}

@test "cri: a pod of a RuntimeClass: runtime_handler picks the handler's runtime and root" {
	run_pod classy node skiff-rc
	start_ctr c '["sleep", "1005"]'
	ok "$SKIFF" --root "$SUITE_DIR/rt-skiff-rc/k8s.io" list -q
	[[ "$output" == *"$POD"* ]]
	[[ "$output" == *"$CTR"* ]]
	ok "$SKIFF" --root "$SUITE_DIR/rt-skiff/k8s.io" list -q
	[ -z "$output" ]
	ok cri pstatus "$POD"
	[ "$(json_field status.runtimeHandler <<<"$output")" = skiff-rc ]
	end_pod
}

@test "cri: StopContainer of a process that ignores SIGTERM: SIGKILL after the grace period, exit 137" {
	run_pod ignoreterm node
	# pid 1 of its own pid namespace, without a handler: SIGTERM does nothing
	start_ctr stubborn '["sleep", "100000"]' '{"namespaceOptions": {"pid": "CONTAINER"}}'
	local t0=$SECONDS
	ok cri stop "$CTR" 2
	[ $((SECONDS - t0)) -ge 2 ]
	ok cri status "$CTR"
	[ "$(json_field status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(json_field status.exitCode <<<"$output")" = 137 ]
	# stopping it again, now that it is gone, is fine too
	ok cri stop "$CTR" 2
	ok cri rm "$CTR"
	# timeout 0, kubelet's forced stop: SIGKILL at once
	start_ctr stubborn2 '["sleep", "100001"]' '{"namespaceOptions": {"pid": "CONTAINER"}}'
	t0=$SECONDS
	ok cri stop "$CTR" 0
	[ $((SECONDS - t0)) -lt 5 ]
	ok cri status "$CTR"
	[ "$(json_field status.exitCode <<<"$output")" = 137 ]
	ok cri rm "$CTR"
	end_pod
}

@test "cri: StopContainer, RemoveContainer and StopPodSandbox of containers that already exited" {
	run_pod exited node
	start_ctr done '["sh", "-c", "exit 3"]'
	local done=$CTR
	start_ctr done2 '["true"]' '{"namespaceOptions": {"pid": "CONTAINER"}}'
	local done2=$CTR
	wait_exited "$done"
	wait_exited "$done2"
	ok cri status "$done"
	[ "$(json_field status.exitCode <<<"$output")" = 3 ]
	ok cri stop "$done" 2
	ok cri status "$done"
	[ "$(json_field status.exitCode <<<"$output")" = 3 ]
	ok cri rm "$done"
	# done2 stays for StopPodSandbox and RemovePodSandbox
	end_pod
}

# This host's cgroup-v2 view has no cpu or memory controller (v1 owns
# them), so the shim's cgroup manager, which reads cpu.stat and
# memory.stat only for controllers listed in cgroup.controllers, reports
# zeros; the kernel's own cpu.stat usage_usec, present in every v2 cgroup,
# shows that the container's processes are in skiff's cgroup, where a host
# with those controllers gives real figures.
@test "cri: ContainerStats and ListContainerStats answer with the container's id and figures" {
	run_pod stats node
	start_ctr busy '["sh", "-c", "while :; do :; done"]'
	sleep 1
	ok cri stats "$CTR"
	local st=$output
	[ "$(json_field stats.attributes.id <<<"$st")" = "$CTR" ]
	[ "$(json_field stats.attributes.metadata.name <<<"$st")" = busy ]
	[ "$(json_field stats.cpu.timestamp <<<"$st")" -gt 0 ]
	[ "$(json_field stats.memory.timestamp <<<"$st")" -gt 0 ]
	[[ "$(json_field stats.writableLayer.fsId.mountpoint <<<"$st")" == "$SUITE_DIR/root/"* ]]
	ok cri lstats
	[[ "$output" == *"\"id\": \"$CTR\""* ]]
	# containerd passes no cgroupsPath (disable_cgroup): skiff's /ID
	local cg
	cg=$(v2_root)/$CTR
	[ -n "$(cat "$cg/cgroup.procs")" ]
	[ "$(sed -n 's/^usage_usec //p' "$cg/cpu.stat")" -gt 0 ]
	end_pod
}

@test "cri: a nonexistent command fails with skiff's message in the gRPC error" {
	run_pod badcmd node
	local cfg
	cfg=$(ctr_cfg bad '["/no/such/command"]')
	ok cri create "$POD" "$cfg" "$POD_CFG"
	CTR=$output
	echo "$CTR" >>"$SUITE_DIR/ids"
	run cri start "$CTR"
	[ "$status" -ne 0 ]
	echo "$output"
	# skiff's words, from its --log through the shim
	[[ "$output" == *"OCI runtime create failed: create $CTR: exec: \"/no/such/command\": No such file or directory"* ]]
	ok cri rm "$CTR"
	end_pod
}

@test "cri: a mount whose source is gone fails StartContainer with skiff's message" {
	run_pod badmount node
	# containerd makes a missing hostPath at CreateContainer; the runtime
	# sees the mount at StartContainer, after the source went away
	local src="$SUITE_DIR/gone-$N" cfg
	mkdir -p "$src"
	cfg=$(ctr_cfg badmount '["true"]' '' '"mounts": [{"containerPath": "/data/in", "hostPath": "'"$src"'"}]')
	ok cri create "$POD" "$cfg" "$POD_CFG"
	CTR=$output
	echo "$CTR" >>"$SUITE_DIR/ids"
	rmdir "$src"
	run cri start "$CTR"
	[ "$status" -ne 0 ]
	echo "$output"
	# skiff's words, from its --log through the shim
	[[ "$output" == *"OCI runtime create failed: create $CTR: mounts["*"]: source \"$src\": No such file or directory"* ]]
	ok cri rm "$CTR"
	end_pod
}

@test "cri: security context: read-only root, user and groups, capabilities, RuntimeDefault seccomp, tmpfs volume" {
	run_pod secure node
	# an emptyDir of medium Memory: kubelet mounts a tmpfs and CRI binds it
	local vol="$SUITE_DIR/vol-$N"
	mkdir -p "$vol"
	v mount -t tmpfs -o mode=1777,size=1m skiff-cri-vol "$vol"
	start_ctr locked '["sleep", "1004"]' '{"readonlyRootfs": true,
		"runAsUser": {"value": 1000}, "runAsGroup": {"value": 1001}, "supplementalGroups": [2001, 2002],
		"capabilities": {"addCapabilities": ["NET_ADMIN"], "dropCapabilities": ["CHOWN"]},
		"seccomp": {"profileType": "RuntimeDefault"},
		"namespaceOptions": {"pid": "POD"}}' \
		'"mounts": [{"containerPath": "/scratch", "hostPath": "'"$vol"'"}]'
	ok cri exec "$CTR" 10 id
	[[ "$output" == "uid=1000 gid=1001 groups=1001,2001,2002"* ]]
	run cri exec "$CTR" 10 touch /probe
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	ok cri exec "$CTR" 10 sh -c 'echo w >/scratch/probe && cat /scratch/probe'
	[ "$output" = w ]
	ok cri exec "$CTR" 10 cat /proc/mounts
	[[ "$output" =~ skiff-cri-vol\ /scratch\ tmpfs ]]
	[[ "$output" =~ \ /\ overlay\ ro, ]]
	ok cri exec "$CTR" 10 cat /proc/self/status
	local st=$output bnd
	[[ "$st" =~ Seccomp:[[:space:]]+2 ]]
	# uid 1000: no effective capabilities; the bounding set is the
	# default with NET_ADMIN (12) added and CHOWN (0) dropped
	[[ "$st" =~ CapEff:[[:space:]]+0000000000000000 ]]
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' <<<"$st")
	[ $((0x$bnd >> 12 & 1)) = 1 ]
	[ $((0x$bnd & 1)) = 0 ]
	# the RuntimeDefault profile blocks what a container must not do
	run cri exec "$CTR" 10 unshare -r true
	[ "$status" -ne 0 ]
	ok cri stop "$CTR" 5
	ok cri rm "$CTR"
	v umount "$vol"
	end_pod
}

@test "cri: nothing of the suite's pods is left" {
	assert_clean
}
