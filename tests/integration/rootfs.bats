#!/usr/bin/env bats
# The filesystem the container sees: rootfs, /dev, /proc, /sys, masked and
# read-only paths, mounts, pivot_root, user-namespaced ownership.

load helpers

@test "rootfs: readonly root refuses writes, writable root accepts them" {
	cfg 'c["root"]["readonly"] = True'
	set_args touch /written
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$ROOTFS/written" ]
	cfg 'c["root"]["readonly"] = False'
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ -f "$ROOTFS/written" ]
}

@test "maskedPaths: files read empty, directories are empty" {
	cfg 'c["linux"]["maskedPaths"] = ["/proc/timer_list", "/proc/keys", "/sys/firmware", "/proc/kcore"]'
	[ -s /proc/timer_list ] || [ "$(wc -c </proc/timer_list)" -gt 0 ]
	set_args sh -c 'echo "tl=$(wc -c </proc/timer_list)"; echo "keys=$(cat /proc/keys | wc -c)"; echo "fw=$(ls -A /sys/firmware | wc -l)"'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tl=0" ]
	[ "${lines[1]}" = "keys=0" ]
	[ "${lines[2]}" = "fw=0" ]
	# the host still sees them
	[ "$(ls -A /sys/firmware | wc -l)" -gt 0 ]
}

@test "readonlyPaths: /proc/sys and /proc/sysrq-trigger refuse writes" {
	cfg 'c["linux"]["readonlyPaths"] = ["/proc/sys", "/proc/sysrq-trigger"]'
	# kernel.hostname is per-UTS-namespace, so even a wrongly allowed write is harmless
	set_args sh -c 'echo changed > /proc/sys/kernel/hostname && echo WROTE; grep " /proc/sys " /proc/self/mounts'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[[ "$output" != *WROTE* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" =~ /proc/sys\ proc\ ro, ]]
}

@test "/dev: the default devices, links and nothing from the host" {
	set_args sh -c 'for d in null zero full random urandom tty; do stat -c "$d %F %t:%T" /dev/$d; done
		readlink /dev/fd; readlink /dev/stdin; readlink /dev/stdout; readlink /dev/stderr
		test -e /dev/ptmx && echo ptmx-ok
		echo devs: $(find /dev -maxdepth 1 \( -type c -o -type b \) | sort)
		echo x > /dev/null && echo null-ok
		head -c 4 /dev/zero | wc -c
		{ echo x > /dev/full; } 2>/dev/null || echo full-refuses'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "null character special file 1:3" ]
	[ "${lines[1]}" = "zero character special file 1:5" ]
	[ "${lines[2]}" = "full character special file 1:7" ]
	[ "${lines[3]}" = "random character special file 1:8" ]
	[ "${lines[4]}" = "urandom character special file 1:9" ]
	[ "${lines[5]}" = "tty character special file 5:0" ]
	[ "${lines[6]}" = "/proc/self/fd" ]
	[ "${lines[7]}" = "/proc/self/fd/0" ]
	[ "${lines[8]}" = "/proc/self/fd/1" ]
	[ "${lines[9]}" = "/proc/self/fd/2" ]
	[ "${lines[10]}" = "ptmx-ok" ]
	# /dev/ptmx may be a device or a link to pts/ptmx; /dev/console only with a terminal
	local devs=${lines[11]#devs: } d
	for d in $devs; do
		case "$d" in
		/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty | /dev/ptmx) ;;
		*) echo "unexpected device $d"; false ;;
		esac
	done
	[ "${lines[12]}" = "null-ok" ]
	[ "${lines[13]}" = "4" ]
	[ "${lines[14]}" = "full-refuses" ]
}

@test "mounts: /proc, /dev/pts, /dev/shm, /sys read-only" {
	set_args cat /proc/self/mounts
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	echo "$output" | grep -E '^proc /proc proc '
	echo "$output" | grep -E '^[^ ]+ /dev tmpfs '
	echo "$output" | grep -E '^devpts /dev/pts devpts '
	echo "$output" | grep -E '^[^ ]+ /dev/shm tmpfs '
	echo "$output" | grep -E '^[^ ]+ /sys sysfs ro,'
	# nothing of the host's mount table besides what the config asked for
	! echo "$output" | grep -E ' /(boot|home|work|run|var) '
}

@test "mounts: a bind mount and a tmpfs from the config" {
	mkdir -p "$TEST_DIR/share"
	echo from-host >"$TEST_DIR/share/file"
	cfg "c['mounts'].append({'destination': '/share', 'type': 'bind', 'source': '$TEST_DIR/share', 'options': ['rbind', 'ro']})
c['mounts'].append({'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m', 'mode=1777']})"
	set_args sh -c 'cat /share/file; touch /share/new || echo ro-ok; touch /scratch/x && echo tmpfs-ok'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "from-host" ]
	[[ "$output" == *ro-ok* ]]
	[[ "$output" == *tmpfs-ok* ]]
	[ ! -e "$TEST_DIR/share/new" ]
	# the mount points were created inside the rootfs
	[ -d "$ROOTFS/share" ]
	[ -d "$ROOTFS/scratch" ]
}

