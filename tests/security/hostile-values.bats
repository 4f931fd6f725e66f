#!/usr/bin/env bats
# Hostile values in config.json and on the command line: each must fail
# create with a message naming the field (its JSON path) or the id rule, and
# leave nothing behind (no state dir, no cgroup, no process, no mount: the
# teardown checks the last three).

load helpers

# fails_naming WORDS...: create failed, the message holds every WORD, and no
# state is left under --root
fails_naming() {
	echo "status $status: ${output:0:300}"
	[ "$status" -ne 0 ]
	local w
	for w in "$@"; do [[ "$output" == *"$w"* ]] || { echo "missing: $w"; return 1; }; done
	[ -z "$(ls -A "$ROOT" 2>/dev/null | grep -vx .cache)" ]
}

@test "hostile: a 50 MB hostname fails naming the field and the limit" {
	cfg 'c["hostname"] = "h" * (50 << 20)'
	rt_bg create --bundle "$BUNDLE" "$ID"
	fails_naming hostname
	if is_skiff; then
		[[ "$output" == *"longer than 64 bytes"* ]]
		# the message does not carry the value itself
		[ "${#output}" -lt 1000 ]
	fi
}

@test "hostile: a 65-byte domainname fails, a 64-byte hostname works" {
	cfg 'c["domainname"] = "d" * 65'
	rt_bg create --bundle "$BUNDLE" "$ID"
	fails_naming domainname
	cfg 'del c["domainname"]
c["hostname"] = "h" * 64'
	set_args hostname
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'h%.0s' $(seq 64))" ]
}

@test "hostile: a hostname with a NUL is rejected, not truncated" {
	cfg 'c["hostname"] = "box\u0000evil"'
	grep -q 'box\\u0000evil' "$BUNDLE/config.json"
	rt_bg create --bundle "$BUNDLE" "$ID"
	fails_naming hostname
	if is_skiff; then
		[[ "$output" == *"NUL"* ]]
	fi
}

@test "hostile: a NUL in process.args is rejected" {
	cfg 'c["process"]["args"] = ["echo", "visible\u0000hidden"]'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if is_skiff; then
		fails_naming "process.args[1]" NUL
	fi
}

@test "hostile: two process objects are a duplicate key, not a silent choice" {
	# the first "process" runs `echo first`, the second the bundle's `true`
	"$PYTHON" - "$BUNDLE/config.json" <<'PY'
import json, sys
p = sys.argv[1]
text = open(p).read()
first = json.dumps({"args": ["echo", "first"], "cwd": "/"})
open(p, "w").write('{\n"process": ' + first + ',' + text.lstrip()[1:])
PY
	[ "$(grep -c '"process"' "$BUNDLE/config.json")" -eq 2 ]
	rt_bg create --bundle "$BUNDLE" "$ID"
	fails_naming process
	if is_skiff; then
		[[ "$output" == *"process: duplicate key (line"* ]]
	fi
}

@test "hostile: a duplicate key deep inside is rejected with its path" {
	skiff_only
	"$PYTHON" - "$BUNDLE/config.json" <<'PY'
import sys
p = sys.argv[1]
text = open(p).read()
open(p, "w").write(text.replace('"uid": 0,', '"uid": 0, "uid": 0,', 1))
PY
	grep -q '"uid": 0, "uid": 0' "$BUNDLE/config.json"
	rt_bg create --bundle "$BUNDLE" "$ID"
	fails_naming "process.user.uid: duplicate key (line"
}

@test "hostile: a 256-character id fails with the id rule, 255 works" {
	local long
	long=$(printf 'a%.0s' $(seq 256))
	IDS+=("$long")
	rt_bg create --bundle "$BUNDLE" "$long"
	fails_naming
	if is_skiff; then
		[[ "$output" == *"container id"*"255"* ]]
		[[ "$output" != *"File name too long"* ]]
	fi
	[ ! -e "/sys/fs/cgroup/$long" ]
	# the longest id that fits a directory name works end to end
	long=${long:1}
	IDS+=("$long")
	rt_bg run --bundle "$BUNDLE" "$long"
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$long" ]
}

@test "hostile: ids that are paths or hold odd characters are refused" {
	local bad
	for bad in .. . "a/b" "a b" 'a$b' "$(printf 'a\nb')"; do
		rt_bg create --bundle "$BUNDLE" "$bad"
		echo "id '$bad': $output"
		[ "$status" -ne 0 ]
		[ -z "$(ls -A "$ROOT" 2>/dev/null | grep -vx .cache)" ]
	done
}
