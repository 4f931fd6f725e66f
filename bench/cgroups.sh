#!/usr/bin/env bash
# The cost of cgroup limits at start (issue 5, "Speed"): skiff run of
# /bin/true without a cgroup section against the same with a cgroup, the
# BPF device filter and a hugetlb limit.
#
#   bench/cgroups.sh [RUNS]          (root; default 50 runs per command)
#
# In the cgroup-v2 view hugetlb is the only controller (v1 owns the rest
# on this host; the script checks cgroup.controllers).  Two configs, both
# from skiff's default spec running /bin/true in busybox:
#   bare     no linux.resources, no cgroupsPath (runtimes still make a
#            cgroup named after the id, with nothing in it to set)
#   limits   cgroupsPath /skiff-bench-PID/RT/c, linux.resources.devices
#            deny-all then the allow list runc/podman/docker give every
#            container (mknod, null, zero, full, random, urandom, tty,
#            ptmx, pts, tun: compiled into a BPF device program), and a
#            2MB hugetlb limit
# In ONE hyperfine run: skiff bare, skiff limits, and runc bare/limits for
# comparison (crun too, if it can load its device filter here).  Prints
# the means and the ratio limits/bare (target for skiff: <= 1.2).
# Memory and pids limits need real controllers: bench/vm-cgroups.sh.
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC.
# Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${1:-50}
bench_workdir

echo "controllers in the v2 view: $(cat /sys/fs/cgroup/cgroup.controllers)"
grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || die "no hugetlb controller in the v2 view"
page=$(ls /sys/kernel/mm/hugepages/ | sed -n 's/^hugepages-\([0-9]*\)kB$/\1/p' | sort -n | head -n 1)
[ -n "$page" ] || die "no huge page size in /sys/kernel/mm/hugepages"
# hugetlb.<size>.max names the size the way the kernel prints it
if [ "$page" -ge 1048576 ]; then psize="$((page / 1048576))GB"; elif [ "$page" -ge 1024 ]; then psize="$((page / 1024))MB"; else psize="${page}KB"; fi

bare=$work/bare
bench_bundle "$bare"
bench_cfg "$bare/config.json" 'c["linux"].pop("resources", None)
c["linux"].pop("cgroupsPath", None)'

cgparent=skiff-bench-$$
bench_cgroup_tree "$cgparent"
# limits_bundle RT: the limits config with a cgroupsPath of its own
limits_bundle() {
	local b=$work/limits-$1
	mkdir "$b"
	cp "$bare/config.json" "$b/config.json"
	bench_cfg "$b/config.json" '
rootfs, cgpath, psize, page_kib = sys.argv[3:7]
c["root"]["path"] = rootfs
c["linux"]["cgroupsPath"] = cgpath
def dev(t, major, minor, allow=True, access="rwm"):
    d = {"allow": allow, "type": t, "access": access}
    if major is not None: d["major"] = major
    if minor is not None: d["minor"] = minor
    return d
c["linux"]["resources"] = {
    "devices": [{"allow": False, "access": "rwm"},
                dev("c", None, None, access="m"), dev("b", None, None, access="m"),
                dev("c", 1, 3), dev("c", 1, 8), dev("c", 1, 7), dev("c", 5, 0),
                dev("c", 1, 5), dev("c", 1, 9), dev("c", 136, None), dev("c", 5, 2),
                dev("c", 10, 200)],
    "hugepageLimits": [{"pageSize": psize, "limit": 32 * int(page_kib) * 1024}],
}' "$bare/rootfs" "/$cgparent/$1/c" "$psize" "$page"
	echo "$b"
}

# pair KIND [FLAGS...]: rows "KIND bare" and "KIND limits", or neither
pair() {
	local kind=$1 g lb
	shift
	g=$(rt_cmd "$kind" "$work/state-$kind") || { note "$kind not found, left out"; return 0; }
	g="$g $*"
	lb=$(limits_bundle "$kind")
	rt_track "$g" "bench-$kind"
	bench_try "$kind (bare)" $g run --bundle "$bare" "bench-$kind" || return 0
	bench_try "$kind (limits)" $g run --bundle "$lb" "bench-$kind" || return 0
	bench_add "$kind bare" "$g run --bundle $bare bench-$kind"
	bench_add "$kind limits" "$g run --bundle $lb bench-$kind"
}
pair skiff
pair runc
# crun (1.27) with its cgroupfs manager, its default (explicit in case
# CRUN is a 1.8.1, which rt_cmd would not give "disabled" anyway)
pair crun --cgroup-manager=cgroupfs

bench_hyperfine "$runs"
bench_report 'skiff limits|skiff bare|1.2' 'runc limits|runc bare' 'crun limits|crun bare' \
	'skiff limits|runc limits' 'skiff bare|runc bare'
