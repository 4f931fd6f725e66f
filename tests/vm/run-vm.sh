#!/usr/bin/env bash
# The cgroup v2 controller suite, in a qemu VM ("Tests — on real
# controllers"):
#
#   tests/vm/run-vm.sh [SKIFF_BINARY]      (default: build/runtime/skiff)
#
# The host's cgroup v2 has no cpu/memory/pids/io (v1 owns them, see
# ../shared/ENVIRONMENT.md), so this boots Debian's kernel once with
# cgroup_no_v1=all under TCG, with an initramfs holding busybox-static,
# skiff (and its shared libraries), a busybox container rootfs, the bundles
# from make-bundles.py and guest-tests.sh as /init.  The guest prints TAP on
# the serial console; this script passes those lines through, reports
# anything the guest never printed (crash, timeout) as "not ok", and ends
# with the plan "1..N".  When qemu or the kernel cannot be had (no root, no
# network), every test is reported as skipped with the reason.
#
# Missing pieces are installed on first use (printed as "# run-vm: ..."):
# apt-get install qemu-system-x86 cpio busybox-static; the kernel package
# linux-image-amd64 depends on, downloaded with apt-get download and only
# its vmlinuz and the modules the suite loads (brd, and the socket diag,
# nf_tables, tun and veth modules CRIU checks for) unpacked into
# $SKIFF_VM_CACHE (/var/cache/skiff-vm); criu (with iproute2 and iptables);
# podman (with conmon and netavark).
#
# Environment: SKIFF_VM_CACHE, SKIFF_VM_TIMEOUT (seconds, default 300),
# SKIFF_VM_LOG (the whole console output; default $SKIFF_VM_CACHE/console.log).
# Exit status: 1 if any test failed, else 0.
set -uo pipefail

here=$(dirname "$(readlink -f "$0")")
repo=$(readlink -f "$here/../..")
skiff=$(readlink -f "${1:-$repo/build/runtime/skiff}")
cache=${SKIFF_VM_CACHE:-/var/cache/skiff-vm}
timeout_s=${SKIFF_VM_TIMEOUT:-300}
log=${SKIFF_VM_LOG:-$cache/console.log}
plan=$(sed -n 's/^PLAN=\([0-9][0-9]*\)$/\1/p' "$here/guest-tests.sh")

say() { printf '# run-vm: %s\n' "$*"; }

skip_all() {
	say "skipped: $*"
	local i
	for ((i = 1; i <= plan; i++)); do
		echo "ok $i - vm test $i # skip $*"
	done
	echo "1..$plan"
	exit 0
}

# the suite could not be built for a reason that is skiff's or the suite's
fail_all() {
	say "failed: $*"
	local i
	for ((i = 1; i <= plan; i++)); do
		echo "not ok $i - vm test $i: not run: $*"
	done
	echo "1..$plan"
	exit 1
}

[ -n "$plan" ] || { echo "not ok 1 - no PLAN= line in $here/guest-tests.sh"; echo "1..1"; exit 1; }
[ -x "$skiff" ] || skip_all "no skiff binary at $skiff (build it first)"

is_static() { ! ldd "$1" >/dev/null 2>&1; }

apt_install() { # apt_install PACKAGE...
	[ "$(id -u)" -eq 0 ] || return 1
	say "apt-get install -y --no-install-recommends $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
		>"$cache/apt.log" 2>&1 || { tail -n 5 "$cache/apt.log" | sed 's/^/#   /'; return 1; }
}

mkdir -p "$cache" 2>/dev/null || skip_all "cannot create the cache directory $cache"

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v cpio >/dev/null; then
	apt_install qemu-system-x86 cpio || skip_all "qemu-system-x86_64/cpio missing and apt-get install failed (root and Debian's archive are needed)"
fi
if [ ! -x /bin/busybox ] || ! is_static /bin/busybox; then
	apt_install busybox-static || skip_all "no static /bin/busybox and apt-get install busybox-static failed"
fi

# The kernel: only vmlinuz and the modules the suite loads are unpacked
# (the whole package is 400 MB of modules): the ramdisk, and what CRIU's
# kernel checks and network dumps need (socket diag, nf_tables for its
# network lock, conntrack netlink, tun, veth), in load order.  A
# decompressed vmlinux boots through PVH about twice as fast under TCG, so
# it is cached next to it.
kmods=(drivers/block/brd.ko
	net/ipv4/inet_diag.ko net/ipv4/tcp_diag.ko net/ipv4/udp_diag.ko net/ipv4/raw_diag.ko
	net/unix/unix_diag.ko net/netlink/netlink_diag.ko net/packet/af_packet_diag.ko
	crypto/crc32c_generic.ko lib/libcrc32c.ko net/netfilter/nfnetlink.ko net/netfilter/nf_tables.ko
	net/ipv4/netfilter/nf_defrag_ipv4.ko net/ipv6/netfilter/nf_defrag_ipv6.ko
	net/netfilter/nf_conntrack.ko net/netfilter/nf_conntrack_netlink.ko
	drivers/net/tun.ko drivers/net/veth.ko)
