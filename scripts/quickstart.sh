#!/usr/bin/env bash
# From a fresh Debian 12 machine to a running container:
#   install the dependencies, build skiff, make a busybox bundle in
#   /tmp/skiff-demo and run it.  Re-running is fine (each step is idempotent).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
repo=$(pwd)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build

demo=/tmp/skiff-demo
rm -rf "$demo"
mkdir -p "$demo/rootfs/bin" "$demo/rootfs/etc"
cp /bin/busybox "$demo/rootfs/bin/busybox"
"${sudo[@]}" chroot "$demo/rootfs" /bin/busybox --install -s /bin
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$demo/rootfs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$demo/rootfs/etc/group"
(cd "$demo" && "$repo/build/runtime/skiff" spec)
/usr/bin/python3 - "$demo/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "echo hello from skiff; hostname"]
json.dump(c, open(path, "w"), indent=2)
PY
echo "+ sudo build/runtime/skiff run --bundle $demo demo"
"${sudo[@]}" "$repo/build/runtime/skiff" run --bundle "$demo" demo