@test "mounts: a destination through a symlink to /etc stays inside the rootfs" {
	local name="it-evil-$ID"
	ln -s /etc "$ROOTFS/abs-link"
	ln -s ../../../../../../../../etc "$ROOTFS/rel-link"
	cfg "c['mounts'].append({'destination': '/abs-link/$name', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})
c['mounts'].append({'destination': '/rel-link/$name-rel', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})"
	set_args sh -c "grep -c ' /etc/$name' /proc/self/mounts"
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	local rc=$status out=$output
	# whatever happened inside, the host's /etc is untouched
	[ ! -e "/etc/$name" ]
	[ ! -e "/etc/$name-rel" ]
	not grep -q "/etc/$name" /proc/self/mountinfo
	if [ "$rc" -eq 0 ]; then
		# resolved inside the rootfs, as runc does (securejoin)
		[ "$out" = "2" ]
		[ -d "$ROOTFS/etc/$name" ]
	fi
}

@test "pivot: --no-pivot runs the container" {
	set_args sh -c 'echo $$; ls /bin/busybox; hostname'
	run rt run --no-pivot --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1" ]
	[ "${lines[1]}" = "/bin/busybox" ]
	[ "${lines[2]}" = "skiffbox" ]
}

@test "pivot: the host root is not reachable after pivot_root" {
	set_args sh -c 'ls -d /work /boot /usr/lib/x86_64-linux-gnu 2>/dev/null | wc -l; cd /..; ls /proc/1/root/ | grep -c -x -e usr -e home -e boot || true'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0" ]
	[ "${lines[1]}" = "0" ]
}

@test "user namespace: uid/gid maps and host ownership of created files" {
	mkdir -p "$TEST_DIR/shared"
	chown 100000:100000 "$TEST_DIR/shared"
	# the mapped root does not own the rootfs, so the mount point must exist
	mkdir "$ROOTFS/shared"
	cfg "c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
# the host's cgroup v1 tree is owned by host root, not by the mapped root
c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/sys/fs/cgroup']
c['mounts'].append({'destination': '/shared', 'type': 'bind', 'source': '$TEST_DIR/shared', 'options': ['rbind', 'rw']})"
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /shared/made-inside; mkdir /shared/dir'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *0\ +100000\ +65536$ ]]
	[[ "${lines[1]}" =~ ^\ *0\ +100000\ +65536$ ]]
	[ "${lines[2]}" = "0" ]
	[ "$(stat -c %u:%g "$TEST_DIR/shared/made-inside")" = "100000:100000" ]
	[ "$(stat -c %u:%g "$TEST_DIR/shared/dir")" = "100000:100000" ]
}

@test "mounts: a dangling symlink destination is created inside the rootfs (absolute, relative, escaping)" {
	mkdir -p "$TEST_DIR/share"
	echo from-host >"$TEST_DIR/share/file"
	local name="it-dangling-$ID"
	# absolute: must become rootfs/$name/x, never the host's /$name/x
	ln -s "/$name/x" "$ROOTFS/data"
	# relative: resolved from the link's directory
	mkdir -p "$ROOTFS/srv"
	ln -s ../opt/rel "$ROOTFS/srv/rel"
	# an escape attempt: ".." above the root stays at the root
	ln -s "../../../../../../$name-esc/y" "$ROOTFS/esc"
	cfg "c['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$TEST_DIR/share', 'options': ['rbind']})
c['mounts'].append({'destination': '/srv/rel', 'type': 'bind', 'source': '$TEST_DIR/share', 'options': ['rbind']})
c['mounts'].append({'destination': '/esc', 'type': 'bind', 'source': '$TEST_DIR/share/file', 'options': ['bind']})"
	set_args sh -c 'cat /data/file /srv/rel/file /esc'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ ! -e "/$name" ]
	[ ! -e "/$name-esc" ]
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "from-host" ]
	[ "${lines[1]}" = "from-host" ]
	[ "${lines[2]}" = "from-host" ]
	[ -d "$ROOTFS/$name/x" ]
	[ -d "$ROOTFS/opt/rel" ]
	[ -f "$ROOTFS/$name-esc/y" ]
}

