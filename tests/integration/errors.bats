#!/usr/bin/env bats
# Failures: bad configs, bad ids, missing pieces.  Each must fail with a
# message that says what is wrong, and leave nothing behind (teardown checks
# mounts and processes; these tests check the state dir).

load helpers

@test "config: malformed JSON fails and leaves no state" {
	printf '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ -n "$output" ]
	[ ! -e "$ROOT/$ID" ]
	if is_skiff; then
		[[ "$output" == *config.json* ]]
	fi
}

@test "config: missing root fails naming the field" {
	cfg 'del c["root"]'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *root* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "config: a wrongly typed field fails naming its JSON path" {
	skiff_only
	cfg 'c["process"]["user"]["uid"] = "zero"'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *process.user.uid* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "config: missing config.json and missing rootfs fail" {
	mv "$BUNDLE/config.json" "$TEST_DIR/config.json.away"
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *config.json* ]]
	[ ! -e "$ROOT/$ID" ]
	mv "$TEST_DIR/config.json.away" "$BUNDLE/config.json"
	cfg 'c["root"]["path"] = "no-such-rootfs"'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "config: a process that cannot be executed fails create or start" {
	set_args /no/such/binary
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == */no/such/binary* ]]
	[ ! -e "$ROOT/$ID" ] || rt delete --force "$ID"
}

@test "ids: path-like and empty ids are rejected" {
	local bad
	for bad in ../x a/b .. . "" "x/../../y"; do
		rt_bg create --bundle "$BUNDLE" "$bad"
		echo "id '$bad': $status $output"
		[ "$status" -ne 0 ]
	done
	# nothing was made beside or inside the root
	[ -z "$(ls -A "$ROOT")" ]
	[ ! -e "$TEST_DIR/x" ]
	[ ! -e "$TEST_DIR/y" ]
}

@test "log: --log FILE --log-format json gets an error line on a failed create" {
	cfg 'del c["root"]'
	run "$RUNTIME" --root "$ROOT" --log "$TEST_DIR/log.json" --log-format json create --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[ -s "$TEST_DIR/log.json" ]
	# the last line is one JSON object with level error and a message
	run "$PYTHON" -c 'import json, sys
line = open(sys.argv[1]).read().splitlines()[-1]
d = json.loads(line)
assert d["level"] == "error", d
assert isinstance(d["msg"], str) and d["msg"], d
print(d["msg"])' "$TEST_DIR/log.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *root* ]]
	[ ! -e "$ROOT/$ID" ]
}

# #13.18: an engine that passes --log reads the runtime's errors from that
# file; one that cannot be opened must fail the command (as runc), naming it.
@test "log: a --log path that cannot be opened fails, naming the path" {
	local bad="$TEST_DIR/no-such-dir/log.json"
	run "$RUNTIME" --root "$ROOT" --log "$bad" list 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"$bad"* ]]
	# and so does a command that would change something: nothing is created
	run "$RUNTIME" --root "$ROOT" --log "$bad" --log-format json create --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"$bad"* ]]
	[ ! -e "$ROOT/$ID" ]
	[ ! -e "$TEST_DIR/no-such-dir" ]
	# a path that can be opened still works
	run "$RUNTIME" --root "$ROOT" --log "$TEST_DIR/log" list 3>&-
	[ "$status" -eq 0 ]
}

@test "cli: unknown command and missing id fail with usage" {
	run rt no-such-command
	[ "$status" -ne 0 ]
	run rt create --bundle "$BUNDLE"
	[ "$status" -ne 0 ]
	run rt state
	[ "$status" -ne 0 ]
}

@test "cli: spec writes a config.json that this runtime can run" {
	rm "$BUNDLE/config.json"
	cd "$BUNDLE"
	run rt spec
	[ "$status" -eq 0 ]
	[ -f "$BUNDLE/config.json" ]
	# spec refuses to overwrite
	run rt spec
	[ "$status" -ne 0 ]
	cfg 'c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "echo spec-ok"]'
	run rt run "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "$output" = "spec-ok" ]
}
