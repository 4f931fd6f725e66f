#!/bin/sh
# The VM suite's /init: runs as PID 1 in the qemu guest that
# tests/vm/run-vm.sh boots (kernel with cgroup_no_v1=all, so cgroup v2 owns
# cpu, memory, pids and io).  Prints TAP on the serial console and powers
# off; run-vm.sh adds the plan and counts what never reported as failed.
#
# Guest layout (built by run-vm.sh into the initramfs):
#   /bin          busybox-static and its applets
#   /skiff/skiff  the runtime under test (plus its shared libraries, if any)
#   /vm/rootfs    busybox rootfs shared by every container (writable)
#   /vm/bundles/NAME/config.json   from make-bundles.py, cgroupsPath
#                 /skiff-vm/NAME
#   /lib/modules/brd.ko   ramdisk driver: /dev/ram0 (1:0) for io.max
#   /lib/modules/order    every module there, in load order (the others
#                 are what CRIU checks for: socket diag, nf_tables, tun, veth)
#   /usr/sbin     criu, ip, iptables (when run-vm.sh could install criu)
#   /vm/guest-criu.sh     the checkpoint/restore tests, sourced below
#   /usr/bin      podman and conmon (when run-vm.sh could install them),
#                 /usr/lib/podman/netavark
#   /vm/guest-podman.sh   podman's checkpoint/restore on skiff, sourced below
#
# PLAN is the number of results every path below prints (run-vm.sh reads
# it to number skips when qemu is missing and to detect a crashed guest).
PLAN=51

export PATH=/bin:/usr/sbin
S="/skiff/skiff --root /run/skiff"
CG=/sys/fs/cgroup
CGV=$CG/skiff-vm
ROOTFS=/vm/rootfs
MiB=1048576

# --- stage 1: leave the initramfs root.  pivot_root(2) refuses to move
# away from rootfs (it has no parent mount), and the runtime pivots, so
# bind the initramfs onto /mnt, move that mount to / and chroot into it:
# the same files, now on a mount that has a parent.
if [ "$$" = 1 ] && [ "$1" != stage2 ]; then
	mount -o bind / /mnt && cd /mnt && mount -o move . / &&
		exec chroot . /init stage2
	echo "not ok 1 - guest: could not leave the initramfs root"
	poweroff -f
fi

# --- stage 2: the system
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
echo # the firmware's "Booting from ROM.." has no newline
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 $CG
# the OOM killer's report would interleave with the TAP lines
echo 1 >/proc/sys/kernel/printk
echo "# guest: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s"
for c in cpu memory pids io cpuset hugetlb; do
	echo "+$c" >$CG/cgroup.subtree_control 2>/dev/null
done
have_ram0=
if insmod /lib/modules/brd.ko rd_nr=1 rd_size=8192 2>/tmp/insmod.err && [ -b /dev/ram0 ]; then
	have_ram0=1
else
	echo "# guest: no /dev/ram0: $(cat /tmp/insmod.err)"
fi

# CRIU's kernel checks: the loopback up, its modules in
for m in $(grep -vx brd /lib/modules/order 2>/dev/null); do
	insmod /lib/modules/$m.ko 2>/dev/null || echo "# guest: insmod $m failed"
done
ip link set lo up

