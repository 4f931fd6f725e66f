#!/usr/bin/env bash
# Start-latency benchmark: skiff against crun, runc and the physical floor.
#
#   bench/start.sh [RUNS]          (root; default 50 runs per command)
#
# In ONE hyperfine run (so load on the machine hits every row alike), inside
# a private mount namespace with cgroup2 on /sys/fs/cgroup (the v2 view of
# ../shared/ENVIRONMENT.md), it times:
#   - `run` of /bin/true in a busybox bundle: skiff, crun
#     (--cgroup-manager=disabled), runc, and ../shared/tools/floor.c (clone
#     with 5 namespaces + pivot_root + exec: the least any runtime must do)
#   - create + start + delete --force of the same bundle, per runtime
# then prints the means and the ratios skiff/floor, skiff/crun, skiff/runc
# (absolute figures are noisy here; compare the ratios), and the peak RSS of
# each runtime's `run` from /usr/bin/time -f %M.
#
# A runtime that is missing or cannot run the bundle is left out with a
# note (skiff's rows appear once build/runtime/skiff runs containers).
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC.
# Not part of the test suite.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(dirname "$here")
runs=${1:-50}

if [ "${SKIFF_BENCH_IN_V2_VIEW:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench/start.sh: run as root" >&2; exit 1; }
	export SKIFF_BENCH_IN_V2_VIEW=1
	exec unshare -m sh -c 'mount --make-rprivate / &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$0" "$@"
fi

SKIFF=${SKIFF:-$repo/build/runtime/skiff}
CRUN=${CRUN:-$(command -v crun || true)}
RUNC=${RUNC:-$(command -v runc || true)}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

work=$(mktemp -d /tmp/skiff-bench.XXXXXX)
cleanup() {
	local r p
	# container processes of this run that a failed command left waiting
	for p in $(grep -lsF "$work" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null || true
	done
	for r in skiff crun runc; do
		for id in bench-run bench-seq; do
			case $r in
			skiff) [ -x "$SKIFF" ] && timeout 10 "$SKIFF" --root "$work/state-skiff" delete --force "$id" ;;
			crun) [ -n "$CRUN" ] && timeout 10 "$CRUN" --root "$work/state-crun" delete --force "$id" ;;
			runc) [ -n "$RUNC" ] && timeout 10 "$RUNC" --root "$work/state-runc" delete --force "$id" ;;
			esac >/dev/null 2>&1 || true
		done
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the floor and the bundle ------------------------------------------
floor_src="$repo/../shared/tools/floor.c"
gcc -O2 -static -o "$work/floor" "$floor_src"

bundle="$work/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
chroot "$bundle/rootfs" /bin/busybox --install -s /bin
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$bundle/rootfs/etc/passwd"
# One config for every runtime: runc's default spec running /bin/true.
(cd "$bundle" && runc spec)
"$PYTHON" - "$bundle/config.json" <<'EOF'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(path, "w"), indent=1)
EOF

# --- the commands ------------------------------------------------------
names=() cmds=() rss_cmds=()
add_runtime() { # NAME BINARY [GLOBAL-FLAGS...]
	local name=$1 bin=$2
	shift 2
	if [ -z "$bin" ] || [ ! -x "$bin" ]; then
		echo "note: $name not found, left out"
		return
	fi
	local g="$bin --root $work/state-$name $*"
	if ! timeout 30 $g run --bundle "$bundle" bench-run </dev/null >"$work/$name.check" 2>&1; then
		echo "note: $name cannot run the bundle, left out: $(tail -n 2 "$work/$name.check" | tr '\n' ' ')"
		return
	fi
	if ! timeout 30 sh -c "$g create --bundle $bundle bench-seq && $g start bench-seq && $g delete --force bench-seq" </dev/null >"$work/$name.check" 2>&1; then
		echo "note: $name cannot create+start+delete, left out: $(tail -n 2 "$work/$name.check" | tr '\n' ' ')"
		timeout 10 $g delete --force bench-seq >/dev/null 2>&1 || true
		return
	fi
	names+=("$name run" "$name create+start+delete")
	cmds+=("$g run --bundle $bundle bench-run"
		"sh -c '$g create --bundle $bundle bench-seq && $g start bench-seq && $g delete --force bench-seq'")
	rss_cmds+=("$name|$g run --bundle $bundle bench-run")
}
add_runtime skiff "$SKIFF"
add_runtime crun "$CRUN" --cgroup-manager=disabled
add_runtime runc "$RUNC"
names+=("floor")
cmds+=("$work/floor $bundle/rootfs /bin/true")

args=(-N --warmup 3 --runs "$runs" --export-json "$work/start.json" --style basic)
for i in "${!cmds[@]}"; do
	args+=(-n "${names[$i]}" "${cmds[$i]}")
done
echo "hyperfine: ${#cmds[@]} commands, $runs runs each, cgroup2 view"
hyperfine "${args[@]}" </dev/null

# --- ratios --------------------------------------------------------------
echo
"$PYTHON" - "$work/start.json" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def mean(name):
    r = res.get(name)
    return r["mean"] * 1000 if r else None
print("%-28s %9s %9s" % ("command", "mean ms", "stddev"))
for name, r in res.items():
    print("%-28s %9.2f %9.2f" % (name, r["mean"] * 1000, r["stddev"] * 1000))
print()
pairs = [("skiff run", "floor"), ("skiff run", "crun run"), ("skiff run", "runc run"),
         ("skiff create+start+delete", "crun create+start+delete"),
         ("skiff create+start+delete", "runc create+start+delete"),
         ("crun run", "floor"), ("runc run", "floor")]
for a, b in pairs:
    ma, mb = mean(a), mean(b)
    if ma is not None and mb:
        print("ratio %-26s / %-26s = %5.2f" % (a, b, ma / mb))
EOF

# --- peak RSS ---------------------------------------------------------
echo
for entry in "${rss_cmds[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	# -o: the figure must not mix with the runtime's own stderr
	kib=$(/usr/bin/time -o "$work/rss" -f '%M' $cmd </dev/null >/dev/null 2>&1; cat "$work/rss")
	echo "peak RSS of $name run: $kib KiB"
done
