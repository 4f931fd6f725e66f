#!/usr/bin/env bats
# Paths the runtime mounts over after the image had its say: maskedPaths,
# readonlyPaths, /dev/console and /dev/ptmx.  A hostile image replaces them
# with symlinks to host paths; every mount must still land inside the
# rootfs.  Victims are host files in the test dir; the host's mount table
# must gain nothing outside the test dir.

load helpers

# the host's mount points, outside TEST_DIR, one per line
host_mounts() {
	awk -v d="$TEST_DIR" 'index($5, d) != 1 { print $5 }' /proc/self/mountinfo | sort
}

@test "maskedPaths: a masked path replaced by a symlink to a host file masks nothing on the host" {
	local v before
	v=$(victim mask)
	mkdir -p "$TEST_DIR/vdir" && echo keep >"$TEST_DIR/vdir/f"
	ln -s "$v" "$ROOTFS/etc/secret"
	ln -s "$TEST_DIR/vdir" "$ROOTFS/etc/secretdir"
	cfg 'c["linux"]["maskedPaths"] = ["/proc/kcore", "/etc/secret", "/etc/secretdir"]'
	before=$(host_mounts)
	set_args sh -c 'cat /proc/self/mountinfo'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	victim_intact mask
	[ "$(cat "$TEST_DIR/vdir/f")" = keep ]
	[ "$(host_mounts)" = "$before" ]
	[ -z "$(mounts_under "$TEST_DIR")" ]
	# inside, nothing was mounted at a host-looking path either
	[[ "$output" != *" $v "* ]]
}

@test "readonlyPaths: a symlink to a host directory stays inside the rootfs" {
	local before
	mkdir -p "$TEST_DIR/rwdir" "$ROOTFS$TEST_DIR/rwdir"
	ln -s "$TEST_DIR/rwdir" "$ROOTFS/etc/ro-link"
	cfg 'c["linux"]["readonlyPaths"] = ["/proc/sys", "/etc/ro-link"]'
	before=$(host_mounts)
	set_args sh -c "touch $TEST_DIR/rwdir/inside 2>/dev/null && echo WROTE || echo ro-inside"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	# the link resolved to the rootfs's copy, which was made read-only
	[ "$output" = "ro-inside" ]
	[ "$(host_mounts)" = "$before" ]
	[ -z "$(mounts_under "$TEST_DIR")" ]
	# the host directory is still writable and untouched
	touch "$TEST_DIR/rwdir/host-write"
	[ ! -e "$TEST_DIR/rwdir/inside" ]
}

start_recvtty() {
	"$(recvtty_bin)" -t 20 "$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out" 2>"$TEST_DIR/tty.err" 3>&- &
	BG_PIDS+=("$!")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$TEST_DIR/tty.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "console: /dev/console and /dev/ptmx as symlinks to host files do not redirect the console" {
	local before
	victim console >/dev/null
	victim ptmx >/dev/null
	# the image's own /dev (a tmpfs /dev would hide it): bound from the config
	mkdir -p "$ROOTFS/imgdev/pts"
	ln -s "$TEST_DIR/victim-console" "$ROOTFS/imgdev/console"
	ln -s "$TEST_DIR/victim-ptmx" "$ROOTFS/imgdev/ptmx"
	ln -s "$TEST_DIR/victim-ptmx" "$ROOTFS/dev/console"
	cfg "c['process']['terminal'] = True
c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/dev']
c['mounts'].insert(1, {'destination': '/dev', 'type': 'bind', 'source': '$ROOTFS/imgdev', 'options': ['rbind']})"
	before=$(host_mounts)
	start_recvtty
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -ne 0 ] || track_pid "$(container_pid "$ID")"
	victim_intact console
	victim_intact ptmx
	[ "$(host_mounts)" = "$before" ]
	# nothing of the pty was mounted on a host path
	not grep -q "victim" /proc/self/mountinfo
}

@test "console: default /dev hides the image's /dev/console symlink" {
	local before
	victim console >/dev/null
	ln -s "$TEST_DIR/victim-console" "$ROOTFS/dev/console"
	mkdir -p "$ROOTFS/dev/pts"
	ln -s "$TEST_DIR/victim-console" "$ROOTFS/dev/pts/ptmx"
	cfg 'c["process"]["terminal"] = True'
	set_args sh -c 'readlink /dev/console || echo no-link; tty'
	before=$(host_mounts)
	start_recvtty
	rt_bg create --console-socket "$TEST_DIR/tty.sock" --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	track_pid "$(container_pid "$ID")"
	rt_bg start "$ID"
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	tr -d '\r' <"$TEST_DIR/tty.out"
	grep -q no-link "$TEST_DIR/tty.out"
	victim_intact console
	[ "$(host_mounts)" = "$before" ]
}
