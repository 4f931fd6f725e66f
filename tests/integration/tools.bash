# Helper programs from tests/tools for exec/seccomp/notify tests.
#
# tool_bin NAME: the built tests/tools/NAME next to the runtime under test
# (BUILD/runtime/skiff -> BUILD/tests/tools/NAME), else build/tests/tools,
# else compiled once per bats run (e.g. RUNTIME=runc).  Static, so it can be
# copied into a busybox rootfs.
tool_bin() {
	local name=$1 b dir
	dir=$(dirname "$(readlink -f "$(command -v "$RUNTIME" 2>/dev/null || echo "$RUNTIME")")")
	for b in "$dir/../tests/tools/$name" "$REPO_ROOT/build/tests/tools/$name"; do
		[ -x "$b" ] && [ "$b" -nt "$REPO_ROOT/tests/tools/$name.c" ] && { echo "$b"; return 0; }
	done
	b="$BATS_RUN_TMPDIR/$name"
	[ -x "$b" ] || cc -O2 -Wall -static -o "$b" "$REPO_ROOT/tests/tools/$name.c" || return 1
	echo "$b"
}

# wait_socket PATH: until the unix socket exists (5 s)
wait_socket() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "no socket at $1"
	return 1
}

# wait_grep PATTERN FILE [TENTHS]: until FILE has a line matching PATTERN
wait_grep() {
	local i
	for ((i = 0; i < ${3:-50}; i++)); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line matching '$1' in $2:"
	cat "$2" 2>/dev/null
	return 1
}
