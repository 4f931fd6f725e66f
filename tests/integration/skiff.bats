#!/usr/bin/env bats
# Features only skiff has; skipped when RUNTIME is another runtime.

load helpers
bats_require_minimum_version 1.5.0

@test "skiff: --version prints version, commit and spec" {
	skiff_only
	run "$RUNTIME" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^skiff\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" =~ ^commit:\ [^[:space:]]+ ]]
	[ "${lines[2]}" = "spec: 1.3.0" ]
}

@test "skiff: spec then check in a fresh directory" {
	skiff_only
	local d="$TEST_DIR/fresh"
	mkdir -p "$d/rootfs"
	cd "$d"
	run "$RUNTIME" spec
	[ "$status" -eq 0 ]
	run "$RUNTIME" check --bundle .
	[ "$status" -eq 0 ]
	# and check rejects a broken config, naming the field
	cfg_at() { BUNDLE="$d" cfg "$1"; }
	cfg_at 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]'
	run "$RUNTIME" check --bundle .
	[ "$status" -ne 0 ]
	[[ "$output" == *RLIMIT_NOPE* ]]
}

# A second state dir copied from a real container's, with the init pid
# pointed at a process that has exited: list and state must call it stopped.
@test "skiff: list and state read hand-made state dirs" {
	skiff_only
	set_args sleep 100
	start_container "$ID"
	local other="$ID-copy" gone
	sleep 0 &
	gone=$!
	wait "$gone"
	cp -a "$ROOT/$ID" "$ROOT/$other"
	rm -f "$ROOT/$other/exec.fifo"
	IDS+=("$other")
	"$PYTHON" - "$ROOT/$other/state.json" "$other" "$gone" <<'EOF'
import json, sys
path, new_id, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(path))
d["id"] = new_id
d["pid"] = pid
# the copy must not claim the original's cgroups
for k in ("cgroup_path", "cgroupPath", "cgroup_created", "cgroupCreated"):
    if k in d:
        d[k] = [] if isinstance(d[k], list) else ""
json.dump(d, open(path, "w"))
EOF
	run rt list
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^$ID[[:space:]]+[0-9]+[[:space:]]+running"
	echo "$output" | grep -E "^$other[[:space:]]+[0-9]+[[:space:]]+stopped"
	run rt list --format json
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -c 'import json, sys
ids = {c["id"]: c["status"] for c in json.load(sys.stdin)}
assert ids == {sys.argv[1]: "running", sys.argv[2]: "stopped"}, ids' "$ID" "$other"
	[ "$(container_status "$other")" = "stopped" ]
	run rt delete "$other"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$other" ]
	# the original is untouched
	[ "$(container_status "$ID")" = "running" ]
}

@test "skiff: list of an empty or missing root" {
	skiff_only
	run "$RUNTIME" --root "$TEST_DIR/none" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	rm -rf "$TEST_DIR/none"
}

@test "skiff: --timings prints a step timeline to stderr" {
	skiff_only
	run --separate-stderr "$RUNTIME" --root "$ROOT" --timings run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	# a header, then one line per step with its time
	[[ "$stderr" == *timings* ]]
	local steps
	steps=$(echo "$stderr" | grep -v timings | grep -cE '[0-9]+')
	[ "$steps" -ge 3 ]
	# each step marked where it ends, the init's own steps (recorded in
	# skiff's memory, or shipped with Ready) between the parent's, in order
	local names
	names=$(echo "$stderr" | sed -nE 's/^ *[0-9.]+ +\+ *[0-9.]+ +//p' | tr '\n' '|')
	echo "$names"
	[[ "$names" == "start|config parsed|"*"|cgroup|clone3|init recorded|child: cloned|"*"|init ready|started|exited|deleted|" ]]
	# and nothing of it on stdout, nor without the flag
	[ -z "$output" ]
	run --separate-stderr "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "skiff: rlimit above the hard limit names the rlimit" {
	skiff_only
	cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_MEMLOCK", "soft": 1099511627776, "hard": 1099511627776}]'
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *RLIMIT_MEMLOCK* ]]
}

