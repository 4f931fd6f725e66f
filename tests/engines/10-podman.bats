#!/usr/bin/env bats
# podman 4.3 + conmon (rootful) with skiff as its OCI runtime, configured the
# way the README tells a user: containers.conf [engine.runtimes].

load helpers

PODMAN=/usr/bin/podman
CONMON=/usr/bin/conmon
IMAGE=localhost/skiff-busybox:test

pm() {
	v "$PODMAN" --root "$SUITE_DIR/storage" --runroot "$SUITE_DIR/run" "$@"
}

setup_file() {
	engine_missing "$PODMAN" "$CONMON" && return 0
	suite_dir podman
	# the pod's infra command: podman passes --infra-command as one argv word
	printf '#!/bin/sh\nexec sleep 100000\n' >"$SUITE_DIR/rootfs/bin/pause"
	chmod 755 "$SUITE_DIR/rootfs/bin/pause"
	podman_conf skiff "skiff=$SKIFF" >"$SUITE_DIR/containers.conf"
	export CONTAINERS_CONF="$SUITE_DIR/containers.conf"
	start_view
	tar -C "$SUITE_DIR/rootfs" -cf "$SUITE_DIR/rootfs.tar" .
	pm import --change CMD=/bin/sh "$SUITE_DIR/rootfs.tar" "$IMAGE" >"$SUITE_DIR/import.log" 2>&1
}

teardown_file() {
	[ -n "${SUITE_DIR:-}" ] || return 0
	if [ -n "${VIEW_PID:-}" ]; then
		pm pod rm -a -f -t 0 >/dev/null 2>&1
		pm rm -a -f -t 0 >/dev/null 2>&1
		pm rmi -a -f >/dev/null 2>&1
	fi
	# podman's containers live under libpod_parent (the pod's cgroup and
	# conmon's too); only this suite uses podman's cgroupfs parent here.
	CGROUP_PREFIXES="libpod_parent" stop_view
	remove_suite_dir
}

setup() {
	need_engine podman "$PODMAN" "$CONMON"
	[ -n "${VIEW_PID:-}" ] && kill -0 "$VIEW_PID" || {
		echo "setup_file failed: $(cat "$SUITE_DIR/import.log" 2>/dev/null)" >&2
		return 1
	}
}

teardown() {
	[ -n "${VIEW_PID:-}" ] || return 0
	pm pod rm -a -f -t 0 >/dev/null 2>&1
	pm rm -a -f -t 0 >/dev/null 2>&1
	return 0
}

@test "podman: the runtime is skiff" {
	ok pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}'
	[[ "$output" == "skiff skiff version"* ]]
}

@test "podman: run --rm prints output and propagates the exit code" {
	expect_status 3 pm run --rm "$IMAGE" sh -c 'echo hello-podman; exit 3'
	[[ "$output" == *hello-podman* ]]
	# and the container is gone
	ok pm ps -a -q
	[ -z "$output" ]
}

@test "podman: run -d, ps, logs, exec, stop, rm" {
	ok pm run -d --name c1 "$IMAGE" sh -c 'echo started; exec sleep 1000'
	ok pm ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"c1 Up"* ]]
	wait_until 10 sh -c "nsenter -m -t $VIEW_PID $PODMAN --root $SUITE_DIR/storage --runroot $SUITE_DIR/run logs c1 | grep -q started"
	expect_status 4 pm exec c1 sh -c 'echo in-exec; exit 4'
	[[ "$output" == *in-exec* ]]
	# sleep as pid 1 ignores SIGTERM: stop falls back to SIGKILL after -t
	local t0=$SECONDS
	ok pm stop -t 1 c1
	[ $((SECONDS - t0)) -ge 1 ]
	ok pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1
	[ "$output" = "exited 137" ]
	ok pm rm c1
	ok pm ps -a -q
	[ -z "$output" ]
}

@test "podman: stop of a process that handles SIGTERM is prompt" {
	ok pm run -d --name c1 "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	local t0=$SECONDS
	ok pm stop -t 20 c1
	[ $((SECONDS - t0)) -lt 10 ]
	ok pm inspect --format '{{.State.ExitCode}}' c1
	[ "$output" = 7 ]
}

