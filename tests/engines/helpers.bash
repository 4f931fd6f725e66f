# Shared setup for the engines suite: real container engines (podman,
# containerd + ctr, docker, buildah) pointed at skiff with nothing changed
# but the runtime path.
#
# Each .bats file is one engine.  Its setup_file makes a private temp dir
# ($SUITE_DIR) and a "view" process: a setsid'd process in its own mount
# namespace with cgroup2 mounted over /sys/fs/cgroup (the host is hybrid, see
# ../shared/ENVIRONMENT.md).  Daemons are started inside that view, and every
# client runs in it through `nsenter -m -t $VIEW_PID` (v ...).  teardown_file
# removes containers, images, daemons (by pid), cgroups and the temp dir.
#
# SKIFF selects the runtime (default: the built skiff).

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
. "$BATS_TEST_DIRNAME/configs.sh"
: "${BATS_TEST_TIMEOUT:=180}"
: "${SKIFF:=$REPO_ROOT/build/runtime/skiff}"
export SKIFF
PYTHON=/usr/bin/python3

# need_engine PACKAGE BINARY... : skip (with the reason printed) when an
# engine's package is not installed.
need_engine() {
	local pkg=$1 b
	shift
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			skip "$pkg is not installed ($b missing): run scripts/install-engines.sh"
		fi
	done
}

# engine_missing BINARY... : true when one is absent (for setup_file, which
# must not skip).
engine_missing() {
	local b
	for b in "$@"; do [ -x "$b" ] || return 0; done
	return 1
}

# Makes $SUITE_DIR and the busybox-static rootfs $SUITE_DIR/rootfs.
suite_dir() {
	SUITE_DIR=$(mktemp -d "/tmp/skiff-eng-$1.XXXXXX")
	chmod 755 "$SUITE_DIR"
	export SUITE_DIR
	local r="$SUITE_DIR/rootfs"
	mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root,data}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
	chmod 1777 "$r/tmp"
	: >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
}

# Starts the cgroup-v2 view: a setsid'd holder process in a private mount
# namespace.  Everything of the engine runs in it.
start_view() {
	local ready="$SUITE_DIR/view.ready"
	# skiff's default root (podman and buildah pass no --root) is a tmpfs
	# of the view: its state and seccomp cache go with the view.  A
	# /run/skiff made for the mount point is removed by stop_view.
	[ -d /run/skiff ] || { mkdir -m 700 /run/skiff && touch "$SUITE_DIR/made-run-skiff"; }
	setsid unshare -m sh -c 'mount --make-rprivate / &&
		mount -t cgroup2 none /sys/fs/cgroup &&
		mount -t tmpfs -o mode=700 skiff-root /run/skiff && touch "$1" && exec sleep infinity' \
		sh "$ready" </dev/null >"$SUITE_DIR/view.log" 2>&1 3>&- &
	VIEW_PID=$!
	export VIEW_PID
	echo "$VIEW_PID" >"$SUITE_DIR/view.pid"
	local i
	for i in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.05
	done
	echo "the cgroup-v2 view did not start: $(cat "$SUITE_DIR/view.log")" >&2
	return 1
}

# v CMD... : run CMD inside the view (absolute paths: nsenter resets cwd).
v() {
	nsenter -m -t "$VIEW_PID" -- "$@"
}

# start_daemon NAME CMD... : start CMD as a session leader inside the view,
# output in $SUITE_DIR/NAME.log, pid in $SUITE_DIR/NAME.pid.  nsenter and
# setsid exec in place (a background job is no group leader), so $! is the
# daemon itself.
start_daemon() {
	local name=$1
	shift
	nsenter -m -t "$VIEW_PID" -- setsid "$@" </dev/null >"$SUITE_DIR/$name.log" 2>&1 3>&- &
	echo "$!" >"$SUITE_DIR/$name.pid"
}

# oci_image : the busybox rootfs as an OCI image layout, $SUITE_DIR/oci:busybox
# (umoci), for skopeo to write as an archive for each engine.
oci_image() {
	umoci init --layout "$SUITE_DIR/oci" &&
		umoci new --image "$SUITE_DIR/oci:busybox" &&
		umoci insert --image "$SUITE_DIR/oci:busybox" "$SUITE_DIR/rootfs" / &&
		umoci config --image "$SUITE_DIR/oci:busybox" --config.cmd /bin/sh
}

