# Shared setup for the integration suite.  Every test gets its own temp dir
# holding a busybox-static bundle and a private --root, a unique container id,
# and a teardown that deletes what the test made and then FAILS the test if
# anything leaked (state dir, mount, process).
#
# RUNTIME selects the runtime under test (default: the built skiff), so the
# suite can be validated against runc: RUNTIME=runc bats tests/integration

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# a test that hangs (a runtime blocked on a lock, a container that never
# starts) fails after this many seconds instead of stalling the run
: "${BATS_TEST_TIMEOUT:=120}"
: "${RUNTIME:=$REPO_ROOT/build/runtime/skiff}"
# Debian's python3: a pyenv shim earlier in PATH may be absent under sudo/CI.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# not CMD...: fails when CMD succeeds.  Unlike `! CMD`, which bats (set -e)
# ignores unless it is a test's last command, it can fail a test anywhere.
not() {
	if "$@"; then
		echo "expected to fail: $*" >&2
		return 1
	fi
}

is_skiff() {
	"$RUNTIME" --version 2>/dev/null | head -n1 | grep -q '^skiff version'
}

# Tests of features only skiff has (--timings, check, failpoints).
skiff_only() {
	is_skiff || skip "skiff-only: $RUNTIME is not skiff"
}

# The rootfs is built once per bats run and copied per test: busybox-static
# with its applets as symlinks to /bin/busybox, and root + nobody accounts.
_rootfs_template() {
	local t="$BATS_RUN_TMPDIR/rootfs-template"
	if [ ! -x "$t/bin/busybox" ]; then
		rm -rf "$t.tmp"
		mkdir -p "$t.tmp"/{bin,etc,tmp,proc,sys,dev,root}
		cp /bin/busybox "$t.tmp/bin/busybox"
		chroot "$t.tmp" /bin/busybox --install -s /bin
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$t.tmp/etc/passwd"
		printf 'root:x:0:\nnobody:x:65534:\n' >"$t.tmp/etc/group"
		chmod 1777 "$t.tmp/tmp"
		mv "$t.tmp" "$t"
	fi
	echo "$t"
}

# `RUNTIME spec` once per run; each test patches its own copy.
_spec_template() {
	local s="$BATS_RUN_TMPDIR/spec"
	if [ ! -f "$s/config.json" ]; then
		mkdir -p "$s"
		(cd "$s" && "$RUNTIME" spec) || return 1
	fi
	echo "$s/config.json"
}

setup_bundle() {
	TEST_DIR=$(mktemp -d /tmp/skiff-it.XXXXXX)
	# a user-namespaced container root must be able to traverse to its bundle
	chmod 755 "$TEST_DIR"
	BUNDLE="$TEST_DIR/bundle"
	ROOTFS="$BUNDLE/rootfs"
	ROOT="$TEST_DIR/root"
	ID="it-${BATS_TEST_NUMBER}-$$-$RANDOM"
	IDS=("$ID")
	BG_PIDS=()
	INIT_PIDS=()
	mkdir -p "$BUNDLE" "$ROOT"
	cp -a "$(_rootfs_template)" "$ROOTFS"
	cp "$(_spec_template)" "$BUNDLE/config.json"
	# Every test starts from: no terminal, args true, a known hostname.
	cfg 'c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
c["hostname"] = "skiffbox"
c["process"]["env"].append("SKIFF_IT_DIR='"$TEST_DIR"'")'
}