mkdir -p $ROOTFS/t $ROOTFS/tmp
# Waits for the host-side trigger, then fills a 64 MiB buffer (twice
# memory.max, a tenth of the VM: without a limit it simply succeeds): the
# OOM killer picks dd, the largest task, and the shell reports its status.
cat >$ROOTFS/t/oom.sh <<'EOF'
#!/bin/sh
while [ ! -e /tmp/go-$1 ]; do sleep 0.1; done
dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
echo "dd exit $?" >/tmp/$1.result
exec sleep 1000
EOF
# The inner shell dies with "can't fork" once pids.max is reached.
cat >$ROOTFS/t/bomb.sh <<'EOF'
#!/bin/sh
sh -c 'for i in $(seq 50); do sleep 1000 & done' 2>/tmp/bomb.err
echo "bomb exit $?" >/tmp/bomb.result
exec sleep 1000
EOF
chmod +x $ROOTFS/t/*.sh

# --- TAP helpers: a test is a shell function; it returns 0 (pass),
# 1 (fail, $why says why) or 2 (skip, $why is the reason).
n=0
now() { cut -d' ' -f1 /proc/uptime | tr -d .; } # centiseconds
t() { # t DESCRIPTION FUNCTION
	why=
	_t0=$(now)
	"$2"
	_rc=$?
	_dt=$(($(now) - _t0))
	case $_rc in
	0) n=$((n + 1)); echo "ok $n - $1" ;;
	2) n=$((n + 1)); echo "ok $n - $1 # skip $why" ;;
	*)
		n=$((n + 1))
		echo "not ok $n - $1"
		printf '%s\n' "$why" | sed 's/^/#   /'
		;;
	esac
	# TCG is slow: say where the minutes go
	[ $_dt -ge 200 ] && echo "#   (took $((_dt / 100)).$((_dt / 10 % 10)) s)"
	return 0
}

# until TENTHS CMD...: poll CMD every 0.1 s for at most TENTHS tenths
until_() {
	_left=$1
	shift
	while ! "$@"; do
		[ "$_left" -le 0 ] && return 1
		_left=$((_left - 1))
		sleep 0.1
	done
}

# expect FILE VALUE: the first line of FILE is VALUE
expect() {
	_got=$(head -n 1 "$1" 2>&1)
	[ "$_got" = "$2" ] && return 0
	why="$1: expected \"$2\", got \"$_got\""
	return 1
}

# field FILE KEY: the value of "KEY VALUE" in a flat-keyed cgroup file
field() { sed -n "s/^$2 //p" "$1" 2>/dev/null; }

status_is() { $S state "$1" 2>/dev/null | grep -q "\"status\": *\"$2\""; }

unimplemented() { grep -qi 'not implemented\|not supported' "$1"; }
unimplemented_text() { echo "$1" | grep -qi 'not implemented'; }

# launch NAME: create + start /vm/bundles/NAME, stdio to /tmp/NAME.out
launch() {
	if ! $S create --bundle /vm/bundles/$1 $1 >/tmp/$1.out 2>&1; then
		why="create $1: $(cat /tmp/$1.out)"
		return 1
	fi
	if ! $S start $1 >>/tmp/$1.out 2>&1; then
		why="start $1: $(cat /tmp/$1.out)"
		$S delete --force $1 >/dev/null 2>&1
		return 1
	fi
	status_is $1 running || { why="state $1: $($S state $1 2>&1)"; return 1; }
}

# gone NAME: delete NAME; its cgroup and state must disappear
gone() {
	$S kill $1 KILL >/dev/null 2>&1
	until_ 50 status_is $1 stopped
	if ! out=$($S delete $1 2>&1); then
		why="delete $1: $out"
		$S delete --force $1 >/dev/null 2>&1
		return 1
	fi
	if [ -e $CGV/$1 ]; then why="$CGV/$1 still exists after delete"; return 1; fi
	if $S state $1 >/dev/null 2>&1; then why="state of $1 still exists"; return 1; fi
}

# Every test of a container needs it up; a failed launch fails them all.
up() {
	eval "_up=\$up_$1"
	[ -n "$_up" ] && return 0
	why="container $1 is not running (see the launch test)"
	return 1
}

# ------------------------------------------------------------------ env
t_controllers() {
	for c in cpu memory pids io cpuset; do
		grep -qw $c $CG/cgroup.subtree_control || {
			why="root cgroup.subtree_control: $(cat $CG/cgroup.subtree_control) (no $c)"
			return 1
		}
	done
}
t "guest: cgroup v2 owns cpu memory pids io cpuset" t_controllers

# --------------------------------------------------------------- memory
t_mem_launch() { launch mem && up_mem=1; }
t "memory: create + start a container with memory.limit 32M" t_mem_launch

t_mem_max() { up mem && expect $CGV/mem/memory.max $((32 * MiB)); }
t "memory: memory.max is linux.resources.memory.limit" t_mem_max

# a streaming `events` started before the OOM must report it
ev_pid=
if [ -n "$up_mem" ]; then
	$S events --interval 1s mem >/tmp/mem.events 2>&1 &
	ev_pid=$!
	# its first output (stats, or an error) means it is watching
	until_ 50 test -s /tmp/mem.events
	touch $ROOTFS/tmp/go-mem
fi

t_mem_oom() {
	up mem || return 1
	if ! until_ 600 test -s $ROOTFS/tmp/mem.result; then
		why="no result from the allocating process after 60 s; memory.current $(cat $CGV/mem/memory.current)"
		return 1
	fi
	expect $ROOTFS/tmp/mem.result "dd exit 137"
}
t "memory: a process allocating past memory.max is OOM-killed (137)" t_mem_oom

t_mem_events_file() {
	up mem || return 1
	k=$(field $CGV/mem/memory.events oom_kill)
	[ "${k:-0}" -ge 1 ] && return 0
	why="memory.events: $(tr '\n' ' ' <$CGV/mem/memory.events)"
	return 1
}
t "memory: memory.events counts the oom_kill" t_mem_events_file

t_mem_events_stream() {
	up mem || return 1
	unimplemented /tmp/mem.events || until_ 30 grep -q '"oom' /tmp/mem.events
	[ -n "$ev_pid" ] && kill $ev_pid 2>/dev/null
	wait $ev_pid 2>/dev/null
	if unimplemented /tmp/mem.events; then why="skiff events: $(head -n 1 /tmp/mem.events)"; return 2; fi
	grep -q '"type": *"oom"' /tmp/mem.events && return 0
	why="skiff events printed no oom event: $(head -c 600 /tmp/mem.events)"
	return 1
}
t "memory: skiff events reports the OOM" t_mem_events_stream

t_mem_stats() {
	up mem || return 1
	$S events --stats mem >/tmp/mem.stats 2>&1
	rc=$?
	if unimplemented /tmp/mem.stats; then why="skiff events --stats: $(head -n 1 /tmp/mem.stats)"; return 2; fi
	if [ $rc -ne 0 ]; then why="events --stats exit $rc: $(head -c 600 /tmp/mem.stats)"; return 1; fi
	grep -q '"type": *"stats"' /tmp/mem.stats && grep -q '"memory"' /tmp/mem.stats &&
		grep -q '"usage"' /tmp/mem.stats && return 0
	why="no memory usage in: $(head -c 600 /tmp/mem.stats)"
	return 1
}
t "memory: skiff events --stats shows memory usage" t_mem_stats

t_mem_update() {
	up mem || return 1
	out=$($S update --memory 64M mem 2>&1) || { why="update --memory 64M: $out"; return 1; }
	expect $CGV/mem/memory.max $((64 * MiB))
}
t "memory: skiff update --memory 64M changes memory.max live" t_mem_update

t_mem_update_bad() {
	up mem || return 1
	before=$(cat $CGV/mem/memory.max)
	if out=$($S update --memory lots mem 2>&1); then
		why="update --memory lots succeeded: $out"
		return 1
	fi
	unimplemented_text "$out" && { why="skiff update: $out"; return 1; }
	expect $CGV/mem/memory.max "$before"
}
t "memory: a rejected update changes nothing" t_mem_update_bad

t_pause() {
	up mem || return 1
	out=$($S pause mem 2>&1) || { why="pause: $out"; return 1; }
	expect $CGV/mem/cgroup.freeze 1 || return 1
	[ "$(field $CGV/mem/cgroup.events frozen)" = 1 ] ||
		{ why="cgroup.events: $(tr '\n' ' ' <$CGV/mem/cgroup.events)"; return 1; }
	status_is mem paused || { why="state: $($S state mem 2>&1)"; return 1; }
}
t "pause: cgroup.freeze 1, frozen, state paused" t_pause

t_resume() {
	up mem || return 1
	out=$($S resume mem 2>&1) || { why="resume: $out"; return 1; }
	expect $CGV/mem/cgroup.freeze 0 || return 1
	[ "$(field $CGV/mem/cgroup.events frozen)" = 0 ] ||
		{ why="cgroup.events: $(tr '\n' ' ' <$CGV/mem/cgroup.events)"; return 1; }
	status_is mem running || { why="state: $($S state mem 2>&1)"; return 1; }
}
t "resume: thawed, state running" t_resume

t_mem_delete() { up mem && gone mem; }
t "memory: delete removes the container's cgroup" t_mem_delete

t_oomrun() {
	$S run --bundle /vm/bundles/oomrun oomrun >/tmp/oomrun.out 2>&1
	rc=$?
	[ $rc = 137 ] && return 0
	why="skiff run exit $rc (expected 137): $(head -c 600 /tmp/oomrun.out)"
	return 1
}
t "memory: skiff run of a process over its limit exits 137" t_oomrun

t_oomrun_gone() {
	[ ! -e $CGV/oomrun ] && ! $S state oomrun >/dev/null 2>&1 && return 0
	why="after run: $(ls -d $CGV/oomrun 2>&1); state: $($S state oomrun 2>&1)"
	$S delete --force oomrun >/dev/null 2>&1
	return 1
}
t "memory: nothing of the OOM-killed run is left" t_oomrun_gone

# ----------------------------------------------------------------- pids
t_pids_launch() { launch pids && up_pids=1; }
t "pids: create + start a container with pids.limit 8" t_pids_launch

t_pids_max() { up pids && expect $CGV/pids/pids.max 8; }
t "pids: pids.max is linux.resources.pids.limit" t_pids_max

t_pids_bomb() {
	up pids || return 1
	until_ 300 test -s $ROOTFS/tmp/bomb.result ||
		{ why="the fork loop did not finish in 30 s: pids.current $(cat $CGV/pids/pids.current)"; return 1; }
	grep -q 'fork' $ROOTFS/tmp/bomb.err ||
		{ why="$(cat $ROOTFS/tmp/bomb.result); stderr: $(head -c 300 $ROOTFS/tmp/bomb.err)"; return 1; }
	cur=$(cat $CGV/pids/pids.current)
	[ "$cur" -le 8 ] || { why="pids.current $cur > 8"; return 1; }
	m=$(field $CGV/pids/pids.events max)
	[ "${m:-0}" -ge 1 ] || { why="pids.events: $(cat $CGV/pids/pids.events)"; return 1; }
}
t "pids: a fork loop fails with can't fork at pids.max" t_pids_bomb

t_pids_update() {
	up pids || return 1
	out=$($S update --pids-limit 20 pids 2>&1) || { why="update --pids-limit 20: $out"; return 1; }
	expect $CGV/pids/pids.max 20
}
t "pids: skiff update --pids-limit changes pids.max" t_pids_update

t_pids_delete() { up pids && gone pids; }
t "pids: delete removes the container's cgroup" t_pids_delete

# ------------------------------------------------------------------ cpu
t_cpu_launch() { launch cpu && up_cpu=1; }
t "cpu: create + start a busy container with shares/quota/period/cpus" t_cpu_launch

# runc's conversion: weight = 1 + ((shares - 2) * 9999) / 262142
t_cpu_weight() { up cpu && expect $CGV/cpu/cpu.weight $((1 + (1024 - 2) * 9999 / 262142)); }
t "cpu: cpu.weight from shares 1024 (runc's conversion: 39)" t_cpu_weight

t_cpu_max() { up cpu && expect $CGV/cpu/cpu.max "20000 100000"; }
t "cpu: cpu.max is quota period" t_cpu_max

t_cpuset() { up cpu && expect $CGV/cpu/cpuset.cpus 0 && expect $CGV/cpu/cpuset.mems 0; }
t "cpu: cpuset.cpus and cpuset.mems written" t_cpuset

throttled() { [ "$(field $CGV/cpu/cpu.stat nr_throttled)" -gt 0 ] 2>/dev/null; }
t_cpu_throttle() {
	up cpu || return 1
	until_ 50 throttled && return 0
	why="cpu.stat: $(tr '\n' ' ' <$CGV/cpu/cpu.stat)"
	return 1
}
t "cpu: the busy loop is throttled by cpu.max" t_cpu_throttle

t_cpu_update() {
	up cpu || return 1
	out=$($S update --cpu-share 512 --cpu-quota 50000 --cpu-period 100000 cpu 2>&1) ||
		{ why="update: $out"; return 1; }
	expect $CGV/cpu/cpu.weight $((1 + (512 - 2) * 9999 / 262142)) &&
		expect $CGV/cpu/cpu.max "50000 100000"
}
t "cpu: skiff update --cpu-share/--cpu-quota/--cpu-period live" t_cpu_update

t_cpu_delete() { up cpu && gone cpu; }
t "cpu: delete removes the container's cgroup" t_cpu_delete

# ------------------------------------------------------------------- io
t_io_launch() { launch io && up_io=1; }
t "io: create + start a container with blockIO weight and throttles" t_io_launch

# blkio's 10..1000 scale to io.weight's 1..10000, as runc: 500 -> 4950
t_io_weight() { up io && expect $CGV/io/io.weight "default $((1 + (500 - 10) * 9999 / 990))"; }
t "io: io.weight default from blockIO.weight" t_io_weight

t_io_max() {
	[ -n "$have_ram0" ] || { why="no block device in the guest (brd did not load)"; return 2; }
	up io || return 1
	expect $CGV/io/io.max "1:0 rbps=$MiB wbps=max riops=max wiops=100"
}
t "io: io.max from throttleReadBps/WriteIOPS for /dev/ram0" t_io_max

# blk-throttle lets a first slice through, so 3 MiB at 1 MiB/s takes
# at least about 2 s; unthrottled, brd reads it in a fraction of that.
# O_DIRECT, because brd's rw_page serves buffered reads without any bio,
# so neither io.stat nor io.max would see them.
t_io_throttle() {
	[ -n "$have_ram0" ] || { why="no block device in the guest (brd did not load)"; return 2; }
	up io || return 1
	# timed inside the container, so exec's own cost does not count
	out=$($S exec io sh -c 'u() { cut -d" " -f1 /proc/uptime | tr -d .; }
		t0=$(u); dd if=/dev/ram0 of=/dev/null bs=64k count=48 iflag=direct 2>&1 &&
		echo "centiseconds $(($(u) - t0))"' 2>&1) || { why="exec dd: $out"; return 1; }
	_dt=$(echo "$out" | sed -n 's/^centiseconds //p')
	r=$(sed -n 's/^1:0 rbytes=\([0-9]*\).*/\1/p' $CGV/io/io.stat)
	if [ "${r:-0}" -lt $((3 * MiB)) ]; then
		why="io.stat: $(cat $CGV/io/io.stat); dd: $(echo $out); an exec'd process is in $($S exec io cat /proc/self/cgroup 2>&1) and sees $($S exec io ls -l /dev/ram0 2>&1)"
		return 1
	fi
	# the same read from the guest's root cgroup, unthrottled
	_c0=$(now)
	dd if=/dev/ram0 of=/dev/null bs=64k count=48 iflag=direct 2>/dev/null
	_ctl=$(($(now) - _c0))
	echo "#   3 MiB read: $_dt cs in the container, $_ctl cs unthrottled"
	[ "${_dt:-0}" -ge 200 ] && [ "$_ctl" -lt 200 ] && return 0
	why="3 MiB read in ${_dt:-?} cs with rbps=1 MiB/s, in $_ctl cs unthrottled"
	return 1
}
t "io: io.max throttles reads of /dev/ram0 in the container" t_io_throttle

t_io_update() {
	up io || return 1
	out=$($S update --blkio-weight 100 io 2>&1) || { why="update --blkio-weight 100: $out"; return 1; }
	expect $CGV/io/io.weight "default $((1 + (100 - 10) * 9999 / 990))"
}
t "io: skiff update --blkio-weight changes io.weight" t_io_update

t_io_delete() { up io && gone io; }
t "io: delete removes the container's cgroup" t_io_delete

# ----------------------------------------------------------------- criu
. /vm/guest-criu.sh

# --------------------------------------------------------------- podman
. /vm/guest-podman.sh

# ---------------------------------------------------------------- after
t_clean() {
	left=$(ls -d $CGV 2>/dev/null; $S list -q 2>/dev/null)
	[ -z "$left" ] && return 0
	why="left behind: $left"
	return 1
}
t "nothing left: no /sys/fs/cgroup/skiff-vm, no containers" t_clean

echo "# guest: $n results (PLAN=$PLAN), up $(cut -d' ' -f1 /proc/uptime)s"
echo "# guest: done"
poweroff -f
