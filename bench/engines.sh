#!/usr/bin/env bash
# Engine start latency (issue 7, "Speed"): what a user of podman or
# containerd sees of the runtime, skiff against runc and crun.
#
#   bench/engines.sh [RUNS]          (root; default 20 runs per command)
#
# In the cgroup-v2 view, with every engine's storage, state and daemon in
# a temp dir (tests/engines does the same; see ../shared/ENGINES.md), a
# busybox image imported locally, and one hyperfine run PER ENGINE:
#   podman   `podman run --rm IMAGE /bin/true` with --runtime skiff, runc,
#            crun (containers.conf as tests/engines/10-podman.bats: ulimits
#            under this host's hard limits, pids_limit 0, no network)
#   ctr      `ctr run --rm --runc-binary RT IMAGE ID /bin/true` through
#            containerd 1.6's runc v2 shim, RT = skiff, runc, crun
# plus a "floor" row per engine: its own bookkeeping with no runtime and no
# conmon/shim: `podman create` + `podman rm`, `ctr container create` +
# `ctr container rm` (image, snapshot/storage, metadata; it counts the
# engine client's start-up twice, and leaves out conmon/the shim, which
# are the engine's too: a rough lower bound of the engine's share, not an
# exact one).
# crun runs through a wrapper adding --cgroup-manager=disabled (as when
# CRUN was Debian's 1.8.1, which cannot load its BPF device filter under
# this host's RLIMIT_MEMLOCK; kept so the rows stay comparable); the
# wrapper's extra sh costs ~1 ms a call.  Containers get a cgroup parent
# of their own (/skiff-bench-PID), and the runtimes' default roots
# (/run/skiff, /run/runc, /run/crun: podman passes no --root) and
# /run/containerd are tmpfs in the view.
# Prints the means and the ratios skiff/runc, skiff/crun and
# (run - floor) of skiff over that of runc/crun per engine.
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC, ENGINES
# (default "podman ctr").  Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
. "$bench_repo/tests/engines/configs.sh"
bench_v2_view "$@"
runs=${1:-20}
engines=${ENGINES:-podman ctr}
bench_workdir

for d in /run/skiff /run/runc /run/crun /run/containerd; do bench_private_dir "$d"; done
cgparent=skiff-bench-$$
bench_cgroup_tree "$cgparent"
bench_rootfs "$work/rootfs"

# the runtimes as an engine calls them: name|binary
runtimes=()
[ -x "$SKIFF" ] && runtimes+=("skiff|$SKIFF") || note "no skiff at $SKIFF"
[ -n "$(rt_bin runc)" ] && runtimes+=("runc|$RUNC") || note "runc not found"
if [ -n "$(rt_bin crun)" ]; then
	mkdir -p "$work/bin"
	printf '#!/bin/sh\nexec %s --cgroup-manager=disabled "$@"\n' "$CRUN" >"$work/bin/crun"
	chmod 755 "$work/bin/crun"
	runtimes+=("crun|$work/bin/crun")
else
	note "crun not found"
fi

# report ENGINE: the table and the ratios of one engine's run
report() {
	local e=$1
	BENCH_JSON=$work/$e.json bench_report "$e+skiff|$e+runc" "$e+skiff|$e+crun" "$e+runc|$e floor" \
		"$e+skiff|$e floor" "$e+crun|$e floor"
	"$PYTHON" - "$work/$e.json" "$e" <<'EOF'
import json, sys
e = sys.argv[2]
res = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
floor = res.get(e + " floor")
s = res.get(e + "+skiff")
if floor is None or s is None:
    sys.exit(0)
for other in ("runc", "crun"):
    o = res.get("%s+%s" % (e, other))
    if o is not None and o > floor:
        print("above the floor: (%s+skiff - floor) / (%s+%s - floor) = %.1f / %.1f ms = %.2f" % (
            e, e, other, (s - floor) * 1e3, (o - floor) * 1e3, (s - floor) / (o - floor)))
EOF
}