@test "podman: exec -it runs through a pty" {
	ok pm run -d --name c1 "$IMAGE" sleep 1000
	# script(1) gives podman a terminal on stdin
	run v script -qec "$PODMAN --root $SUITE_DIR/storage --runroot $SUITE_DIR/run exec -it c1 sh -c 'tty; exit 5'" /dev/null
	[ "$status" -eq 5 ] || { echo "$output" >&2; return 1; }
	[[ "$output" == */dev/pts/* ]]
}

@test "podman: top lists the container's processes" {
	ok pm run -d --name c1 "$IMAGE" sleep 1000
	ok pm top c1
	[[ "$output" == *"sleep 1000"* ]]
}

@test "podman: pause and unpause" {
	skiff_implements pause || skip "skiff pause is not implemented yet"
	ok pm run -d --name c1 "$IMAGE" sleep 1000
	ok pm pause c1
	ok pm inspect --format '{{.State.Status}}' c1
	[ "$output" = paused ]
	ok pm unpause c1
	ok pm inspect --format '{{.State.Status}}' c1
	[ "$output" = running ]
	ok pm exec c1 true
}

@test "podman: --read-only root" {
	ok pm run --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1; echo rc=$?'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
}

@test "podman: --cap-drop" {
	ok pm run --rm --cap-drop=all "$IMAGE" grep CapEff /proc/self/status
	[[ "$output" == *"0000000000000000"* ]]
	# CAP_CHOWN (bit 0) is in podman's default set; dropped, chown fails
	expect_status 1 pm run --rm --cap-drop=chown "$IMAGE" chown 65534 /tmp
}

@test "podman: --user" {
	ok pm run --rm --user 65534:65534 "$IMAGE" id
	[[ "$output" == "uid=65534(nobody) gid=65534(nobody)"* ]]
}

@test "podman: -v bind mount both ways" {
	mkdir -p "$SUITE_DIR/bind"
	echo from-host >"$SUITE_DIR/bind/in"
	ok pm run --rm -v "$SUITE_DIR/bind:/mnt/b" "$IMAGE" sh -c 'cat /mnt/b/in; echo from-ctr >/mnt/b/out'
	[[ "$output" == *from-host* ]]
	[ "$(cat "$SUITE_DIR/bind/out")" = from-ctr ]
}

@test "podman: --tmpfs" {
	ok pm run --rm --tmpfs /scratch:size=1m "$IMAGE" grep ' /scratch ' /proc/mounts
	[[ "$output" == "tmpfs /scratch tmpfs "*size=1024k* ]]
}

@test "podman: --tmpfs /etc starts with the image's /etc (tmpcopyup)" {
	# podman passes tmpcopyup for --tmpfs; the image's files are copied in
	ok pm run --rm --tmpfs /etc "$IMAGE" sh -c 'grep " /etc " /proc/mounts; head -n1 /etc/passwd; cat /etc/group; echo x >/etc/new && echo writable'
	[[ "$output" == *"tmpfs /etc tmpfs"* ]]
	[[ "$output" == *"root:x:0:0:root:/root:/bin/sh"* ]]
	[[ "$output" == *"nobody:x:65534:"* ]]
	[[ "$output" == *writable* ]]
	# notmpcopyup: podman leaves the option out, and the tmpfs starts empty
	ok pm run --rm --tmpfs /etc:notmpcopyup "$IMAGE" sh -c 'cat /etc/passwd 2>/dev/null || echo no-passwd'
	[[ "$output" == *no-passwd* ]]
}

@test "podman: --init runs podman-init as pid 1" {
	ok pm run --rm --init "$IMAGE" cat /proc/1/cmdline
	[[ "$output" == *podman-init* ]]
}

@test "podman: --security-opt seccomp profile denies a syscall" {
	cat >"$SUITE_DIR/seccomp.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
	ok pm run --rm --security-opt "seccomp=$SUITE_DIR/seccomp.json" "$IMAGE" sh -c 'mkdir /tmp/d 2>&1; echo rc=$?'
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *rc=1* ]]
}

@test "podman: a pod's containers share the infra container's network namespace" {
	# --share-parent=false: podman denies all devices on a pod's own cgroup
	# in a v2 hierarchy, which makes every runtime's /dev/null fail (runc too)
	ok pm pod create --share-parent=false --name p1 --infra-image "$IMAGE" --infra-command /bin/pause
	ok pm pod start p1
	ok pm run -d --name pc1 --pod p1 "$IMAGE" sleep 1000
	ok pm exec pc1 readlink /proc/self/ns/net
	local a=$output
	ok pm run --rm --pod p1 "$IMAGE" readlink /proc/self/ns/net
	[ "$output" = "$a" ]
	ok pm run --rm "$IMAGE" readlink /proc/self/ns/net
	[ "$output" != "$a" ]
	ok pm pod rm -f -t 0 p1
}

@test "podman: nothing of skiff's is left" {
	ok pm ps -a -q
	[ -z "$output" ]
	ok v "$SKIFF" list --format json
	! grep -q "$SUITE_DIR" <<<"$output"
}
