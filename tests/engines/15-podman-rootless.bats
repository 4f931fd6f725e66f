#!/usr/bin/env bats
# Rootless podman: an unprivileged user runs containers through
# skiff with podman's defaults, configured in the user's own
# ~/.config/containers.  setup_file creates the user (with /etc/subuid and
# /etc/subgid ranges), teardown_file removes it with everything it ran.
#
# The host is hybrid and an unprivileged user cannot mount a cgroup2 view,
# so podman runs without cgroups (cgroup_manager cgroupfs on v1); pids_limit
# 0 keeps it from asking for the pids controller, which skiff would refuse
# rather than drop.

load helpers

PODMAN=/usr/bin/podman
CONMON=/usr/bin/conmon
IMAGE=localhost/skiff-busybox:rootless

setup_file() {
	engine_missing "$PODMAN" "$CONMON" && return 0
	command -v setpriv >/dev/null || return 0
	suite_dir podman-rootless
	export PR_USER="skiffpr$$"
	useradd -m -s /bin/sh "$PR_USER"
	grep -q "^$PR_USER:" /etc/subuid ||
		usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$PR_USER"
	export PR_UID PR_GID PR_HOME
	PR_UID=$(id -u "$PR_USER")
	PR_GID=$(id -g "$PR_USER")
	PR_HOME=$(getent passwd "$PR_USER" | cut -d: -f6)
	# skiff where the user can reach it
	cp "$SKIFF" "$SUITE_DIR/skiff"
	chmod 755 "$SUITE_DIR/skiff"
	mkdir -m 700 "$SUITE_DIR/xdg"
	chown "$PR_UID:$PR_GID" "$SUITE_DIR/xdg"
	mkdir -p "$PR_HOME/.config/containers"
	podman_conf skiff "skiff=$SUITE_DIR/skiff" >"$PR_HOME/.config/containers/containers.conf"
	printf '[storage]\ndriver = "vfs"\n' >"$PR_HOME/.config/containers/storage.conf"
	chown -R "$PR_UID:$PR_GID" "$PR_HOME/.config"
	tar -C "$SUITE_DIR/rootfs" -cf "$SUITE_DIR/rootfs.tar" .
	chmod 644 "$SUITE_DIR/rootfs.tar"
	upm import --change CMD=/bin/sh "$SUITE_DIR/rootfs.tar" "$IMAGE" >"$SUITE_DIR/import.log" 2>&1
}

teardown_file() {
	if [ -n "${PR_USER:-}" ] && id "$PR_USER" >/dev/null 2>&1; then
		upm rm -a -f -t 0 >/dev/null 2>&1
		# conmon, podman's pause process: all the user's, all started here
		pkill -KILL -u "$PR_UID" 2>/dev/null
		local i
		for i in $(seq 20); do
			pgrep -u "$PR_UID" >/dev/null || break
			sleep 0.1
		done
		# vfs layers hold files owned by the user's subordinate ids
		rm -rf --one-file-system "${PR_HOME:?}"
		userdel -f "$PR_USER" 2>/dev/null
		local f
		for f in /etc/subuid /etc/subgid; do
			grep -q "^$PR_USER:" "$f" && sed -i "/^$PR_USER:/d" "$f"
		done
	fi
	remove_suite_dir
}

# upm ARGS: podman as the user, with the user's environment only
upm() {
	setpriv --reuid="$PR_UID" --regid="$PR_GID" --init-groups -- \
		env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$PR_HOME" USER="$PR_USER" \
		LOGNAME="$PR_USER" XDG_RUNTIME_DIR="$SUITE_DIR/xdg" \
		sh -c 'cd "$HOME" && exec "$@"' sh "$PODMAN" "$@"
}

setup() {
	need_engine podman "$PODMAN" "$CONMON"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	[ -n "${PR_USER:-}" ] && upm image exists "$IMAGE" || {
		echo "setup_file failed: $(cat "$SUITE_DIR/import.log" 2>/dev/null)" >&2
		return 1
	}
}

teardown() {
	upm rm -a -f -t 0 >/dev/null 2>&1
	return 0
}

@test "podman rootless: the runtime is skiff" {
	ok upm info --format '{{.Host.OCIRuntime.Path}} {{.Host.Security.Rootless}}'
	[ "$output" = "$SUITE_DIR/skiff true" ]
}

@test "podman rootless: run --rm maps root to the user and propagates the exit code" {
	expect_status 5 upm run --rm "$IMAGE" sh -c 'id -u; cat /proc/self/uid_map; exit 5'
	echo "$output"
	[ "$(echo "$output" | sed -n 1p)" = 0 ]
	echo "$output" | grep -Eq "^ *0 +$PR_UID +1\$"
}

@test "podman rootless: run -d, exec into the container's pid namespace, stop, rm" {
	ok upm run -d --name c1 "$IMAGE" sleep 1000
	expect_status 4 upm exec c1 sh -c 'echo pid=$$; tr "\0" " " </proc/1/cmdline; echo; exit 4'
	echo "$output"
	[[ "$output" == *"sleep 1000 "* ]]
	[[ "$output" != *"pid=1"* ]]
	# the host sees the container's init as a process of the user
	ok upm inspect --format '{{.State.Pid}}' c1
	[ "$(stat -c %u "/proc/$output")" = "$PR_UID" ]
	ok upm rm -f -t 0 c1
	ok upm ps -a -q
	[ -z "$output" ]
}

@test "podman rootless: a file created in a volume belongs to the user on the host" {
	mkdir "$SUITE_DIR/vol"
	chown "$PR_UID:$PR_GID" "$SUITE_DIR/vol"
	ok upm run --rm -v "$SUITE_DIR/vol:/data" "$IMAGE" touch /data/made-inside
	[ "$(stat -c %u "$SUITE_DIR/vol/made-inside")" = "$PR_UID" ]
}

@test "podman rootless: --tmpfs /etc starts with the image's /etc (tmpcopyup)" {
	ok upm run --rm --tmpfs /etc "$IMAGE" sh -c 'grep " /etc " /proc/mounts; head -n1 /etc/passwd; stat -c %u /etc/passwd'
	echo "$output"
	[[ "$output" == *"tmpfs /etc tmpfs"* ]]
	[[ "$output" == *"root:x:0:0:root:/root:/bin/sh"* ]]
	[ "$(echo "$output" | tail -n1)" = 0 ]
}
