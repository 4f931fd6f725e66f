# shellcheck shell=bash
# Shared part of the bench/*.sh scripts (sourced, not run).
#
# A script does, in this order:
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   bench_v2_view "$@"        root only; re-exec in the cgroup-v2 view
#   bench_workdir             $work, and the EXIT trap that cleans up
#   bench_bundle DIR          a busybox bundle running /bin/true
#   bench_add NAME CMD ...    one row per command
#   bench_hyperfine RUNS      ONE hyperfine run over every row
#   bench_report 'A|B' ...    table of means, then the ratios A/B
#
# Everything a script makes is registered with bench_on_exit (containers
# of each runtime, daemons, users) or lives under $work, so the EXIT trap
# removes it on success, failure and Ctrl-C alike.
#
# Environment: SKIFF (default build/runtime/skiff), CRUN (default
# ../shared/tools/crun-1.27/crun, the reference), CRUN18 (default
# /usr/bin/crun, Debian's 1.8.1), RUNC, BENCH_WARMUP (hyperfine --warmup,
# default 3).

bench_name=$(basename "$0" .sh)
bench_here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bench_repo=$(dirname "$bench_here")

SKIFF=$(readlink -m "${SKIFF:-$bench_repo/build/runtime/skiff}")
# the reference crun: 1.27, built from upstream (../shared/tools/crun-1.27)
CRUN=$(readlink -m "${CRUN:-$bench_repo/../shared/tools/crun-1.27/crun}")
# Debian's crun 1.8.1, an older and slower one: a further row where wanted
CRUN18=${CRUN18:-/usr/bin/crun}
RUNC=${RUNC:-$(command -v runc || true)}
# Debian's python directly: a pyenv shim costs a second per call when busy
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

die() {
	echo "bench/$bench_name: $*" >&2
	exit 1
}
note() { echo "note: $*"; }

bench_root_only() {
	[ "$(id -u)" -eq 0 ] || die "run as root"
}

# bench_v2_view "$@": run the rest of the script in a private mount
# namespace with cgroup2 on /sys/fs/cgroup (the host is hybrid; see
# ../shared/ENVIRONMENT.md).  Daemons started by the script inherit the
# namespace, and whatever an engine mounts there goes away with it.
bench_v2_view() {
	bench_root_only
	[ "${SKIFF_BENCH_IN_V2_VIEW:-}" = 1 ] && return 0
	export SKIFF_BENCH_IN_V2_VIEW=1
	exec unshare -m sh -c 'mount --make-rprivate / &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$0" "$@"
}

# ---- clean-up -----------------------------------------------------------

bench_cleanups=()
# bench_on_exit 'SHELL CODE': run at exit, last registered first, output
# discarded, failures ignored.
bench_on_exit() { bench_cleanups+=("$1"); }

bench_cleanup() {
	set +e
	# a second ^C must not cut the clean-up short
	trap '' INT TERM HUP
	local i p
	# a hyperfine cut short: stop it, then end the command it was timing
	if [ -n "${bench_hf_pid:-}" ]; then
		kill -STOP "$bench_hf_pid" 2>/dev/null
		for p in $(pgrep -P "$bench_hf_pid"); do kill -KILL "$p" 2>/dev/null; done
		kill -KILL "$bench_hf_pid" 2>/dev/null
		wait "$bench_hf_pid" 2>/dev/null
	fi
	for ((i = ${#bench_cleanups[@]} - 1; i >= 0; i--)); do
		# in a subshell: a loop in the code must not clobber this one's i
		(eval "${bench_cleanups[$i]}") </dev/null >/dev/null 2>&1
	done
	[ -n "${work:-}" ] && [ -d "$work" ] || return 0
	# a runtime's helper left waiting by a failed command (its argv names
	# the bundle or state dir); never this shell
	# shellcheck disable=SC2013 # pids, one a line
	for p in $(grep -lsF -e "$work" -e "${bench_run:-$work}" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null
	done
	grep -F " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$work"
	[ -n "${bench_run:-}" ] && rm -rf --one-file-system "$bench_run"
}

# bench_cgroup_tree REL: at exit, remove the cgroup /sys/fs/cgroup/REL of
# the v2 view and everything under it (deepest first, cgroup.kill before
# rmdir), in case a runtime left it.
bench_cgroup_tree() {
	bench_on_exit "bench_rm_cgroups /sys/fs/cgroup/$1"
}
bench_rm_cgroups() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d | while read -r d; do
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill"
		rmdir "$d" || { sleep 0.2; rmdir "$d"; }
	done
}

# bench_workdir: $work (a fresh dir under /tmp, removed at exit) and the traps;
# $bench_run under /run for the runtimes' state dirs (rt_cmd), where engines
# keep them (/run/runc, /run/crun): on this VM /tmp is the slow part of the
# disk (a file create there takes ~150 us, under /run ~8 us).
bench_workdir() {
	work=$(mktemp -d "/tmp/skiff-bench-$bench_name.XXXXXX")
	bench_run=$(mktemp -d "/run/skiff-bench-$bench_name.XXXXXX")
	chmod 755 "$work" "$bench_run"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

# ---- runtimes ------------------------------------------------------------

# rt_bin KIND: the binary of skiff|crun|crun-1.8|runc ("" when missing)
rt_bin() {
	case $1 in
	skiff) [ -x "$SKIFF" ] && echo "$SKIFF" ;;
	crun) [ -n "$CRUN" ] && [ -x "$CRUN" ] && echo "$CRUN" ;;
	crun-1.8) [ -n "$CRUN18" ] && [ -x "$CRUN18" ] && echo "$CRUN18" ;;
	runc) [ -n "$RUNC" ] && [ -x "$RUNC" ] && echo "$RUNC" ;;
	esac
	return 0
}

