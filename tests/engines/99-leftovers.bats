#!/usr/bin/env bats
# Runs after every engine file's teardown_file: nothing the suite or skiff
# made may be left on the host.

load helpers

@test "engines: no process, mount, temp dir, state or cgroup is left" {
	local p bad=""
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q '/tmp/skiff-eng-'; then
			bad+="$(tr '\0' ' ' <"$p/cmdline") "
		fi
	done
	[ -z "$bad" ] || { echo "processes left: $bad" >&2; return 1; }
	run grep -c '/tmp/skiff-eng-' /proc/self/mountinfo
	[ "$output" = 0 ] || { echo "mounts left" >&2; return 1; }
	run compgen -G '/tmp/skiff-eng-*'
	[ -z "$output" ] || { echo "temp dirs left: $output" >&2; return 1; }
	# skiff's default root (podman and buildah use it): no container whose
	# bundle was in a suite dir
	if [ -x "$SKIFF" ]; then
		run "$SKIFF" list --format json
		! grep -q '/tmp/skiff-eng-' <<<"$output"
	fi
}

# 50-cri.bats: its CNI bridge (skcriNNNN), CNI results in /var/lib/cni
# (libcni's cache, named NETWORK-CONTAINER-IF), and shim sockets in
# /run/containerd/s with no shim listening on them.
@test "engines: no CNI bridge, CNI result or orphaned shim socket of the CRI suite is left" {
	run sh -c "ip -o link show | grep -o 'skcri[0-9]*'"
	[ -z "$output" ] || { echo "CNI bridges left: $output" >&2; return 1; }
	run compgen -G '/var/lib/cni/results/skiff-cri-*'
	[ -z "$output" ] || { echo "CNI results left: $output" >&2; return 1; }
	run compgen -G '/var/lib/cni/networks/skiff-cri-*'
	[ -z "$output" ] || { echo "CNI leases left: $output" >&2; return 1; }
	local sock listening bad=""
	listening=$(ss -xlnH 2>/dev/null | awk '{print $5}')
	for sock in /run/containerd/s/*; do
		[ -S "$sock" ] || continue
		grep -qxF "$sock" <<<"$listening" || bad+="$sock "
	done
	[ -z "$bad" ] || { echo "shim sockets with no shim: $bad" >&2; return 1; }
}