kernel_cached() { # kernel_cached: vmlinuz and every module of its version
	local v m
	v=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$v" ] || return 1
	for m in "${kmods[@]}"; do
		[ -f "$cache/kernel/lib/modules/${v##*/vmlinuz-}/kernel/$m" ] || return 1
	done
}
if ! kernel_cached; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || skip_all "apt-cache knows no linux-image-amd64 dependency (apt-get update?)"
	say "apt-get download $pkg (into $cache)"
	(cd "$cache" && apt-get download "$pkg" >"$cache/apt.log" 2>&1) ||
		skip_all "apt-get download $pkg failed: $(tail -n 1 "$cache/apt.log")"
	deb=$(ls "$cache/${pkg}"_*.deb | tail -n 1)
	say "unpacking vmlinuz and ${#kmods[@]} modules from $(basename "$deb")"
	mkdir -p "$cache/kernel"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$cache/kernel" --wildcards './boot/vmlinuz-*' "${kmods[@]/#/./lib/modules/*/kernel/}" ||
		skip_all "could not unpack $deb"
	rm -f "$deb"
fi
vmlinuz=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$vmlinuz" ] || skip_all "no vmlinuz in $cache/kernel"
kver=${vmlinuz##*/vmlinuz-}
kernel=$vmlinuz
vmlinux=$cache/kernel/vmlinux-$kver
if [ ! -s "$vmlinux" ] && command -v xz >/dev/null; then
	# the bzImage payload is one xz stream; xz complains about the bytes
	# after it, the ELF before them is whole (checked with `file`)
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$vmlinuz" | xz -dc >"$vmlinux.tmp" 2>/dev/null
		if file "$vmlinux.tmp" | grep -q 'ELF 64-bit'; then mv "$vmlinux.tmp" "$vmlinux"; fi
		rm -f "$vmlinux.tmp"
	fi
fi
[ -s "$vmlinux" ] && kernel=$vmlinux

# ---- the initramfs
work=$(mktemp -d /tmp/skiff-vm.XXXXXX) || skip_all "mktemp failed"
trap 'rm -rf "$work"' EXIT
ir=$work/ir
mkdir -p "$ir"/{bin,dev,proc,sys,run,tmp,mnt,skiff,lib/modules,vm/bundles} || skip_all "mkdir in $work failed"

# Debian's python3 directly: a pyenv shim costs seconds on a loaded host
py=/usr/bin/python3
[ -x "$py" ] || py=python3
# busybox and every applet as a symlink to it, in one process (a fork of
# ln per applet takes ten seconds on a busy machine)
cp /bin/busybox "$ir/bin/busybox"
/bin/busybox --list | "$py" -c '
import os, sys
for a in sys.stdin.read().split():
    if a != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], a))' "$ir/bin" ||
	skip_all "could not make the busybox applet links"
cp "$here/guest-tests.sh" "$ir/init"
chmod 755 "$ir/init"
cp "$here/guest-criu.sh" "$here/guest-podman.sh" "$ir/vm/"
# copy_libs BINARY: the loader and every library, at the paths it asks for
copy_libs() {
	is_static "$1" && return 0
	ldd "$1" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
		[ -e "$ir$lib" ] || cp -L --parents "$lib" "$ir" || exit 1
	done
}
cp "$skiff" "$ir/skiff/skiff"
copy_libs "$skiff" || skip_all "could not copy the shared libraries of $skiff"
for m in "${kmods[@]}"; do
	cp "$cache/kernel/lib/modules/$kver/kernel/$m" "$ir/lib/modules/" 2>/dev/null &&
		basename "$m" .ko >>"$ir/lib/modules/order"
done

# CRIU for the checkpoint tests, in /usr/sbin (first in PATH for those
# tests): criu, the iproute2 ip and iptables (nft) it runs to dump and
# restore a network namespace, and GNU tar for tmpfs contents (busybox's
# lacks the options CRIU passes).  Without criu the guest skips the tests.
if ! command -v criu >/dev/null; then
	apt_install criu iproute2 iptables || say "no criu: the checkpoint tests will skip"
