#!/usr/bin/env bash
# Installs everything skiff needs to build, test and benchmark on Debian 12.
# Idempotent: apt-get skips what is already installed.  Run as root (or it
# uses sudo).  runc and crun are only for the benchmark and for validating
# the integration suite against another runtime; criu for checkpoint/restore.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
	build-essential g++ meson ninja-build pkg-config
	libyajl-dev libseccomp-dev libcap-dev libsystemd-dev
	catch2 clang libclang-rt-14-dev scdoc
	busybox-static bats python3 time util-linux
	hyperfine runc crun
	criu
	systemd
)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
