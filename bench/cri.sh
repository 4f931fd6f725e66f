#!/usr/bin/env bash
# Pod start through Kubernetes' path (issue 16): containerd 1.6's CRI plugin
# with skiff, runc and crun 1.27 each as the BinaryName of one runtime
# handler, in ONE containerd.
#
#   bench/cri.sh [ROUNDS]        (root; default 10 rounds, 3 for 20 pods)
#
# In the cgroup-v2 view, a containerd with CRI on and all its state under
# /run (tmpfs; see lib.sh on /tmp), one handler per runtime in its
# config.toml (tests/engines/configs.sh cri_conf), the pause and busybox
# images made locally (tests/engines/cri-lib.sh), and the suite's CRI
# client (tests/engines/cri.py, its code generated from
# ../shared/cri-api/api.proto) playing kubelet.  A "pod start" is
# RunPodSandbox (runtime_handler = the runtime: a RuntimeClass) +
# CreateContainer + StartContainer, then ContainerStatus polled every
# 10 ms until the container runs; host network (no CNI), a busybox
# `sleep`.  Timed in the client, with no process start per pod: each
# round runs every handler in turn (the order rotating), the pods then
# stopped and removed untimed, so load on this shared machine hits all
# alike.  Two runs: one pod at a time (ROUNDS rounds) and 20 pods started
# concurrently (ROUNDS/3 rounds, at least 3), wall time until all 20 run.
# Prints means and medians and the ratios skiff/runc and skiff/crun.
# Environment: SKIFF, RUNC, CRUN (lib.sh).  Everything is removed at exit.
# Not part of the test suite.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
. "$bench_repo/tests/engines/configs.sh"
. "$bench_repo/tests/engines/cri-lib.sh"
bench_v2_view "$@"
rounds=${1:-10}
crounds=$((rounds / 3))
[ "$crounds" -ge 3 ] || crounds=3
bench_workdir

m=$(cri_missing)
[ -z "$m" ] || die "needs $m (scripts/install-engines.sh)"

handlers=() entries=()
for rt in skiff runc crun; do
	bin=$(rt_bin "$rt")
	[ -n "$bin" ] || { note "$rt not found, left out"; continue; }
	handlers+=("$rt")
	entries+=("$rt=$bin")
done
[ "${#handlers[@]}" -gt 0 ] || die "no runtime found"

# containerd keeps shim sockets in /run/containerd/s: a tmpfs of the view
bench_private_dir /run/containerd
d=$bench_run
mkdir -p "$d/cni"
cri_conf "$d" "$CRI_PAUSE_IMAGE" "$d/cni" "${entries[@]}" >"$d/config.toml"
cri_gen "$d/gen" >"$work/gen.log" 2>&1 || die "protoc failed: $(cat "$work/gen.log")"
# the cgroups the runtimes make (/ID: containerd passes no cgroupsPath)
ls /sys/fs/cgroup >"$work/cgroups.before"
bench_on_exit "comm -13 $work/cgroups.before <(ls /sys/fs/cgroup) | grep -E '^[0-9a-f]{64}\$' |
	while read -r c; do bench_rm_cgroups /sys/fs/cgroup/\$c; done"
setsid /usr/bin/containerd --config "$d/config.toml" </dev/null >"$work/containerd.log" 2>&1 &
cpid=$!
bench_on_exit "bench_stop_pid $cpid"
bench_wait 30 test -S "$d/containerd.sock" || die "containerd did not start: $(tail -5 "$work/containerd.log")"
bench_rootfs "$work/rootfs"
cri_images "$work" "$work/rootfs" /usr/bin/ctr -a "$d/containerd.sock" >"$work/images.log" 2>&1 ||
	die "images: $(tail -5 "$work/images.log")"

cri() {
	"$PYTHON" "$bench_repo/tests/engines/cri.py" "$d/gen" "$d/containerd.sock" "$@"
}
# whatever a failed run left: every pod, stopped and removed
bench_on_exit "for p in \$(cri pods); do cri stopp \$p; cri rmp \$p; done"

cat >"$work/pod.json" <<JSON
{"metadata": {"name": "bench", "uid": "bench-$$", "namespace": "skiff-bench"},
 "logDirectory": "$work/logs",
 "linux": {"securityContext": {"namespaceOptions": {"network": "NODE", "pid": "POD"}}}}
JSON
cat >"$work/ctr.json" <<JSON
{"metadata": {"name": "sleeper"}, "image": {"image": "$CRI_BUSYBOX_IMAGE"},
 "command": ["sleep", "1000000"], "logPath": "sleeper.log",
 "linux": {"securityContext": {"namespaceOptions": {"pid": "POD"}}}}
JSON

# a handler whose runtime cannot start a pod is left out
ok=()
for h in "${handlers[@]}"; do
	if cri bench "$work/probe.json" 1 1 "$work/pod.json" "$work/ctr.json" "$h" >"$work/probe.log" 2>&1; then
		ok+=("$h")
	else
		note "$h left out: $(tail -n 2 "$work/probe.log" | tr '\n' ' ')"
	fi
done
[ "${#ok[@]}" -gt 0 ] || die "no runtime could start a pod"

echo "one pod at a time: $rounds rounds of ${ok[*]}"
cri bench "$work/one.json" "$rounds" 1 "$work/pod.json" "$work/ctr.json" "${ok[@]}"
BENCH_JSON=$work/one.json bench_report "skiff x1|runc x1" "skiff x1|crun x1"
echo
echo "20 pods at once: $crounds rounds of ${ok[*]}"
cri bench "$work/twenty.json" "$crounds" 20 "$work/pod.json" "$work/ctr.json" "${ok[@]}"
BENCH_JSON=$work/twenty.json bench_report "skiff x20|runc x20" "skiff x20|crun x20"