fi
if command -v criu >/dev/null; then
	mkdir -p "$ir/usr/sbin"
	for b in "$(command -v criu)" "$(readlink -f "$(command -v ip)")" /usr/sbin/xtables-nft-multi \
		/usr/sbin/xtables-legacy-multi "$(readlink -f "$(command -v tar)")"; do
		[ -x "$b" ] && cp "$b" "$ir/usr/sbin/" && copy_libs "$b" ||
			skip_all "could not copy $b and its libraries for criu"
	done
	# iptables is nft's; CRIU also saves the legacy tables of an nft host
	for l in iptables ip6tables; do
		for v in "" -save -restore; do
			ln -s xtables-nft-multi "$ir/usr/sbin/$l$v"
			ln -s xtables-legacy-multi "$ir/usr/sbin/$l-legacy$v"
		done
	done
	# the network lock is iptables' mark match: its extensions.  (CRIU
	# 3.17's nftables lock is no way out: its table, named after the dumped
	# pid, is saved in the image and never removed after a restore.)
	mkdir -p "$ir/usr/lib/x86_64-linux-gnu/xtables"
	cp /usr/lib/x86_64-linux-gnu/xtables/libxt_{mark,standard,tcp,udp}.so "$ir/usr/lib/x86_64-linux-gnu/xtables/" ||
		skip_all "no iptables extensions for criu's network lock"
fi

# podman 4.3 and conmon for guest-podman.sh (podman's checkpoint and
# restore on skiff), with netavark, which podman looks for even when no
# container has a network.  Without them the guest skips those tests.
pm_bins=(/usr/bin/podman /usr/bin/conmon /usr/lib/podman/netavark)
have_pm() { local b; for b in "${pm_bins[@]}"; do [ -x "$b" ] || return 1; done; }
have_pm || apt_install podman conmon netavark || say "no podman: the podman tests will skip"
if have_pm; then
	mkdir -p "$ir/usr/bin" "$ir/usr/lib/podman"
	for b in "${pm_bins[@]}"; do
		cp "$b" "$ir$b" && copy_libs "$b" && continue
		say "could not copy $b and its libraries: the podman tests will skip"
		rm -f "$ir/usr/bin/podman"
		break
	done
fi

rootfs=$ir/vm/rootfs
mkdir -p "$rootfs"/{dev,proc,sys,tmp,etc,t}
cp -a "$ir/bin" "$rootfs/bin"
echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
(cd "$work" && "$skiff" spec >/dev/null 2>"$work/spec.err") ||
	fail_all "$skiff spec failed: $(cat "$work/spec.err")"
"$py" "$here/make-bundles.py" "$work/config.json" "$ir/vm/bundles" ||
	fail_all "make-bundles.py failed"

# uncompressed: the kernel copies it instead of inflating it under TCG
(cd "$ir" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio" ||
	skip_all "cpio failed"

# ---- boot once
say "booting $(basename "$kernel") with $(du -h "$work/initramfs.cpio" | cut -f1) initramfs, skiff $skiff (timeout ${timeout_s}s)"
start=$(date +%s.%N)
declare -A seen=()
failed=0 last=0
while IFS= read -r line; do
	line=${line%$'\r'}
	if [[ "$line" =~ ^(not\ )?ok\ ([0-9]+)(\ |$) ]]; then
		seen[${BASH_REMATCH[2]}]=1
		[ -n "${BASH_REMATCH[1]}" ] && failed=1
		((BASH_REMATCH[2] > last)) && last=${BASH_REMATCH[2]}
		echo "$line"
	elif [[ "$line" == "#"* ]]; then
		echo "$line"
	fi
done < <(timeout --foreground "$timeout_s" qemu-system-x86_64 -accel tcg -m 512 -smp 2 \
	-nographic -no-reboot -kernel "$kernel" -initrd "$work/initramfs.cpio" \
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet" </dev/null 2>&1 | tee "$log")
end=$(date +%s.%N)
say "wall time $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s from qemu start to poweroff (console log: $log)"

reason="the guest never reported it (crashed or hit the ${timeout_s}s timeout; see $log)"
grep -q '^# guest: done' "$log" && reason="the guest skipped it (a bug in guest-tests.sh)"
for ((i = 1; i <= plan; i++)); do
	if [ -z "${seen[$i]:-}" ]; then
		echo "not ok $i - vm test $i: $reason"
		failed=1
	fi
done
if ((last > plan)); then
	say "the guest reported $last results but PLAN=$plan in guest-tests.sh"
	echo "not ok $((last + 1)) - PLAN in tests/vm/guest-tests.sh matches the tests"
	plan=$((last + 1))
	failed=1
fi
echo "1..$plan"
exit $failed
