#!/usr/bin/env bats
# Runs after every engine file's teardown_file: nothing the suite or skiff
# made may be left on the host.

load helpers

@test "engines: no process, mount, temp dir, state or cgroup is left" {
	local p bad=""
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q '/tmp/skiff-eng-'; then
			bad+="$(tr '\0' ' ' <"$p/cmdline") "
		fi
	done
	[ -z "$bad" ] || { echo "processes left: $bad" >&2; return 1; }
	run grep -c '/tmp/skiff-eng-' /proc/self/mountinfo
	[ "$output" = 0 ] || { echo "mounts left" >&2; return 1; }
	run compgen -G '/tmp/skiff-eng-*'
	[ -z "$output" ] || { echo "temp dirs left: $output" >&2; return 1; }
	# skiff's default root (podman and buildah use it): no container whose
	# bundle was in a suite dir
	if [ -x "$SKIFF" ]; then
		run "$SKIFF" list --format json
		! grep -q '/tmp/skiff-eng-' <<<"$output"
	fi
}
