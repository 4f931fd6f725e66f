#!/usr/bin/env bats
# The compiled-seccomp cache in the state root (ROOT/.cache/seccomp):
#  - bounded: every distinct profile used to add a file forever, so a
#    caller cycling profiles (a CI farm, or anyone who can run containers)
#    could fill the state root's filesystem (often a tmpfs in RAM);
#  - private: a program read from a file someone else can write would be
#    their filter, not the profile's (dir 0700, files 0600, foreign or
#    group/world-writable entries ignored).

load helpers

MAX_ENTRIES=64   # seccomp::cache::kMaxEntries

profile_n() {
	cfg 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": '"$1"'}]}'
}

# forge ENTRY DONOR: rewrite ENTRY (a valid cache file) to carry DONOR's BPF
# program under ENTRY's own profile, with a correct checksum: what someone
# able to write the file could plant.  Layout: seccomp/cache.cpp.
forge() {
	"$PYTHON" - "$1" "$2" <<'PY'
import struct, sys
def parse(b):
    magic, fmt, flags, listener, clen, count = struct.unpack_from("=8s5I", b)
    hdr = 8 + 20
    return fmt, flags, listener, b[hdr:hdr + clen], b[hdr + clen:hdr + clen + count * 8]
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
target, donor = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
fmt, flags, listener, canon, _ = parse(target)
_, _, _, _, insns = parse(donor)
body = b"SKIFFBPF" + struct.pack("=5I", fmt, flags, listener, len(canon), len(insns) // 8) + canon + insns
open(sys.argv[1], "wb").write(body + struct.pack("=Q", fnv(body)))
PY
}

@test "seccomp cache: N+10 distinct profiles leave at most N entries" {
	skiff_only
	local cache="$ROOT/.cache/seccomp" i
	for i in $(seq 1 $((MAX_ENTRIES + 10))); do
		profile_n "$i"
		run rt run --bundle "$BUNDLE" "$ID" 3>&-
		[ "$status" -eq 0 ] || { echo "run $i: $output"; return 1; }
	done
	local n
	n=$(find "$cache" -type f | wc -l)
	echo "entries: $n"
	[ "$n" -le "$MAX_ENTRIES" ]
	[ "$n" -ge 1 ]
	# nothing but finished entries (no temporaries) and nothing world-readable
	[ -z "$(find "$cache" -type f ! -name '*.bpf')" ]
	[ "$(stat -c %a "$cache")" = 700 ]
	[ -z "$(find "$cache" -type f ! -perm 600)" ]
}

@test "seccomp cache: a planted group/world-writable entry is not used" {
	skiff_only
	local cache="$ROOT/.cache/seccomp"
	profile_n 1
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	cfg 'c["root"]["readonly"] = False'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]
	local f
	f=$(find "$cache" -type f -name '*.bpf')
	[ -n "$f" ]
	# an attacker who could write the entry replaces it by the program of an
	# allow-everything profile (same file name: the hash is of the profile)
	cfg 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}'
	local other_root="$TEST_DIR/other-root"
	"$RUNTIME" --root "$other_root" run --bundle "$BUNDLE" "$ID-o" </dev/null >/dev/null 2>&1 3>&-
	local evil
	evil=$(find "$other_root/.cache/seccomp" -type f -name '*.bpf')
	[ -n "$evil" ]
	rmdir "$ROOTFS/tmp/x"   # made by that allow-all run
	forge "$f" "$evil"
	profile_n 1
	cfg 'c["root"]["readonly"] = False'
	# control: owned by us and 0600, the forged entry is a valid hit
	chmod 600 "$f"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=0"* ]]
	rmdir "$ROOTFS/tmp/x"
	forge "$f" "$evil"
	chmod 666 "$f"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]   # mkdir still denied: the planted program was not loaded
	# and a world-writable cache directory is not used at all
	chmod 777 "$cache"
	rm -f "$cache"/*.bpf
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]
	[ -z "$(find "$cache" -type f)" ]
	rm -rf "$other_root"
}
