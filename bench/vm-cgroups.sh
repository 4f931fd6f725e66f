#!/usr/bin/env bash
# The cost of memory+pids limits at start, on real controllers (issue 5,
# "Speed"): the host's cgroup v2 has only hugetlb (bench/cgroups.sh), so
# this boots the kernel tests/vm/run-vm.sh uses (cgroup_no_v1=all, TCG)
# once and, inside the guest (bench/vm-guest.sh as /init), times
# `skiff run` of /bin/true N times without a cgroup section and N times
# with memory.max + pids.max + the spec's device rule (interleaved), printing both means and the
# ratio.  Not hyperfine: the guest has only busybox; the means are over
# the N runs from date +%s%N (or /proc/uptime).  Under TCG everything is
# 2-4x slower than on the host: the ratio is the figure.
#
#   bench/vm-cgroups.sh [RUNS]          (root; default 30 runs of each)
#
# Needs the kernel cached by tests/vm/run-vm.sh ($SKIFF_VM_CACHE, default
# /var/cache/skiff-vm; run that once first) and qemu-system-x86_64, cpio.
# Environment: SKIFF (default build/runtime/skiff), SKIFF_VM_CACHE.
# Not part of the test suite.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
bench_root_only
runs=${1:-30}
cache=${SKIFF_VM_CACHE:-/var/cache/skiff-vm}
command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null ||
	die "qemu-system-x86_64 or cpio missing (tests/vm/run-vm.sh installs them)"
[ -x "$SKIFF" ] || die "no skiff at $SKIFF"
kernel=$(ls "$cache"/kernel/vmlinux-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || kernel=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || die "no kernel in $cache/kernel: run tests/vm/run-vm.sh once first"
bench_workdir

ir=$work/ir
mkdir -p "$ir"/{bin,dev,proc,sys,run,tmp,mnt,skiff,vm/bundles}
cp /bin/busybox "$ir/bin/busybox"
/bin/busybox --list | "$PYTHON" -c '
import os, sys
for a in sys.stdin.read().split():
    if a != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], a))' "$ir/bin"
cp "$bench_here/vm-guest.sh" "$ir/init"
chmod 755 "$ir/init"
cp "$SKIFF" "$ir/skiff/skiff"
if ldd "$SKIFF" >/dev/null 2>&1; then
	ldd "$SKIFF" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do cp -L --parents "$lib" "$ir"; done
fi
echo "$runs" >"$ir/vm/runs"
rootfs=$ir/vm/rootfs
mkdir -p "$rootfs"/{dev,proc,sys,tmp,etc}
cp -a "$ir/bin" "$rootfs/bin"
echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
# both from skiff's own spec; "bare" drops linux.resources, "limits" keeps
# its device rule (deny all: a BPF device program) and adds memory.max and
# pids.max under a cgroupsPath of its own
(cd "$work" && "$SKIFF" spec)
for b in bare limits; do
	mkdir "$ir/vm/bundles/$b"
	cp "$work/config.json" "$ir/vm/bundles/$b/config.json"
done
common='c["root"] = {"path": "/vm/rootfs", "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]'
bench_cfg "$ir/vm/bundles/bare/config.json" "$common"'
c["linux"].pop("resources", None)
c["linux"].pop("cgroupsPath", None)'
bench_cfg "$ir/vm/bundles/limits/config.json" "$common"'
c["linux"]["cgroupsPath"] = "/bench/limits"
r = c["linux"].setdefault("resources", {})
r["memory"] = {"limit": 64 * 1024 * 1024}
r["pids"] = {"limit": 100}'
(cd "$ir" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"

echo "booting $(basename "$kernel") under TCG: $runs runs of each bundle"
qemu-system-x86_64 -accel tcg -m 512 -smp 2 -nographic -no-reboot -kernel "$kernel" \
	-initrd "$work/initramfs.cpio" -append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet" \
	</dev/null >"$work/console.log" 2>&1 &
qpid=$!
bench_on_exit "bench_stop_pid $qpid"
# TCG: a run takes ~0.1-0.3 s; give it plenty
deadline=$((SECONDS + 120 + runs * 4))
while kill -0 $qpid 2>/dev/null; do
	if [ $SECONDS -gt $deadline ]; then
		note "the guest did not finish in time"
		break
	fi
	sleep 1
done
grep -a '^# bench:' "$work/console.log" | tr -d '\r' || true
grep -aq '^# bench: done' "$work/console.log" || die "no result (console: $(tail -n 5 "$work/console.log" | tr -d '\r'))"
"$PYTHON" - "$work/console.log" <<'EOF'
import sys
res = {}
for line in open(sys.argv[1], errors="replace"):
    f = line.strip().split()
    if f[:3] == ["#", "bench:", "result"]:
        res[f[3]] = (int(f[4]), int(f[5]))
print()
print("%-8s %9s %5s" % ("bundle", "mean ms", "runs"))
for k, (us, n) in res.items():
    print("%-8s %9.2f %5d" % (k, us / 1000, n))
if "bare" in res and "limits" in res:
    r = res["limits"][0] / res["bare"][0]
    print("\nratio limits / bare = %.2f  target <= 1.2: %s" % (r, "met" if r <= 1.2 else "NOT met"))
EOF
