#!/bin/sh
# /init of the qemu guest bench/vm-cgroups.sh boots (cgroup_no_v1=all, so
# cgroup v2 owns memory and pids): `skiff run` of /bin/true N times with
# the bare bundle and N times with memory+pids limits, interleaved so a
# burst of host load hits both alike.  Prints "# bench: NAME MEAN_US N" on
# the console and powers off.  N comes from /vm/runs.
export PATH=/bin
S="/skiff/skiff --root /run/skiff"

# pivot_root(2) cannot leave the initramfs (rootfs has no parent mount):
# bind it onto /mnt, move that to / and chroot, as tests/vm/guest-tests.sh
if [ "$$" = 1 ] && [ "$1" != stage2 ]; then
	mount -o bind / /mnt && cd /mnt && mount -o move . / && exec chroot . /init stage2
	echo "# bench: error could not leave the initramfs root"
	poweroff -f
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
echo
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for c in memory pids; do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control; done
echo "# bench: controllers $(cat /sys/fs/cgroup/cgroup.controllers)"

# microseconds since boot: busybox date may lack %N, /proc/uptime is 10 ms
us() {
	t=$(date +%s%N 2>/dev/null)
	case $t in
	*N | "") t=$(cut -d' ' -f1 /proc/uptime | tr -d .)0000 ;;
	*) t=${t%???} ;;
	esac
	echo "$t"
}
runs=$(cat /vm/runs)
for b in bare limits; do
	if ! out=$($S run --bundle /vm/bundles/$b warm-$b 2>&1); then
		echo "# bench: error $b: $out"
		poweroff -f
	fi
done
tb=0 tl=0 i=0
while [ $i -lt "$runs" ]; do
	t0=$(us)
	$S run --bundle /vm/bundles/bare b$i >/dev/null 2>&1 || echo "# bench: error bare run $i failed"
	t1=$(us)
	$S run --bundle /vm/bundles/limits l$i >/dev/null 2>&1 || echo "# bench: error limits run $i failed"
	t2=$(us)
	tb=$((tb + t1 - t0))
	tl=$((tl + t2 - t1))
	i=$((i + 1))
done
echo "# bench: result bare $((tb / runs)) $runs"
echo "# bench: result limits $((tl / runs)) $runs"
left=$(ls -d /sys/fs/cgroup/*/ 2>/dev/null; $S list -q)
[ -z "$left" ] || echo "# bench: error left behind: $left"
echo "# bench: done"
poweroff -f
