#!/bin/sh
# Installs the container engines the engines suite (tests/engines) drives
# with skiff: podman + conmon, buildah, containerd (ctr), docker.io, and the
# image tools skopeo and umoci; for the CRI suite (50-cri.bats) protoc with
# its gRPC Python plugin, python3-grpcio/protobuf and the CNI plugins.
# Idempotent: apt-get skips what is there.
# None of the daemons is started (there is no systemd on the test VMs; the
# suite starts its own).
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-engines.sh: run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="podman conmon buildah containerd docker.io skopeo umoci uidmap
	protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf containernetworking-plugins"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-engines.sh: all installed ($pkgs)"
	exit 0
fi
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q $missing
