#!/usr/bin/env bats
# CVE-2024-21626 class: a process.cwd (or `exec --cwd`) of /proc/self/fd/N
# must never start the container in a directory of the host that one of the
# runtime's fds still pointed at (the cgroup dir given to clone3, the state
# dir...).  For every N the runtime either refuses or lands inside the
# rootfs, and the host file next to the state dir stays out of reach.

load helpers

# The container's view from its cwd: walk up from it and try the victim
# through every depth, then say where it is.
probe() {
	local v=$1
	echo 'for p in victim-cwd ../victim-cwd ../../victim-cwd ../../../victim-cwd ../../../../victim-cwd \
../../../../../../../../../../..'"$v"'; do cat "$p" 2>/dev/null && echo "ESCAPED via $p"; done
ls -a . 2>/dev/null | grep -E "^(state.json|exec.fifo|cgroup.procs|config.json)$" && echo "ESCAPED: host dir"
echo "cwd-ok"'
}

@test "cwd-fd-leak: process.cwd /proc/self/fd/N (N = 3..12) cannot reach the host" {
	local v n escaped=0
	v=$(victim cwd)
	for n in $(seq 3 12); do
		cfg 'c["process"]["cwd"] = "/proc/self/fd/'"$n"'"'
		set_args sh -c "$(probe "$v")"
		rt_bg run --bundle "$BUNDLE" "$ID-$n"
		IDS+=("$ID-$n")
		echo "fd $n: status $status: $output" | tr "\n" " "; echo
		if [[ "$output" == *ESCAPED* ]]; then escaped=1; fi
		# either refused, or it ran somewhere that is not the host
		[ "$status" -ne 0 ] || [[ "$output" == *cwd-ok* ]]
		rt delete --force "$ID-$n" >/dev/null 2>&1 || true
	done
	[ "$escaped" -eq 0 ]
	victim_intact cwd
}

@test "cwd-fd-leak: exec --cwd /proc/self/fd/N (N = 3..12) cannot reach the host" {
	local v n escaped=0
	v=$(victim cwd)
	start_container "$ID" sleep 60
	for n in $(seq 3 12); do
		rt_bg exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$(probe "$v")"
		echo "fd $n: status $status: $output" | tr "\n" " "; echo
		if [[ "$output" == *ESCAPED* ]]; then escaped=1; fi
		[ "$status" -ne 0 ] || [[ "$output" == *cwd-ok* ]]
	done
	[ "$escaped" -eq 0 ]
	victim_intact cwd
}

@test "cwd-fd-leak: exec --cwd /proc/self/fd/N with --preserve-fds cannot reach the host" {
	local v n escaped=0
	v=$(victim cwd)
	start_container "$ID" sleep 60
	for n in $(seq 3 12); do
		status=0; output=$("$RUNTIME" --root "$ROOT" exec --preserve-fds 1 --cwd "/proc/self/fd/$n" "$ID" sh -c "$(probe "$v")" 3</dev/null 2>&1) || status=$?
		echo "fd $n: status $status: $output" | tr "\n" " "; echo
		if [[ "$output" == *ESCAPED* ]]; then escaped=1; fi
	done
	[ "$escaped" -eq 0 ]
}

@test "cwd-fd-leak: a refused cwd names the step" {
	skiff_only
	cfg 'c["process"]["cwd"] = "/proc/self/fd/12"'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *cwd* ]]
}
