#!/usr/bin/env bash
# Rootless start latency (issue 9, "Speed"): skiff, crun and runc run by an
# unprivileged user.
#
#   bench/rootless.sh [RUNS]          (root; default 50 runs per command)
#
# Creates a temporary user (useradd, with /etc/subuid and /etc/subgid
# ranges), its $XDG_RUNTIME_DIR and a busybox bundle it owns whose
# config.json is the user's own `runc spec --rootless` (`skiff spec
# --rootless` differs only in hostname and an ociVersion crun 1.8.1
# refuses) running /bin/true.  Then,
# in the cgroup-v2 view, hyperfine runs AS THAT USER (setpriv, clean
# environment) and times `run` of every runtime in ONE run: skiff, crun
# 1.27, runc, each with --root under
# $XDG_RUNTIME_DIR.  The runtimes are copied to a world-readable dir first.
# Prints the means and the ratios skiff/crun, skiff/runc.  At exit the
# containers, the user's processes, the user, its ranges and its home go.
# Environment: SKIFF (default build/runtime/skiff), CRUN, RUNC.
# Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_v2_view "$@"
runs=${1:-50}
command -v setpriv >/dev/null || die "setpriv (util-linux) missing"
bench_workdir

user=skiffbench$$
useradd -m -s /bin/sh "$user"
bench_on_exit "bench_remove_user $user $(id -u "$user")"
bench_remove_user() { # NAME UID
	local p f
	for p in $(pgrep -u "$2"); do kill -KILL "$p"; done
	sleep 0.2
	userdel -r -f "$1" || userdel -f "$1"
	for f in /etc/subuid /etc/subgid; do sed -i "/^$1:/d" "$f"; done
}
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
# Debian's useradd delegates ranges itself; give some where it did not
if ! grep -q "^$user:" /etc/subuid; then
	start=$((300000 + ($$ % 1000) * 65536))
	usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$user"
fi
echo "user $user (uid $uid), subuid $(grep "^$user:" /etc/subuid | cut -d: -f2,3)"

xdg=$work/xdg
mkdir -m 700 "$xdg"
mkdir "$work/out"
chown "$uid:$gid" "$xdg" "$work/out"
as="setpriv --reuid=$uid --regid=$gid --init-groups -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$home USER=$user LOGNAME=$user XDG_RUNTIME_DIR=$xdg"

# the user must reach the binaries (a build tree may not be readable)
mkdir -m 755 "$work/bin"
for v in SKIFF CRUN RUNC; do
	b=${!v}
	[ -n "$b" ] && [ -x "$b" ] || continue
	install -m 755 "$b" "$work/bin/$(basename "$b")"
	printf -v "$v" '%s' "$work/bin/$(basename "$b")"
done

bundle=$work/bundle
bench_rootfs "$bundle/rootfs"
chown -R "$uid:$gid" "$bundle"
# runc's: skiff's differs only in hostname and ociVersion 1.3.0, which
# crun 1.8.1 refuses ("unknown version specified")
(cd "$bundle" && $as runc spec --rootless)
bench_cfg "$bundle/config.json" 'c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]'

for rt in skiff crun runc; do
	g=$(rt_cmd $rt "$xdg/$rt") || { note "$rt not found, left out"; continue; }
	rt_track "$as $g" bench-run
	bench_try "$rt (cannot run rootless here)" $as $g run --bundle "$bundle" bench-run || continue
	bench_add "$rt" "$g run --bundle $bundle bench-run"
done

BENCH_AS=$as BENCH_JSON=$work/out/bench.json bench_hyperfine "$runs"
BENCH_JSON=$work/out/bench.json bench_report 'skiff|crun' 'skiff|runc'
