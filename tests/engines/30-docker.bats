#!/usr/bin/env bats
# docker 20.10 (Debian's docker.io; its client is /usr/bin/docker, a newer
# one may sit earlier in PATH) with skiff added as a runtime and made the
# default in daemon.json, as the README says ("runtimes", "default-runtime").

load helpers

DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker
IMAGE=skiff-busybox:test

d() {
	v env DOCKER_CONFIG="$SUITE_DIR/cfg" "$DOCKER" -H "unix://$SUITE_DIR/docker.sock" "$@"
}

setup_file() {
	engine_missing "$DOCKERD" "$DOCKER" /usr/bin/umoci /usr/bin/skopeo && return 0
	suite_dir docker
	own_cgroup_parent docker
	local s=$SUITE_DIR
	# without deprecated-key-path dockerd writes /etc/docker/key.json
	cat >"$s/daemon.json" <<EOF
{"deprecated-key-path": "$s/key.json",
 "runtimes": {"skiff": {"path": "$SKIFF"}},
 "default-runtime": "skiff"}
EOF
	start_view
	start_daemon dockerd "$DOCKERD" --config-file "$s/daemon.json" --data-root "$s/data" \
		--exec-root "$s/exec" --pidfile "$s/docker.pidfile" -H "unix://$s/docker.sock" \
		--iptables=false --bridge=none
	wait_until 60 test -S "$s/docker.sock" || return 0
	{ oci_image && skopeo copy "oci:$s/oci:busybox" "docker-archive:$s/busybox.tar:$IMAGE" &&
		d load -i "$s/busybox.tar"; } >"$s/image.log" 2>&1
}

teardown_file() {
	[ -n "${SUITE_DIR:-}" ] || return 0
	if [ -n "${VIEW_PID:-}" ]; then
		d rm -f $(d ps -aq 2>/dev/null) >/dev/null 2>&1
		d rmi -f "$IMAGE" >/dev/null 2>&1
	fi
	# dockerd stops its own containerd
	stop_pid "$(cat "$SUITE_DIR/dockerd.pid" 2>/dev/null)"
	stop_view
	remove_suite_dir
}

setup() {
	need_engine docker.io "$DOCKERD" "$DOCKER"
	need_engine umoci /usr/bin/umoci
	need_engine skopeo /usr/bin/skopeo
	if ! d images -q "$IMAGE" 2>/dev/null | grep -q .; then
		echo "dockerd or the image did not come up:" >&2
		show_skiff_log
		return 1
	fi
}

teardown() {
	[ -n "${VIEW_PID:-}" ] || return 0
	local ids
	ids=$(d ps -aq 2>/dev/null)
	[ -z "$ids" ] || d rm -f $ids >/dev/null 2>&1
	return 0
}

@test "docker: skiff is the default runtime and reports its version" {
	ok d info --format '{{.DefaultRuntime}}'
	[ "$output" = skiff ]
}

@test "docker: run --rm prints output and propagates the exit code" {
	expect_status 3 d run --rm "$IMAGE" sh -c 'echo hello-docker; exit 3'
	[[ "$output" == *hello-docker* ]]
	ok d ps -aq
	[ -z "$output" ]
}

@test "docker: run -d, exec, stop, rm" {
	ok d run -d --name c1 "$IMAGE" sleep 1000
	ok d ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"c1 Up"* ]]
	expect_status 6 d exec c1 sh -c 'echo in-exec; exit 6'
	[[ "$output" == *in-exec* ]]
	# sleep as pid 1 ignores SIGTERM: SIGKILL after -t
	ok d stop -t 1 c1
	ok d inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1
	[ "$output" = "exited 137" ]
	ok d rm c1
	ok d ps -aq
	[ -z "$output" ]
}

@test "docker: nothing of skiff's is left" {
	# the shim's --root: EXEC-ROOT/runtime-NAME/moby
	local roots=("$SUITE_DIR"/exec/runtime-*/moby)
	[ -d "${roots[0]}" ]
	ok "$SKIFF" --root "${roots[0]}" list -q
	[ -z "$output" ]
	[ ! -e "$(v2_root)/docker" ] || [ -z "$(find "$(v2_root)/docker" -mindepth 1 -type d)" ]
}
