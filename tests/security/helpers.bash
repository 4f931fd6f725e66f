# The security suite (SECURITY.md): one file per attack class, each running a
# hostile image or a hostile process in a real container and asserting that
# nothing outside the container changed.  Built on the integration suite's
# helpers (bundle per test, leftover checks in teardown).
load ../integration/helpers
load ../integration/tools

# attacker NAME: tests/security/attackers/NAME.c, compiled static once per
# bats run, so it can be copied into a busybox rootfs.
attacker() {
	local src="$REPO_ROOT/tests/security/attackers/$1.c" b="$BATS_RUN_TMPDIR/attacker-$1"
	[ -x "$b" ] || cc -O2 -Wall -Werror -static -o "$b" "$src" || return 1
	echo "$b"
}

# victim NAME: a host file outside every container (in the test dir, never a
# real system file), with known content; `victim_intact NAME` checks it.
victim() {
	local v="$TEST_DIR/victim-$1"
	echo "victim $1 $RANDOM" >"$v"
	sha256sum "$v" >"$v.sha256"
	echo "$v"
}

victim_intact() {
	sha256sum --quiet -c "$TEST_DIR/victim-$1.sha256"
}

# a copy of the runtime binary that the attack targets (never the real one)
runtime_copy() {
	local c="$TEST_DIR/skiff-copy"
	cp "$(readlink -f "$(command -v "$RUNTIME" 2>/dev/null || echo "$RUNTIME")")" "$c"
	sha256sum "$c" >"$c.sha256"
	echo "$c"
}