# ---- podman -------------------------------------------------------------
bench_podman() {
	local podman=/usr/bin/podman image=localhost/skiff-bench:1 pm entry name bin
	[ -x $podman ] && [ -x /usr/bin/conmon ] || { note "podman or conmon missing: podman left out"; return 0; }
	local confs=()
	for entry in "${runtimes[@]}"; do confs+=("${entry%%|*}=${entry#*|}"); done
	podman_conf "" "${confs[@]}" >"$work/containers.conf"
	export CONTAINERS_CONF=$work/containers.conf
	pm="$podman --root $work/podman/storage --runroot $work/podman/run --tmpdir $work/podman/tmp"
	bench_on_exit "$pm rm -a -f -t 0; $pm rmi -a -f"
	tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
	bench_try "podman (image import failed)" $pm import "$work/rootfs.tar" "$image" || return 0
	bench_reset
	for entry in "${runtimes[@]}"; do
		name=${entry%%|*}
		local cmd="$pm --runtime $name run --rm --cgroup-parent /$cgparent/podman $image /bin/true"
		bench_try "podman+$name" $cmd || continue
		bench_add "podman+$name" "$cmd"
	done
	local floor="$pm create --name bench-floor --cgroup-parent /$cgparent/podman $image /bin/true && $pm rm bench-floor"
	bench_try "podman floor" sh -c "$floor" && bench_add "podman floor" "sh -c '$floor'"
	echo
	echo "== podman $($podman --version | awk '{print $3}')"
	BENCH_JSON=$work/podman.json bench_hyperfine "$runs"
	report podman
}

# ---- containerd + ctr -----------------------------------------------------
bench_ctr() {
	local containerd=/usr/bin/containerd image=docker.io/library/skiff-bench:1 c entry name bin s=$work/containerd
	[ -x $containerd ] && [ -x /usr/bin/ctr ] || { note "containerd or ctr missing: ctr left out"; return 0; }
	[ -x /usr/bin/umoci ] && [ -x /usr/bin/skopeo ] || { note "umoci or skopeo missing (image build): ctr left out"; return 0; }
	mkdir -p "$s"
	containerd_conf "$s" >"$s/config.toml"
	setsid $containerd --config "$s/config.toml" </dev/null >"$s/containerd.log" 2>&1 &
	bench_on_exit "bench_stop_pid $!"
	c="/usr/bin/ctr -a $s/containerd.sock"
	bench_wait 30 test -S "$s/containerd.sock" || { note "containerd did not start: $(tail -n 2 "$s/containerd.log")"; return 0; }
	bench_on_exit "for t in \$($c task ls -q); do $c task kill -s SIGKILL \$t; sleep 0.3; $c task delete -f \$t; done;
		for t in \$($c container ls -q); do $c container delete \$t; done; $c image rm $image"
	if ! { umoci init --layout "$s/oci" && umoci new --image "$s/oci:busybox" &&
		umoci insert --image "$s/oci:busybox" "$work/rootfs" / &&
		skopeo copy "oci:$s/oci:busybox" "docker-archive:$s/busybox.tar:skiff-bench:1" &&
		$c image import "$s/busybox.tar"; } >"$s/image.log" 2>&1; then
		note "ctr left out, image build failed: $(tail -n 2 "$s/image.log")"
		return 0
	fi
	bench_reset
	for entry in "${runtimes[@]}"; do
		name=${entry%%|*} bin=${entry#*|}
		# ctr's default cpu shares ask for cpu.weight: no cpu controller here
		local cmd="$c run --rm --runc-binary $bin --runc-root $work/ctr-$name --cpu-shares 0 --cgroup /$cgparent/ctr/bench-ctr $image bench-ctr /bin/true"
		bench_try "ctr+$name" $cmd || continue
		bench_add "ctr+$name" "$cmd"
	done
	local floor="$c container create $image bench-floor /bin/true && $c container rm bench-floor"
	bench_try "ctr floor" sh -c "$floor" && bench_add "ctr floor" "sh -c '$floor'"
	echo
	echo "== containerd $($containerd --version | awk '{print $3}')"
	BENCH_JSON=$work/ctr.json bench_hyperfine "$runs"
	report ctr
}

for e in $engines; do
	case $e in
	podman) bench_podman ;;
	ctr) bench_ctr ;;
	*) die "unknown engine $e (podman, ctr)" ;;
	esac
done
