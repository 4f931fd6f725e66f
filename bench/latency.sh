#!/usr/bin/env bash
# Start latency, issue 15: every figure of the issue's table, from one script.
#
#   sudo SKIFF=build/runtime/skiff bench/latency.sh        (default RUNS=60)
#   sudo RUNS=5 bench/latency.sh                           (a quick pass)
#
# In the cgroup-v2 view (../shared/ENVIRONMENT.md), with a busybox bundle
# made from skiff's default spec (args /bin/true, no terminal; masked paths,
# devices, noNewPrivileges and the rest stay in), the same config.json for
# every runtime.  crun is 1.27 (../shared/tools/crun-1.27) with its default
# cgroupfs manager, so it makes a cgroup per container as skiff does.
#
#   hyperfine run 1 (RUNS runs):  `run` /bin/true of skiff, crun 1.27,
#       crun 1.8.1 (Debian's, --cgroup-manager=disabled, the bundle's
#       ociVersion lowered to 1.0.2 for it), runc, and the floor
#       (../shared/tools/floor.c); create + start + delete of skiff and crun;
#       `exec /bin/true` into a running container of skiff and crun
#   hyperfine run 2 (5 x RUNS runs):  `skiff state ID`, `skiff --version`
#       and a static C program printing one line (cc -O2 -static)
#   peak RSS (/usr/bin/time -f %M) of `skiff run` and `crun run`: the
#       median of 5
#   parallel.sh:  100 containers `run` 16 at a time, wall time (RUNS/4 runs,
#       at least 3)
#   alive.sh:  `create` with 199 containers running in the state dir
#       against `create` in an empty one (RUNS runs)
#
# then a markdown table: figure | skiff | crun 1.27 | ratio | target.  Times
# and ratios are of means (the ratio of the medians in brackets), each ratio
# from one hyperfine run.  Environment: RUNS, SKIFF,
# CRUN, CRUN18, RUNC (lib.sh), BENCH_WARMUP.  Everything (containers, state
# dirs, bundles, cgroups, mounts) is removed at exit, on failure and ^C too.
# Not part of the test suite.
# $g and the like are a runtime with its flags: split on purpose
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${RUNS:-${1:-60}}
bench_workdir
ids=sbl$$
bench_ids "$ids-"

cc -O2 -static -o "$work/floor" "$bench_repo/../shared/tools/floor.c"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$work/hello.c"
cc -O2 -static -o "$work/hello" "$work/hello.c"

bundle=$work/bundle
bench_bundle "$bundle"
sleeper=$work/sleeper
bench_bundle "$sleeper"
bench_cfg "$sleeper/config.json" 'c["process"]["args"] = ["sleep", "1000000"]'
old=$work/bundle-1.0.2
bench_bundle_old "$bundle" "$old"

# ---- hyperfine run 1: run, create+start+delete, exec ----------------------

rss_cmds=()
for rt in skiff crun crun-1.8 runc; do
	g=$(rt_cmd $rt "$work/state-$rt") || { note "$rt not found, left out"; continue; }
	b=$bundle
	[ "$rt" = crun-1.8 ] && b=$old
	id=$ids-$rt
	rt_track "$g" "$id-run"
	bench_try "$rt (cannot run the bundle)" $g run --bundle "$b" "$id-run" || continue
	bench_add "$rt run" "$g run --bundle $b $id-run"
	case $rt in skiff | crun) ;; *) continue ;; esac
	rss_cmds+=("$rt|$g run --bundle $b $id-run")

	rt_track "$g" "$id-csd"
	seq="$g create --bundle $b $id-csd && $g start $id-csd && $g delete --force $id-csd"
	bench_try "$rt (cannot create+start+delete)" sh -c "$seq" &&
		bench_add "$rt create+start+delete" "sh -c '$seq'"

	rt_track "$g" "$id-exec"
	# create's stdio become the container's: nothing of this shell's
	bench_try "$rt (cannot start a container to exec into)" \
		sh -c "$g create --bundle $sleeper $id-exec && $g start $id-exec" &&
		bench_try "$rt (cannot exec)" $g exec "$id-exec" /bin/true &&
		bench_add "$rt exec" "$g exec $id-exec /bin/true"
done
bench_add floor "$work/floor $bundle/rootfs /bin/true"

BENCH_JSON=$work/start.json bench_hyperfine "$runs"
BENCH_JSON=$work/start.json bench_report 'skiff run|crun run|0.5' 'skiff run|floor|1.5' \
	'skiff run|crun-1.8 run' 'skiff run|runc run' 'crun run|floor' \
	'skiff create+start+delete|crun create+start+delete|0.5' 'skiff exec|crun exec|0.4'

# ---- hyperfine run 2: state, --version against a static hello -------------

bench_reset
sg=$(rt_cmd skiff "$work/state-skiff") || die "no skiff ($SKIFF)"
if bench_try "skiff state (no running container)" $sg state "$ids-skiff-exec"; then
	bench_add "skiff state" "$sg state $ids-skiff-exec"
fi
bench_add "skiff --version" "$SKIFF --version"
bench_add hello "$work/hello"
BENCH_JSON=$work/short.json bench_hyperfine $((runs * 5))
BENCH_JSON=$work/short.json bench_report 'skiff state|hello|1.5' 'skiff --version|hello|1.5'