# wait_until SECONDS CMD... : poll CMD every 0.1 s.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# stop_pid PID : SIGTERM, then SIGKILL after 10 s; waits for it to go.
stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	local i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

# Ends the view and whatever still runs in its mount namespace (all of it
# started by this suite), then removes the suite's cgroups and temp dir.
# CGROUP_PREFIXES: cgroup paths (relative to the v2 root) the engine made.
stop_view() {
	[ -n "${VIEW_PID:-}" ] || return 0
	local ns p
	ns=$(readlink "/proc/$VIEW_PID/ns/mnt" 2>/dev/null)
	if [ -n "$ns" ]; then
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			[ "$p" = "$VIEW_PID" ] && continue
			[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -KILL "$p" 2>/dev/null
		done
	fi
	remove_cgroups
	stop_pid "$VIEW_PID"
	VIEW_PID=
	[ ! -e "$SUITE_DIR/made-run-skiff" ] || rmdir /run/skiff 2>/dev/null || true
}

# The host's v2 hierarchy is /sys/fs/cgroup/unified; inside a view (or on
# a pure v2 host) it is /sys/fs/cgroup.
v2_root() {
	if [ -d /sys/fs/cgroup/unified ]; then echo /sys/fs/cgroup/unified; else echo /sys/fs/cgroup; fi
}

# own_cgroup_parent NAME : the engine puts its containers' cgroups under
# NAME (podman: libpod_parent, ctr: default, docker: docker).  If NAME does
# not exist yet it is this suite's, and teardown_file removes whatever is
# left under it.
own_cgroup_parent() {
	[ -e "$(v2_root)/$1" ] && return 0
	CGROUP_PREFIXES="${CGROUP_PREFIXES:-} $1"
	export CGROUP_PREFIXES
}

# Removes (deepest first) the cgroups in CGROUP_PREFIXES, killing what is
# left in them.
remove_cgroups() {
	local base pfx d
	base=$(v2_root)
	for pfx in ${CGROUP_PREFIXES:-}; do
		[ -d "$base/$pfx" ] || continue
		find "$base/$pfx" -depth -type d 2>/dev/null | while read -r d; do
			[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
			rmdir "$d" 2>/dev/null || { sleep 0.2; rmdir "$d" 2>/dev/null; }
		done
	done
	return 0
}

# Removes the suite dir, unmounting whatever an engine left mounted in it
# on the host (overlay, shm, netns bind mounts).
remove_suite_dir() {
	[ -n "${SUITE_DIR:-}" ] && [ -d "$SUITE_DIR" ] || return 0
	local m
	grep -F " $SUITE_DIR" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$SUITE_DIR" 2>/dev/null || { chattr -R -i "$SUITE_DIR" 2>/dev/null; rm -rf "$SUITE_DIR"; }
}

# Prints, after a failed command, the last records of skiff's --log.
show_skiff_log() {
	local f
	for f in "$SUITE_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		tail -n 15 "$f" >&2
	done
}

# expect_status N CMD... : run CMD, assert its exit status.
expect_status() {
	local want=$1
	shift
	run "$@"
	if [ "$status" -ne "$want" ]; then
		echo "expected exit status $want, got $status from: $*" >&2
		echo "$output" >&2
		return 1
	fi
}

# ok CMD... : run CMD, show its output and skiff's log if it fails.
ok() {
	run "$@"
	if [ "$status" -ne 0 ]; then
		echo "failed ($status): $*" >&2
		echo "$output" >&2
		show_skiff_log
		return 1
	fi
}

# Skips a test until skiff implements a command: true if `skiff CMD --help`
# works and the command does not answer "not implemented".
skiff_implements() {
	local out
	out=$("$SKIFF" --root "$SUITE_DIR/probe-root" "$1" probe-nonexistent 2>&1)
	! grep -q 'not implemented' <<<"$out"
}