# rt_cmd KIND STATE-DIR: the runtime with its global flags, as one word
# list.  crun (1.27) keeps its default cgroupfs manager: in the v2 view it
# makes a cgroup per container, as skiff and runc do.  crun 1.8.1 raises
# RLIMIT_MEMLOCK before loading its BPF device filter, which this host's
# hard limit refuses: it runs without cgroups.
rt_cmd() {
	local bin state=$2
	bin=$(rt_bin "$1")
	[ -n "$bin" ] || return 1
	# a state dir under $work lives under $bench_run (bench_workdir)
	[ -n "${bench_run:-}" ] && [ "${state#"$work"/}" != "$state" ] && state=$bench_run/${state#"$work"/}
	case $1 in
	crun-1.8) echo "$bin --root $state --cgroup-manager=disabled" ;;
	*) echo "$bin --root $state" ;;
	esac
}

# rt_track CMD ID: delete --force the container ID at exit.
rt_track() {
	bench_on_exit "timeout 10 $1 delete --force $2"
}

# bench_try WHAT CMD...: run CMD (30 s at most); on failure print why WHAT
# is left out and return 1.
bench_try() {
	local what=$1
	shift
	if ! timeout 30 "$@" </dev/null >"$work/try.out" 2>&1; then
		note "$what left out: $(tail -n 3 "$work/try.out" | tr '\n' ' ')"
		return 1
	fi
}

# ---- bundles -------------------------------------------------------------

# bench_rootfs DIR: a busybox-static root filesystem.
bench_rootfs() {
	local r=$1
	mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
	chmod 1777 "$r/tmp"
	: >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
}