# ---- peak RSS ----------------------------------------------------------------

echo
: >"$work/rss.txt"
for entry in "${rss_cmds[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	for _ in 1 2 3 4 5; do
		# -o: the figure must not mix with the runtime's own stderr
		/usr/bin/time -o "$work/rss" -f '%M' $cmd </dev/null >/dev/null 2>&1 || true
		echo "$name $(tail -n 1 "$work/rss")" >>"$work/rss.txt"
	done
	echo "peak RSS of $name run (KiB): $(grep "^$name " "$work/rss.txt" | cut -d' ' -f2 | tr '\n' ' ')"
done

# ---- parallel.sh and alive.sh (each its own work dir and clean-up) ---------

echo
echo "== parallel.sh"
BENCH_JSON=$work/parallel.json RUNS=$((runs / 4 > 3 ? runs / 4 : 3)) "$bench_here/parallel.sh" ||
	note "parallel.sh failed"
echo
echo "== alive.sh"
BENCH_JSON=$work/alive.json RUNS=$runs "$bench_here/alive.sh" || note "alive.sh failed"

# ---- the table -------------------------------------------------------------

echo
echo "## latency.sh, $(date -u +%F), skiff $(git -C "$bench_repo" rev-parse --short HEAD 2>/dev/null || echo '?'), RUNS=$runs"
echo
"$PYTHON" - "$work" <<'EOF'
import json, os, statistics, sys
work = sys.argv[1]
res = {}
med = {}
for f in ("start", "short", "parallel", "alive"):
    p = os.path.join(work, f + ".json")
    if os.path.exists(p):
        for r in json.load(open(p))["results"]:
            res[r["command"]] = r["mean"]
            med[r["command"]] = r["median"]
rss = {}
if os.path.exists(os.path.join(work, "rss.txt")):
    for line in open(os.path.join(work, "rss.txt")):
        name, _, kib = line.partition(" ")
        if kib.strip().isdigit():
            rss.setdefault(name, []).append(int(kib))

def ms(v):
    return "%.1f ms" % (v * 1e3) if v >= 0.01 else "%.2f ms" % (v * 1e3)

def judge(ratio, target):
    if target is None:
        return ""
    return "≤ %s %s" % (target, "(met)" if ratio <= target else "(NOT met)")

rows = []
def pair(figure, a, b, target=None, label=""):
    if a not in res or b not in res:
        rows.append((figure, ms(res[a]) if a in res else "n/a", "n/a", "", judge(1e9, target) if target else ""))
        return
    r = res[a] / res[b]
    rows.append((figure, ms(res[a]), label + ms(res[b]), "%.2f (%.2f)" % (r, med[a] / med[b]), judge(r, target)))

pair("`run` /bin/true (cgroup made by both)", "skiff run", "crun run", 0.5)
pair("`run` /bin/true vs floor (`tools/floor.c`)", "skiff run", "floor", 1.5, "floor: ")
pair("`run` /bin/true vs crun 1.8.1 (cgroups disabled)", "skiff run", "crun-1.8 run", None, "crun 1.8.1: ")
pair("`run` /bin/true vs runc 1.1.5", "skiff run", "runc run", None, "runc: ")
if "crun run" in res and "floor" in res:
    rows.append(("crun 1.27 `run` vs floor", "", ms(res["crun run"]),
                 "%.2f (%.2f)" % (res["crun run"] / res["floor"], med["crun run"] / med["floor"]), ""))
pair("create + start + delete", "skiff create+start+delete", "crun create+start+delete", 0.5)
pair("`exec` /bin/true into a running container", "skiff exec", "crun exec", 0.4)
pair("`skiff state ID` vs static hello", "skiff state", "hello", 1.5, "hello: ")
pair("`skiff --version` vs static hello", "skiff --version", "hello", 1.5, "hello: ")
if "skiff" in rss:
    s = statistics.median(rss["skiff"])
    c = statistics.median(rss["crun"]) if "crun" in rss else None
    rows.append(("peak RSS of `run` (median of 5)", "%.1f MiB" % (s / 1024),
                 "%.1f MiB" % (c / 1024) if c else "n/a", "%.2f" % (s / c) if c else "",
                 "skiff ≤ 2 MiB %s" % ("(met)" if s <= 2048 else "(NOT met)")))
par = [k for k in res if k.startswith("skiff ") and " run -P" in k]
if par:
    k = par[0]
    pair("%s containers `run`, %s at a time (xargs), wall" % (k.split()[1], k.split("-P")[1]),
         k, "crun" + k[len("skiff"):], 0.5)
al = [k for k in res if k.startswith("skiff ") and k.endswith("th")]
if al:
    nth = al[0].split()[1]
    def alive(rt):
        a, b = rt + " " + nth, rt + " 1st"
        if a in res and b in res:
            return res[a] / res[b], "%.2f (%.2f): %s / %s" % (res[a] / res[b], med[a] / med[b], ms(res[a]), ms(res[b]))
        return None, "n/a"
    sr, st = alive("skiff")
    cr, ct = alive("crun")
    rows.append(("`create` with %d alive / with none" % (int(nth[:-2]) - 1), st, ct,
                 st.split(":")[0] if sr else "", judge(sr, 1.1) if sr else ""))

print("| figure | skiff | crun 1.27 | ratio | target |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
EOF
