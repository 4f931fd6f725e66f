#!/usr/bin/env bats
# buildah 1.28 with skiff: `buildah run --runtime SKIFF` and
# `buildah bud --runtime SKIFF` (--runtime is not a global flag of buildah;
# BUILDAH_RUNTIME=SKIFF works too).  buildah passes no --root to the
# runtime, so skiff keeps its state in its default root.

load helpers

BUILDAH=/usr/bin/buildah

b() {
	# TMPDIR keeps buildah's bundles in the suite dir
	v env TMPDIR="$SUITE_DIR/tmp" "$BUILDAH" --root "$SUITE_DIR/storage" --runroot "$SUITE_DIR/run" "$@"
}

setup_file() {
	engine_missing "$BUILDAH" /usr/bin/umoci /usr/bin/skopeo && return 0
	suite_dir buildah
	mkdir -p "$SUITE_DIR/tmp"
	start_view
	{ oci_image &&
		skopeo copy "oci:$SUITE_DIR/oci:busybox" "oci-archive:$SUITE_DIR/busybox.tar:skiff-busybox:test"; } \
		>"$SUITE_DIR/image.log" 2>&1
}

teardown_file() {
	[ -n "${SUITE_DIR:-}" ] || return 0
	if [ -n "${VIEW_PID:-}" ]; then
		b rm -a >/dev/null 2>&1
		b rmi -a -f >/dev/null 2>&1
	fi
	stop_view
	remove_suite_dir
}

setup() {
	need_engine buildah "$BUILDAH"
	need_engine umoci /usr/bin/umoci
	need_engine skopeo /usr/bin/skopeo
	[ -f "$SUITE_DIR/busybox.tar" ] || {
		cat "$SUITE_DIR/image.log" >&2
		return 1
	}
}

teardown() {
	[ -n "${VIEW_PID:-}" ] && b rm -a >/dev/null 2>&1
	return 0
}

@test "buildah: from, run --runtime, commit: the file is in the new image" {
	ok b from --pull-never "oci-archive:$SUITE_DIR/busybox.tar"
	local w=${lines[-1]}
	ok b run --runtime "$SKIFF" --network none "$w" -- sh -c 'echo made-by-run >/made-by-run'
	expect_status 4 b run --runtime "$SKIFF" --network none "$w" -- sh -c 'exit 4'
	ok b commit "$w" localhost/skiff-built:1
	ok b from --pull-never localhost/skiff-built:1
	local w2=${lines[-1]}
	ok b run --runtime "$SKIFF" --network none "$w2" cat /made-by-run
	[ "$output" = made-by-run ]
}

@test "buildah: BUILDAH_RUNTIME selects the runtime" {
	ok b from --pull-never "oci-archive:$SUITE_DIR/busybox.tar"
	local w=${lines[-1]}
	ok v env BUILDAH_RUNTIME="$SKIFF" TMPDIR="$SUITE_DIR/tmp" "$BUILDAH" --root "$SUITE_DIR/storage" \
		--runroot "$SUITE_DIR/run" run --network none "$w" -- sh -c 'echo $$; ulimit -n'
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1024 ]
}

@test "buildah: bud --runtime of a Containerfile with a RUN step" {
	mkdir -p "$SUITE_DIR/ctx"
	printf 'FROM oci-archive:%s/busybox.tar\nRUN echo from-bud >/bud-file\n' "$SUITE_DIR" >"$SUITE_DIR/ctx/Containerfile"
	ok b bud --runtime "$SKIFF" --network none --pull-never -t localhost/skiff-bud:1 "$SUITE_DIR/ctx"
	ok b from --pull-never localhost/skiff-bud:1
	local w=${lines[-1]}
	ok b run --runtime "$SKIFF" --network none "$w" cat /bud-file
	[ "$output" = from-bud ]
}

@test "buildah: nothing of skiff's is left" {
	ok v "$SKIFF" list --format json
	! grep -q "$SUITE_DIR" <<<"$output"
}