@test "process.cwd: a missing cwd is created under a read-only root" {
	cfg 'c["root"]["readonly"] = True
c["process"]["cwd"] = "/work/dir/deep"'
	set_args pwd
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "/work/dir/deep" ]
	[ -d "$ROOTFS/work/dir/deep" ]
}

@test "mounts: a read-only bind of /dev still gets the mounts below it" {
	mkdir -p "$TEST_DIR/devsrc"
	mknod "$TEST_DIR/devsrc/null" c 1 3
	chmod 666 "$TEST_DIR/devsrc/null"
	cfg "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/dev']
c['mounts'].insert(1, {'destination': '/dev', 'type': 'bind', 'source': '$TEST_DIR/devsrc', 'options': ['rbind', 'ro']})"
	set_args sh -c 'grep -E " /dev(/pts|/shm|/mqueue)? " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1; touch /dev/new || echo ro-ok'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev ro"* ]]
	[[ "$output" == *"/dev/pts rw"* ]]
	[[ "$output" == *"/dev/shm rw"* ]]
	[[ "$output" == *ro-ok* ]]
	[ ! -e "$TEST_DIR/devsrc/new" ]
}

@test "mounts: without a mount namespace the process still runs in root.path" {
	echo "marker-$ID" >"$ROOTFS/skiff-marker"
	cfg 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "mount"]
c["root"]["readonly"] = False'
	# masked and read-only paths would be mounts on the host: refused (runc too)
	rt_bg run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.maskedPaths: needs a mount namespace"* ]]
	cfg 'del c["linux"]["maskedPaths"]
del c["linux"]["readonlyPaths"]'
	local before
	before=$(wc -l </proc/self/mountinfo)
	set_args sh -c 'cat /skiff-marker; ls -d /work /boot 2>/dev/null | wc -l'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "marker-$ID" ]
	[ "${lines[1]}" = "0" ]
	# nothing was mounted in the host's namespace
	[ "$(wc -l </proc/self/mountinfo)" = "$before" ]
}

@test "mounts: the container sees its mounts in config order, later ones on top" {
	mkdir -p "$TEST_DIR/b1" "$TEST_DIR/b2"
	echo bind >"$TEST_DIR/b1/which"
	echo bind >"$TEST_DIR/b2/which"
	cfg "c['mounts'].append({'destination': '/a', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})
c['mounts'].append({'destination': '/a', 'type': 'bind', 'source': '$TEST_DIR/b1', 'options': ['rbind']})
c['mounts'].append({'destination': '/b', 'type': 'bind', 'source': '$TEST_DIR/b2', 'options': ['rbind']})
c['mounts'].append({'destination': '/b', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})"
	set_args sh -c 'cat /a/which; cat /b/which 2>/dev/null || echo tmpfs; cut -d" " -f5 /proc/self/mountinfo | tr "\n" " "'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bind" ]
	[ "${lines[1]}" = "tmpfs" ]
	# mountinfo lists the config's destinations in config order
	local want got
	want=$("$PYTHON" -c 'import json,sys; print(" ".join(m["destination"] for m in json.load(open(sys.argv[1]))["mounts"]))' "$BUNDLE/config.json")
	got=$(for m in ${lines[2]}; do if [[ " $want " == *" $m "* ]]; then echo -n "$m "; fi; done)
	echo "want: $want"
	echo "got:  $got"
	[ "$got" = "$want " ]
}

@test "mounts: a tmpfs keeps the mode of its mount point without mode=" {
	mkdir -p "$ROOTFS/priv"
	chmod 0750 "$ROOTFS/priv"
	cfg "c['mounts'].append({'destination': '/priv', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m']})
c['mounts'].append({'destination': '/open', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m', 'mode=1777']})"
	set_args stat -c %a /priv /open
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "750" ]
	[ "${lines[1]}" = "1777" ]
}
