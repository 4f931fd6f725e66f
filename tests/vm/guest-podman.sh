# podman's `container checkpoint` / `container restore` with skiff as its
# OCI runtime, sourced by guest-tests.sh after guest-criu.sh (its helpers:
# t, until_, up, criu_up, status_is, $S, and guest-criu.sh's count, moved and
# counting, which read $COUNT).  run-vm.sh puts Debian 12's podman 4.3 and conmon
# 2.1.6 in /usr/bin, and netavark in /usr/lib/podman (podman 4.3 wants to
# find its network backend even for containers without a network).
#
# Podman runs rootful, configured below: skiff (/skiff/skiff, its default
# root /run/skiff) as the runtime, storage on the vfs driver under
# /var/lib/containers on the guest's (RAM) root, cgroupfs, file events, no
# network, k8s-file logs; the image is the containers' busybox rootfs,
# imported offline.  pmcount counts every 0.2 s into /data/count (a volume
# from /vm/pm-data: $COUNT) and on its stdout (podman logs).
COUNT=/vm/pm-data/count
PM_IMAGE=localhost/skiff-busybox:vm
PM_LOG=/tmp/podman.out
export PATH=/usr/sbin:/usr/bin:/bin

# pm ARGS...: podman, bounded (a hang must not eat the suite's timeout);
# its output in $PM_LOG
pm() { timeout 120 podman "$@" >$PM_LOG 2>&1; }
pm_why() { why="podman $*: $(tail -n 5 $PM_LOG)"; }
# pm_ok ARGS...: podman succeeds, else $why
pm_ok() { pm "$@" || { pm_why "$@"; return 1; }; }
pm_status() { podman inspect --format '{{.State.Status}}' pmcount 2>&1; }
# pm_is STATUS: podman inspect shows pmcount's status as STATUS
pm_is() {
	[ "$(pm_status)" = "$1" ] && return 0
	why="podman inspect: pmcount is $(pm_status), not $1"
	return 1
}
pm_pid() { podman inspect --format '{{.State.Pid}}' pmcount 2>/dev/null; }

pm_config() {
	mkdir -p /etc/containers /var/lib/containers /var/tmp /vm/pm-data || return 1
	# podman's locks are POSIX shared memory
	grep -q ' /dev/shm ' /proc/mounts || mount -t tmpfs shm /dev/shm || return 1
	[ -e /etc/passwd ] || echo 'root:x:0:0:root:/:/bin/sh' >/etc/passwd
	[ -e /etc/group ] || echo 'root:x:0:' >/etc/group
	: >>/etc/hosts
	: >>/etc/resolv.conf
	echo '{"default": [{"type": "insecureAcceptAnything"}]}' >/etc/containers/policy.json
	echo 'unqualified-search-registries = []' >/etc/containers/registries.conf
	cat >/etc/containers/storage.conf <<-'EOF'
	[storage]
	driver = "vfs"
	graphroot = "/var/lib/containers/storage"
	runroot = "/run/containers/storage"
	EOF
	cat >/etc/containers/containers.conf <<-'EOF'
	[containers]
	netns = "none"
	log_driver = "k8s-file"

	[engine]
	runtime = "skiff"
	cgroup_manager = "cgroupfs"
	events_logger = "file"

	[engine.runtimes]
	skiff = ["/skiff/skiff"]
	EOF
}

pm_id=
t_pm_run() {
	if [ ! -x /usr/bin/podman ] || [ ! -x /usr/bin/conmon ]; then
		why="no podman or conmon in the initramfs (run-vm.sh could not install them)"
		return 2
	fi
	criu_up || return
	pm_config || { why="could not write podman's configuration"; return 1; }
	tar -C /vm/rootfs -cf /var/tmp/rootfs.tar bin etc || { why="tar of /vm/rootfs failed"; return 1; }
	pm_ok import --change CMD=/bin/sh /var/tmp/rootfs.tar $PM_IMAGE || return 1
	rm -f /var/tmp/rootfs.tar
	pm_ok run -d --name pmcount -v /vm/pm-data:/data $PM_IMAGE \
		sh -c 'i=0; while :; do i=$((i+1)); echo $i >/data/count; echo $i; sleep 0.2; done' || return 1
	pm_id=$(tail -n 1 $PM_LOG)
	pm_is running || return 1
	# skiff's state: podman passes no --root, so skiff's default
	status_is $pm_id running || { why="skiff state $pm_id: $($S state $pm_id 2>&1)"; return 1; }
	counting || { why="the counter did not start: $(count)"; return 1; }
	up_pmcount=1
}
t "podman: podman run -d with skiff as its runtime, a counting busybox container" t_pm_run

