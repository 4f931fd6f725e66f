#!/usr/bin/env bats
# Config values engines send that skiff must accept as runc does:
# linux.rootfsPropagation's recursive spellings (docker sends "rslave" and
# "rshared"), and linux.resources.pids.limit 0 (podman --pids-limit=0).

load helpers

teardown() {
	# the shared bind mount of the rootfs made by shared_rootfs
	[ -z "${SHARED_ROOTFS:-}" ] || umount -l "$ROOTFS" 2>/dev/null || true
	teardown_bundle
}

# The rootfs on a shared mount of its own, so that a "slave" root has a
# master to show and a "shared" one a peer group.
shared_rootfs() {
	mount --bind "$ROOTFS" "$ROOTFS"
	SHARED_ROOTFS=1
	mount --make-shared "$ROOTFS"
}

# propagation_of DEST...: runs a container with the current config and prints
# "DEST|TAGS" for each mount point, TAGS being the optional fields of its
# /proc/self/mountinfo line (shared:N, master:N, unbindable) without numbers.
propagation_of() {
	set_args sh -c 'for d in "$@"; do
		awk -v d="$d" '"'"'$5 == d { t = ""; for (i = 7; $i != "-"; i++) { sub(/:[0-9]+$/, "", $i); t = t (t == "" ? "" : " ") $i }; print d "|" t; exit }'"'"' /proc/self/mountinfo
	done' sh "$@"
	rt_bg run --bundle "$BUNDLE" "$ID"
}

@test "rootfsPropagation: every spelling runc accepts is accepted and applied" {
	shared_rootfs
	local v value want_root want_proc
	# value|regex for the tags of "/"|for those of /proc, which is mounted
	# before the value is applied: only the recursive spellings reach it.
	for v in "private|^$|^$" "rprivate|^$|^$" \
		"slave|^(master)?$|^(master)?$" "rslave|^(master)?$|^(master)?$" \
		"shared|^shared( master)?$|^(master)?$" "rshared|^shared( master)?$|^shared( master)?$" \
		"unbindable|^unbindable$|^(master)?$" "runbindable|^unbindable$|^unbindable$"; do
		IFS='|' read -r value want_root want_proc <<<"$v"
		cfg 'c["linux"]["rootfsPropagation"] = "'"$value"'"'
		propagation_of / /proc
		echo "rootfsPropagation $value: status $status: $output"
		[ "$status" -eq 0 ]
		local root_tags proc_tags
		root_tags=$(echo "$output" | sed -n 's/^\/|//p')
		proc_tags=$(echo "$output" | sed -n 's/^\/proc|//p')
		[ "$(echo "$output" | grep -c '|')" -eq 2 ]
		# runc 1.1.5 accepts them all but applies "shared" to nothing and
		# "slave" to a root it has made private: compare skiff only.
		is_skiff || continue
		[[ "$root_tags" =~ $want_root ]]
		[[ "$proc_tags" =~ $want_proc ]]
	done
}

@test "rootfsPropagation: an unknown value fails naming the field" {
	cfg 'c["linux"]["rootfsPropagation"] = "rsomething"'
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *rootfsPropagation* ]]
	[ ! -e "$ROOT/$ID" ]
}

# This cgroup v2 view has no pids controller (v1 owns it): exactly the case
# where "no limit" must not need one.
pids_available() {
	grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null
}

@test "pids.limit 0 (podman --pids-limit=0) means no limit and needs no pids controller" {
	pids_available && skip "this host's cgroup v2 has the pids controller"
	cfg 'c["linux"]["resources"] = {"pids": {"limit": 0}}'
	set_args sh -c 'echo ran'
	rt_bg run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *ran* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "pids.limit -1 and 100 without a pids controller fail naming the field" {
	pids_available && skip "this host's cgroup v2 has the pids controller"
	local l
	for l in -1 100; do
		cfg 'c["linux"]["resources"] = {"pids": {"limit": '"$l"'}}'
		rt_bg create --bundle "$BUNDLE" "$ID"
		echo "limit $l: $output"
		[ "$status" -ne 0 ]
		if is_skiff; then
			[[ "$output" == *linux.resources.pids* ]]
			[[ "$output" == *"pids controller"* ]]
		fi
		[ ! -e "$ROOT/$ID" ] || { rt delete --force "$ID"; false; }
	done
}

@test "update --pids-limit 0 changes nothing and needs no pids controller" {
	pids_available && skip "this host's cgroup v2 has the pids controller"
	start_container "$ID" sleep 60
	rt_bg update --pids-limit 0 "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	rt_bg update --pids-limit 10 "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	if is_skiff; then
		[[ "$output" == *pids* ]]
	fi
	[ "$(container_status "$ID")" = running ]
}
