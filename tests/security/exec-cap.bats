#!/usr/bin/env bats
# CVE-2022-29162 class: `exec --cap` must not put the capability in the
# inheritable or ambient sets, where it would survive execve into every
# program the process runs (and be handed to a non-root user as ambient).
# As runc >= 1.1.2: bounding, effective and permitted only.

load helpers

start_sleeper() {
	cfg 'c["process"]["capabilities"] = {k: ["CAP_CHOWN"] for k in ["bounding", "effective", "permitted"]}'
	start_container "$ID" sleep 1000
}

@test "exec --cap: effective and bounding get it; inheritable and ambient stay empty" {
	start_sleeper
	run rt exec --cap CAP_NET_ADMIN "$ID" sh -c 'grep ^Cap /proc/self/status' 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	local want
	want=$(cap_mask CAP_CHOWN CAP_NET_ADMIN)
	[[ "$output" == *"CapEff:	$want"* ]]
	[[ "$output" == *"CapPrm:	$want"* ]]
	[[ "$output" == *"CapBnd:	$want"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "exec --cap: a non-root user does not get the capability as ambient (nor at all after execve)" {
	start_sleeper
	run rt exec --user 1000:1000 --cap CAP_NET_ADMIN "$ID" sh -c 'grep ^Cap /proc/self/status' 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
}