# SKIFF_FAILPOINT=<step> makes that step of the start path fail; whatever
# was made before it must be unwound (teardown checks mounts and processes).
failpoint_leaves_nothing() {
	skiff_only
	"$RUNTIME" --version | grep -qx 'failpoints: compiled in (test build)' ||
		skip "$RUNTIME is a release build (no failpoints compiled in)"
	set_args sleep 100
	mkdir -p "$TEST_DIR/share"
	cfg "c['mounts'].append({'destination': '/share', 'type': 'bind', 'source': '$TEST_DIR/share', 'options': ['rbind']})"
	SKIFF_FAILPOINT="$1" rt_bg create --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$1"* ]]
	[ ! -e "$ROOT/$ID" ]
	[ -z "$(procs_mentioning "$TEST_DIR")" ]
	[ -z "$(mounts_under "$TEST_DIR")" ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	# the same bundle still works without the failpoint
	IDS+=("$ID-after")
	set_args true
	rt_bg run --bundle "$BUNDLE" "$ID-after"
	[ "$status" -eq 0 ]
}

@test "skiff: failpoint after-state-dir leaves nothing" {
	failpoint_leaves_nothing after-state-dir
}

@test "skiff: failpoint after-clone leaves nothing" {
	failpoint_leaves_nothing after-clone
}

@test "skiff: failpoint before-pivot leaves nothing" {
	failpoint_leaves_nothing before-pivot
}

@test "skiff: failpoint before-exec-wait leaves nothing" {
	failpoint_leaves_nothing before-exec-wait
}

# #12.9: failpoints exist in test builds only (-Dfailpoints=true, set by
# tests/run).  The known names, from the one table in the source.
failpoint_names() {
	sed -n 's/^    "\([a-z-]*\)",.*/\1/p' "$REPO_ROOT/runtime/common/failpoint.hpp"
}

@test "skiff: a test build refuses an unknown SKIFF_FAILPOINT, listing the known ones" {
	skiff_only
	"$RUNTIME" --version | grep -qx 'failpoints: compiled in (test build)' ||
		skip "$RUNTIME is a release build (no failpoints compiled in)"
	[ "$(failpoint_names | wc -l)" -ge 5 ]
	SKIFF_FAILPOINT=after-clnoe rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'SKIFF_FAILPOINT="after-clnoe": unknown failpoint'* ]]
	local n
	for n in $(failpoint_names); do [[ "$output" == *"$n"* ]]; done
	[ ! -e "$ROOT/$ID" ]
}

# A release build: $RUNTIME when it is one, else $SKIFF_RELEASE_RUNTIME or
# build-rel/ (meson setup build-rel && ninja -C build-rel).
@test "skiff: a release build ignores SKIFF_FAILPOINT and carries no failpoint" {
	skiff_only
	local rel= c
	for c in "$RUNTIME" "${SKIFF_RELEASE_RUNTIME:-}" "$REPO_ROOT/build-rel/runtime/skiff"; do
		[ -n "$c" ] && [ -x "$(command -v "$c")" ] || continue
		"$c" --version | grep -q '^failpoints:' && continue
		rel=$(command -v "$c")
		break
	done
	[ -n "$rel" ] || skip "no release build: set SKIFF_RELEASE_RUNTIME, or meson setup build-rel && ninja -C build-rel"
	# none of the failpoint names is even in the binary
	local n
	for n in $(failpoint_names); do not grep -qa -- "$n" "$rel"; done
	# every failpoint, and an unknown name, are ignored: the container runs
	for n in $(failpoint_names) no-such-failpoint; do
		status=0
		output=$(SKIFF_FAILPOINT="$n" "$rel" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null 2>&1 3>&-) || status=$?
		[ "$status" -eq 0 ] || { echo "SKIFF_FAILPOINT=$n: $status $output"; return 1; }
	done
	[ ! -e "$ROOT/$ID" ]
}
