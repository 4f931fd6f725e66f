# shellcheck shell=bash
# The CRI suite's tools, shared by tests/engines/50-cri.bats and
# bench/cri.sh (sourced, not run): the generated gRPC client and the two
# local images.  See ../shared/ENGINES.md, "Kubernetes' path".

CRI_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRI_PROTO=$(readlink -m "$CRI_HERE/../../../shared/cri-api/api.proto")
CRI_PAUSE_IMAGE=localhost/skiff-pause:test
CRI_BUSYBOX_IMAGE=localhost/skiff-busybox:test

# cri_missing : the name of the first tool the CRI client or the images
# need that is not here ("" when all are).
cri_missing() {
	local b
	for b in /usr/bin/containerd /usr/bin/ctr /usr/bin/umoci /usr/bin/skopeo /usr/bin/protoc \
		/usr/bin/grpc_python_plugin /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/loopback; do
		[ -x "$b" ] || { echo "$b"; return 0; }
	done
	[ -f "$CRI_PROTO" ] || { echo "$CRI_PROTO"; return 0; }
	/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || echo "python3-grpcio"
}

# cri_gen DIR : api_pb2.py and api_pb2_grpc.py in DIR, from api.proto.
cri_gen() {
	mkdir -p "$1"
	protoc -I "$(dirname "$CRI_PROTO")" --python_out="$1" --grpc_python_out="$1" \
		--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin "$CRI_PROTO"
}

# cri_images DIR ROOTFS CTR... : the pause image (tests/engines/pause.c,
# built static) and the busybox image (ROOTFS), made with umoci, written
# with skopeo and imported into containerd's k8s.io namespace with the
# command CTR... (ctr with its address).
cri_images() {
	local d=$1 rootfs=$2
	shift 2
	mkdir -p "$d/pause-rootfs"/{dev,proc,sys,etc}
	cc -static -O2 -o "$d/pause-rootfs/pause" "$CRI_HERE/pause.c" &&
		umoci init --layout "$d/cri-oci" &&
		umoci new --image "$d/cri-oci:pause" &&
		umoci insert --image "$d/cri-oci:pause" "$d/pause-rootfs" / &&
		umoci config --image "$d/cri-oci:pause" --config.entrypoint /pause &&
		umoci new --image "$d/cri-oci:busybox" &&
		umoci insert --image "$d/cri-oci:busybox" "$rootfs" / &&
		umoci config --image "$d/cri-oci:busybox" --config.cmd /bin/sh &&
		skopeo copy "oci:$d/cri-oci:pause" "docker-archive:$d/pause.tar:$CRI_PAUSE_IMAGE" &&
		skopeo copy "oci:$d/cri-oci:busybox" "docker-archive:$d/busybox.tar:$CRI_BUSYBOX_IMAGE" &&
		"$@" -n k8s.io images import "$d/pause.tar" &&
		"$@" -n k8s.io images import "$d/busybox.tar"
}