# bench_cfg FILE 'PYTHON' [ARGS...]: edit a JSON file in place; the code
# sees it as `c`, and ARGS as sys.argv[3:].
bench_cfg() {
	"$PYTHON" - "$@" <<'EOF'
import json, sys
path, code = sys.argv[1], sys.argv[2]
with open(path) as f:
    c = json.load(f)
exec(code)
with open(path, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# bench_bundle DIR [SPEC-FLAGS...]: rootfs plus skiff's default spec (one
# config for every runtime: masked paths, devices, noNewPrivileges and all)
# running /bin/true without a terminal.  runc's spec if skiff is missing.
bench_bundle() {
	local b=$1
	shift
	bench_rootfs "$b/rootfs"
	if [ -x "$SKIFF" ]; then
		"$SKIFF" spec --bundle "$b" "$@"
	else
		note "no $SKIFF: the bundle has runc's spec"
		(cd "$b" && runc spec "$@")
	fi
	bench_cfg "$b/config.json" 'c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]'
}

# bench_bundle_old SRC DST: a copy of bundle SRC (its own rootfs) whose
# config says ociVersion 1.0.2, the newest crun 1.8.1 takes ("unknown
# version specified" for skiff's 1.3.0); nothing else changes.
bench_bundle_old() {
	bench_rootfs "$2/rootfs"
	cp "$1/config.json" "$2/config.json"
	bench_cfg "$2/config.json" 'c["ociVersion"] = "1.0.2"'
}

# bench_ids PREFIX: at exit, remove the cgroups /sys/fs/cgroup/PREFIX* of
# the v2 view (where skiff and crun put a container without cgroupsPath);
# PREFIX must be unique to this run (e.g. hold $$).
bench_ids() {
	bench_on_exit "for d in /sys/fs/cgroup/$1*; do bench_rm_cgroups \$d; done"
}

# bench_stop_pid PID: SIGTERM, SIGKILL after 10 s; waits until it is gone.
bench_stop_pid() {
	local i
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1"
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$i" = 50 ] && kill -KILL "$1"
		sleep 0.2
	done
}

# bench_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
bench_wait() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# bench_private_dir DIR: a tmpfs over DIR, in the view only (made, and
# removed at exit, if the host has no DIR), so what an engine or runtime
# keeps there by default stays out of the host's.
bench_private_dir() {
	if [ ! -d "$1" ]; then
		mkdir -p "$1"
		bench_on_exit "rmdir $1"
	fi
	mount -t tmpfs -o mode=0711 tmpfs "$1"
	bench_on_exit "umount -l $1"
}

# ---- hyperfine and the report ----------------------------------------------

bench_names=() bench_cmds=() bench_prepares=()
# bench_reset: no rows (for a script with more than one hyperfine run)
bench_reset() { bench_names=() bench_cmds=() bench_prepares=(); }
# bench_add NAME CMD [PREPARE]: one row.  CMD is split into words, no shell
# (hyperfine -N): wrap compound commands in sh -c '...'.
bench_add() {
	bench_names+=("$1")
	bench_cmds+=("$2")
	bench_prepares+=("${3:-true}")
}

# bench_hyperfine RUNS: every row in one hyperfine run, so load on this
# shared machine hits all of them alike.  Results in $work/bench.json.
bench_hyperfine() {
	local runs=$1 i prep=0
	[ "${#bench_cmds[@]}" -gt 0 ] || die "no command could run"
	local args=(-N --warmup "${BENCH_WARMUP:-3}" --runs "$runs" --export-json "${BENCH_JSON:-$work/bench.json}" --style basic)
	for i in "${!bench_prepares[@]}"; do [ "${bench_prepares[$i]}" = true ] || prep=1; done
	for i in "${!bench_cmds[@]}"; do
		# hyperfine takes either one --prepare or one per command
		[ "$prep" = 0 ] || args+=(--prepare "${bench_prepares[$i]}")
		args+=(-n "${bench_names[$i]}" "${bench_cmds[$i]}")
	done
	echo "hyperfine: ${#bench_cmds[@]} commands, $runs runs each"
	# in the background, so that a signal runs the traps at once (bash
	# waits for a foreground child first, and hyperfine goes on after ^C)
	# SCHED_FIFO (BENCH_FIFO=0: not): the timed commands run the moment
	# they can, whatever else this shared 2-core machine is doing, so a
	# figure is the runtimes' work and not the scheduler's queue; every
	# runtime gets the same.
	local fifo=()
	[ "${BENCH_FIFO:-1}" = 0 ] || ! command -v chrt >/dev/null || fifo=(chrt -f 20)
	${BENCH_AS:-} "${fifo[@]}" hyperfine "${args[@]}" </dev/null &
	bench_hf_pid=$!
	local rc=0
	wait "$bench_hf_pid" || rc=$?
	bench_hf_pid=
	return "$rc"
}

# bench_report 'A|B[|TARGET]'...: means (and medians) of every row, then
# the ratio A/B of the means and of the medians for each pair whose rows
# both ran; with TARGET, whether the mean ratio is within it.
bench_report() {
	echo
	"$PYTHON" - "${BENCH_JSON:-$work/bench.json}" "$@" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
w = max([len(n) for n in res] + [8])
print("%-*s %9s %9s %9s" % (w, "command", "mean ms", "stddev", "median"))
for name, r in res.items():
    print("%-*s %9.2f %9.2f %9.2f" % (w, name, r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3))
print()
for pair in sys.argv[2:]:
    a, b, *target = pair.split("|")
    if a not in res or b not in res:
        continue
    rm = res[a]["mean"] / res[b]["mean"]
    rmed = res[a]["median"] / res[b]["median"]
    line = "ratio %-*s / %-*s = %5.2f (medians %5.2f)" % (w, a, w, b, rm, rmed)
    if target:
        line += "  target <= %s: %s" % (target[0], "met" if rm <= float(target[0]) else "NOT met")
    print(line)
EOF
}
