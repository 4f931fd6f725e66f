#!/usr/bin/env bats
# containerd 1.6 + ctr, through the io.containerd.runc.v2 shim (the shim
# Kubernetes uses through containerd's CRI plugin), with skiff as the runc
# binary: `ctr run --runc-binary SKIFF --runc-root DIR`.

load helpers

CONTAINERD=/usr/bin/containerd
CTR=/usr/bin/ctr
IMAGE=docker.io/library/skiff-busybox:test

c() {
	v "$CTR" -a "$SUITE_DIR/containerd.sock" "$@"
}

# ctr's default cpu shares (1024) ask for cpu.weight, and the cpu
# controller is not in this host's v2 hierarchy.
crun_opts() {
	echo --runc-binary "$SKIFF" --runc-root "$SUITE_DIR/runc-root" --cpu-shares 0
}

setup_file() {
	engine_missing "$CONTAINERD" "$CTR" /usr/bin/umoci /usr/bin/skopeo && return 0
	suite_dir containerd
	own_cgroup_parent default
	local s=$SUITE_DIR
	containerd_conf "$s" >"$s/config.toml"
	start_view
	start_daemon containerd "$CONTAINERD" --config "$s/config.toml"
	wait_until 30 test -S "$s/containerd.sock" || return 0
	{ oci_image && skopeo copy "oci:$s/oci:busybox" "docker-archive:$s/busybox.tar:skiff-busybox:test" &&
		c image import "$s/busybox.tar"; } >"$s/image.log" 2>&1
}

teardown_file() {
	[ -n "${SUITE_DIR:-}" ] || return 0
	if [ -n "${VIEW_PID:-}" ]; then
		local t
		for t in $(c task ls -q 2>/dev/null); do c task kill -s SIGKILL "$t" >/dev/null 2>&1; done
		sleep 0.5
		for t in $(c task ls -q 2>/dev/null); do c task delete -f "$t" >/dev/null 2>&1; done
		for t in $(c container ls -q 2>/dev/null); do c container delete "$t" >/dev/null 2>&1; done
		c image rm "$IMAGE" >/dev/null 2>&1
	fi
	stop_pid "$(cat "$SUITE_DIR/containerd.pid" 2>/dev/null)"
	stop_view
	remove_suite_dir
}

setup() {
	need_engine containerd "$CONTAINERD" "$CTR"
	need_engine umoci /usr/bin/umoci
	need_engine skopeo /usr/bin/skopeo
	if ! c images ls -q 2>/dev/null | grep -q skiff-busybox; then
		echo "containerd or the image did not come up:" >&2
		show_skiff_log
		return 1
	fi
	ID="skiffeng-$BATS_TEST_NUMBER-$RANDOM"
}

teardown() {
	[ -n "${ID:-}" ] || return 0
	c task kill -s SIGKILL "$ID" >/dev/null 2>&1
	c task delete -f "$ID" >/dev/null 2>&1
	c container delete "$ID" >/dev/null 2>&1
	return 0
}

@test "ctr: run to completion returns the exit code" {
	expect_status 3 c run --rm $(crun_opts) "$IMAGE" "$ID" sh -c 'echo hello-ctr; exit 3'
	[[ "$output" == *hello-ctr* ]]
	ok c container ls -q
	! grep -q "$ID" <<<"$output"
}

@test "ctr: run -d, task exec, kill, delete" {
	ok c run -d $(crun_opts) "$IMAGE" "$ID" sleep 1000
	ok c task ls
	[[ "$output" =~ $ID\ +[0-9]+\ +RUNNING ]]
	expect_status 5 c task exec --exec-id e1 "$ID" sh -c 'echo in-exec; exit 5'
	[[ "$output" == *in-exec* ]]
	ok c task kill -s SIGKILL "$ID"
	wait_until 10 sh -c "nsenter -m -t $VIEW_PID $CTR -a $SUITE_DIR/containerd.sock task ls | grep -q '$ID .*STOPPED'"
	ok c task delete "$ID"
	ok c container delete "$ID"
	[ ! -e "$SUITE_DIR/runc-root/default/$ID" ]
}

@test "ctr: task kill with SIGTERM ends a process that handles it" {
	ok c run -d $(crun_opts) "$IMAGE" "$ID" sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
	ok c task kill "$ID"
	wait_until 10 sh -c "nsenter -m -t $VIEW_PID $CTR -a $SUITE_DIR/containerd.sock task ls | grep -q '$ID .*STOPPED'"
	ok c task delete "$ID"
}

@test "ctr: task ps" {
	skiff_implements ps || skip "skiff ps is not implemented yet"
	ok c run -d $(crun_opts) "$IMAGE" "$ID" sleep 1000
	ok c task ps "$ID"
	[[ "$output" =~ [0-9]+ ]]
}

@test "ctr: task pause and resume" {
	skiff_implements pause || skip "skiff pause is not implemented yet"
	ok c run -d $(crun_opts) "$IMAGE" "$ID" sleep 1000
	ok c task pause "$ID"
	ok c task ls
	[[ "$output" =~ $ID\ +[0-9]+\ +PAUSED ]]
	ok c task resume "$ID"
	ok c task ls
	[[ "$output" =~ $ID\ +[0-9]+\ +RUNNING ]]
}

@test "ctr: nothing of skiff's is left" {
	ok "$SKIFF" --root "$SUITE_DIR/runc-root/default" list -q
	[ -z "$output" ]
	[ ! -e "$(v2_root)/default" ] || [ -z "$(find "$(v2_root)/default" -mindepth 1 -type d)" ]
}