# cfg 'PYTHON STATEMENTS' edits $BUNDLE/config.json, loaded as `c`.
cfg() {
	"$PYTHON" - "$BUNDLE/config.json" "$1" <<'EOF'
import json, sys
path, code = sys.argv[1], sys.argv[2]
with open(path) as f:
    c = json.load(f)
exec(code, {"c": c, "json": json})
with open(path, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# set_args ARG... : the container's process.args
set_args() {
	"$PYTHON" - "$BUNDLE/config.json" "$@" <<'EOF'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(path, "w"), indent=1)
EOF
}

# json_get FILE-OR-- KEY : print one top-level key of a JSON document
json_get() {
	"$PYTHON" -c 'import json,sys
try:
    v = json.load(sys.stdin).get(sys.argv[1])
except ValueError:
    v = None
print(v if v is not None else "")' "$1"
}

rt() {
	"$RUNTIME" --root "$ROOT" "$@"
}

# Runs the runtime with the container's stdio on files, not on bats' pipes
# (a container that outlives the command would otherwise hold `run` open), and
# with bats' fd 3 closed.  Sets $status and $output like `run`.
rt_bg() {
	local out="$TEST_DIR/rt.$RANDOM.out"
	status=0
	"$RUNTIME" --root "$ROOT" "$@" </dev/null >"$out" 2>&1 3>&- || status=$?
	output=$(cat "$out")
	rm -f "$out"
}

# create + start a container running ARGS (detached, stdio on files)
start_container() {
	local id="$1"
	shift
	[ "$#" -eq 0 ] || set_args "$@"
	[ "$id" = "$ID" ] || IDS+=("$id")
	rt_bg create --bundle "$BUNDLE" "$id"
	[ "$status" -eq 0 ] || { echo "create $id failed: $output"; return 1; }
	track_pid "$(container_pid "$id")"
	rt_bg start "$id"
	[ "$status" -eq 0 ] || { echo "start $id failed: $output"; return 1; }
}

container_status() {
	rt state "$1" 2>/dev/null | json_get status
}

container_pid() {
	rt state "$1" 2>/dev/null | json_get pid
}

# wait_status ID STATUS [TENTHS]: poll `state` until it reports STATUS
wait_status() {
	local i s
	for ((i = 0; i < ${3:-50}; i++)); do
		s=$(container_status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1: status '$s', expected '$2'"
	return 1
}

# wait_file PATH [TENTHS]
wait_file() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1"
	return 1
}

# Pids of processes whose argv or environment mention STRING: a container's
# process (its env carries SKIFF_IT_DIR) or a runtime process started with
# --root under the test dir.
procs_mentioning() {
	"$PYTHON" - "$1" "$$" <<'EOF'
import os, sys
needle, shell = sys.argv[1].encode(), sys.argv[2]
for pid in os.listdir("/proc"):
    if not pid.isdigit() or pid in (str(os.getpid()), shell):
        continue
    for f in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{f}", "rb") as fh:
                if needle in fh.read():
                    print(pid)
                    break
        except OSError:
            pass
EOF
}

# Mounts whose mount point lies under DIR, from our mount namespace.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# Start time of a process (field 22 of /proc/PID/stat), empty if gone.
proc_start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# fields after "(comm) " start at 3; comm may hold spaces
	stat=${stat##*) }
	echo "$stat" | cut -d' ' -f20
}

# Remember a container's init as PID:STARTTIME, so that teardown can check it
# is gone without mistaking a recycled pid (pid_max is 32768 here) for it.
track_pid() {
	[ -n "$1" ] && INIT_PIDS+=("$1:$(proc_start_time "$1")")
}

# pid_alive PID[:STARTTIME]: running (not a zombie) and, with STARTTIME, the
# same process
pid_alive() {
	local pid=${1%%:*} start=
	[[ "$1" == *:* ]] && start=${1#*:}
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
	grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && return 1
	[ -z "$start" ] || [ "$(proc_start_time "$pid")" = "$start" ]
}

teardown_bundle() {
	local leaks=() id p m i
	[ -n "${TEST_DIR:-}" ] || return 0
	# our own children must not carry the test dir in $PWD
	cd "$BATS_RUN_TMPDIR" || cd /
	# timeout: a hung runtime must fail the test, not hang the suite
	for id in "${IDS[@]}"; do
		timeout 30 "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 3>&- || true
	done
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	# A container's init is gone shortly after delete --force.
	for p in "${INIT_PIDS[@]}"; do
		for ((i = 0; i < 20; i++)); do pid_alive "$p" || break; sleep 0.1; done
		if pid_alive "$p"; then
			leaks+=("process ${p%%:*} still alive")
			kill -KILL "${p%%:*}" 2>/dev/null || true
		fi
	done
	for ((i = 0; i < 20; i++)); do
		p=$(procs_mentioning "$TEST_DIR")
		[ -z "$p" ] && break
		sleep 0.1
	done
	if [ -n "$p" ]; then
		leaks+=("processes left: $(echo $p)")
		kill -KILL $p 2>/dev/null || true
	fi
	# .cache (compiled seccomp programs) outlives containers by design
	if [ -d "$ROOT" ] && [ -n "$(ls -A "$ROOT" 2>/dev/null | grep -vx .cache)" ]; then
		leaks+=("state left in $ROOT: $(ls -A "$ROOT" | grep -vx .cache | tr '\n' ' ')")
		# let the runtime undo what it can (cgroups) before the dir goes
		for id in $(ls -A "$ROOT"); do
			timeout 30 "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 3>&- || true
		done
	fi
	m=$(mounts_under "$TEST_DIR")
	if [ -n "$m" ]; then
		leaks+=("mounts left: $(echo "$m" | tr '\n' ' ')")
		# deepest first, lazily, so the temp dir can be removed
		echo "$m" | sort -r | while read -r p; do umount -l "$p" 2>/dev/null || true; done
	fi
	# --one-file-system: never follow a leaked bind mount into the host
	rm -rf --one-file-system "$TEST_DIR"
	if [ "${#leaks[@]}" -gt 0 ]; then
		printf 'LEAK: %s\n' "${leaks[@]}"
		return 1
	fi
}

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# recvtty: built by meson (build/tests/tools/recvtty); compiled here when the
# runtime under test is not the built tree's (e.g. RUNTIME=runc).
recvtty_bin() {
	local b
	for b in "${RECVTTY:-}" "$REPO_ROOT/build/tests/tools/recvtty"; do
		[ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
	done
	b="$BATS_RUN_TMPDIR/recvtty"
	[ -x "$b" ] || cc -O2 -Wall -o "$b" "$REPO_ROOT/tests/tools/recvtty.c" || return 1
	echo "$b"
}

# CAP_* names -> the hex mask /proc/PID/status prints
cap_mask() {
	"$PYTHON" - "$@" <<'EOF'
import sys
names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
         "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
         "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
         "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
         "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
         "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
         "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
         "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
m = 0
for n in sys.argv[1:]:
    m |= 1 << names.index(n.removeprefix("CAP_"))
print("%016x" % m)
EOF
}

# use_test_cgroup PREFIX: the container's cgroupsPath goes under a parent
# of its own (/PREFIX-ID/ctr), so nothing can collide with the host's
# cgroups.  Skips outside the cgroup v2 view.  Sets CG_BASE, CG, CGDIR.
use_test_cgroup() {
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = "cgroup2fs" ] ||
		skip "needs the cgroup v2 view (tests/run without --host-cgroups)"
	CG_BASE="/$1-$ID"
	CG="$CG_BASE/ctr"
	CGDIR="/sys/fs/cgroup$CG"
	cfg 'c["linux"]["cgroupsPath"] = "'"$CG"'"'
}

# teardown_test_cgroup: fails (LEAK) if the test's cgroup tree is still
# there, after thawing, killing what is inside and removing it depth first
teardown_test_cgroup() {
	local base="/sys/fs/cgroup${CG_BASE:-}"
	[ -n "${CG_BASE:-}" ] && [ -d "$base" ] || return 0
	echo "LEAK: cgroup $base left behind"
	echo 0 >"$base/cgroup.freeze" 2>/dev/null || true
	echo 1 >"$base/cgroup.kill" 2>/dev/null || true
	sleep 0.2
	find "$base" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	return 1
}

# teardown for suites that use_test_cgroup: both leak checks, both cleanups
teardown_bundle_and_cgroup() {
	local leak=
	teardown_bundle || leak=1
	teardown_test_cgroup || leak=1
	[ -z "$leak" ]
}