# pm_ckpt ARGS...: podman container checkpoint ARGS pmcount.  (conmon
# gives the container its own /dev/null as stdin, a file on a mount the
# container lacks: skiff declares it external to CRIU.)
pm_ckpt() { pm_ok container checkpoint "$@" pmcount; }

pm_dumped=
t_pm_ckpt() {
	up pmcount || return 1
	pm_ckpt || return 1
	pm_is exited || return 1
	pm_saved=$(count)
	sleep 1
	[ "$(count)" = "$pm_saved" ] || { why="still counting after checkpoint: $pm_saved -> $(count)"; return 1; }
	# podman deleted skiff's container after the dump
	! $S state $pm_id >/dev/null 2>&1 || { why="skiff still has $pm_id: $($S state $pm_id 2>&1)"; return 1; }
	pm_dumped=1
}
t "podman: container checkpoint: Exited, the counter stops" t_pm_ckpt

# pm_counts_on V: the counter moves on from V (checked first: podman's
# own calls are slow under TCG), and podman logs shows one unbroken count
# (a restarted container would begin again at 1)
pm_counts_on() {
	_c0=$1
	until_ 100 moved || { why="count stays at $(count) (was $1)"; return 1; }
	[ "$(count)" -gt "$1" ] || { why="count $(count) after $1: restarted instead of resumed"; return 1; }
	pm_ok logs pmcount || return 1
	_gap=$(awk 'NR > 1 && $1 != p + 1 { print p " then " $1; exit } { p = $1 }' $PM_LOG)
	[ -z "$_gap" ] && return 0
	why="podman logs: $_gap ($(grep -c . $PM_LOG) lines)"
	return 1
}

# pm_restored: pmcount running again in skiff, its init in podman's cgroup
pm_restored() {
	pm_is running || return 1
	status_is $pm_id running || { why="skiff state $pm_id: $($S state $pm_id 2>&1)"; return 1; }
	_pid=$(pm_pid)
	grep -q "^0::/libpod_parent/libpod-$pm_id\$" /proc/$_pid/cgroup 2>/dev/null ||
		{ why="the restored init ${_pid:-?} is in $(cat /proc/$_pid/cgroup 2>&1)"; return 1; }
}

t_pm_restore() {
	up pmcount || return 1
	[ -n "$pm_dumped" ] || { why="no checkpoint to restore (see the test above)"; return 2; }
	pm_ok container restore pmcount || return 1
	pm_counts_on "$pm_saved" && pm_restored
}
t "podman: container restore: Running again, counting on from the checkpoint (volume, podman logs)" t_pm_restore

t_pm_leave() {
	up pmcount || return 1
	pm_ckpt --leave-running || return 1
	pm_is running || return 1
	counting || { why="stopped counting after --leave-running: $(count)"; return 1; }
}
t "podman: container checkpoint --leave-running: still Running and counting" t_pm_leave

t_pm_export() {
	up pmcount || return 1
	pm_ckpt --export /tmp/pmcount.tar.gz || return 1
	pm_is exited || return 1
	pm_saved=$(count)
	pm_ok rm -f pmcount || return 1
	pm_ok container restore --import /tmp/pmcount.tar.gz || return 1
	pm_counts_on "$pm_saved" && pm_restored
}
t "podman: checkpoint --export, rm, restore --import: the same container counting on" t_pm_export

t_pm_rm() {
	up pmcount || return 1
	pm_ok rm -f pmcount || return 1
	pm_ok ps -a -q || return 1
	[ -s $PM_LOG ] && { why="podman ps -a: $(cat $PM_LOG)"; return 1; }
	left=$(ls -d /run/skiff/$pm_id 2>/dev/null; find /sys/fs/cgroup -name "*$pm_id*" 2>/dev/null
		grep -e "$pm_id" -e criu-root /proc/self/mountinfo)
	[ -z "$left" ] && return 0
	why="left behind: $left"
	return 1
}
t "podman: rm -f leaves no skiff state, no container cgroup, no mount" t_pm_rm
