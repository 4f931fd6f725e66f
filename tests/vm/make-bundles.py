#!/usr/bin/env python3
"""Write the VM suite's bundles: one config.json per container the guest
driver (tests/vm/guest-tests.sh) starts.

    make-bundles.py BASE_CONFIG OUT_DIR

BASE_CONFIG is `skiff spec` output, so the bundles follow whatever default
the runtime under test generates; only the fields a test is about are set
here.  Every bundle shares one busybox rootfs at /vm/rootfs in the guest
(writable: the container scripts leave their results in /tmp there) and has
its own cgroupsPath under /skiff-vm so the driver knows where to look.
"""
import copy
import json
import os
import sys

MiB = 1024 * 1024

# brd's /dev/ram0: RAMDISK_MAJOR is always 1, so the host can name it.
RAM0 = {"major": 1, "minor": 0}


def bundle(base, name, args, resources):
    cfg = copy.deepcopy(base)
    cfg["root"] = {"path": "/vm/rootfs", "readonly": False}
    cfg["hostname"] = name
    proc = cfg["process"]
    proc["terminal"] = False
    proc["args"] = args
    linux = cfg.setdefault("linux", {})
    linux["cgroupsPath"] = "/skiff-vm/" + name
    res = linux.setdefault("resources", {})
    res.update(resources)
    return cfg


def main():
    base_path, out = sys.argv[1], sys.argv[2]
    with open(base_path) as f:
        base = json.load(f)

    bundles = {
        # memory.max, OOM kill seen by memory.events and `events`, update,
        # pause/resume: the script waits for /tmp/go-mem before allocating.
        "mem": bundle(base, "mem", ["/t/oom.sh", "mem"],
                      {"memory": {"limit": 32 * MiB}}),
        # `skiff run` of a process that outgrows its limit exits 137.
        "oomrun": bundle(base, "oomrun", ["dd", "if=/dev/zero", "of=/dev/null",
                                           "bs=48M", "count=1"],
                         {"memory": {"limit": 16 * MiB}}),
        "pids": bundle(base, "pids", ["/t/bomb.sh"],
                       {"pids": {"limit": 8}}),
        "cpu": bundle(base, "cpu", ["sh", "-c", "while :; do :; done"],
                      {"cpu": {"shares": 1024, "quota": 20000,
                               "period": 100000, "cpus": "0", "mems": "0"}}),
        "io": bundle(base, "io", ["sleep", "1000"],
                     {"blockIO": {
                         "weight": 500,
                         "throttleReadBpsDevice": [dict(RAM0, rate=MiB)],
                         "throttleWriteIOPSDevice": [dict(RAM0, rate=100)],
                     }}),
    }
    # the io container reads /dev/ram0 to show io.max is enforced
    io = bundles["io"]["linux"]
    io.setdefault("devices", []).append(
        dict(RAM0, path="/dev/ram0", type="b", fileMode=0o660, uid=0, gid=0))
    io["resources"].setdefault("devices", []).append(
        dict(RAM0, allow=True, type="b", access="rw"))
    # CRIU (guest-criu.sh): a shell counting into a bind mount (an external
    # mount for CRIU) and a busybox httpd listening on the loopback...  Their
    # stdio is the container's own /dev/null: the guest's files are not in
    # the container's mount namespace, so CRIU could not dump them.
    quiet = "exec </dev/null >/dev/null 2>&1; "
    bundles["crcount"] = bundle(base, "crcount", ["sh", "-c", quiet +
        "i=0; while :; do i=$((i+1)); echo $i >/data/count; sleep 0.2; done"], {})
    bundles["crcount"]["mounts"].append({
        "destination": "/data", "type": "bind", "source": "/vm/criu-data",
        "options": ["rbind", "rw"]})
    # ... and a connection that stays established: nc sends a count every
    # 0.2 s to an nc listener writing it to /tmp/recv.
    bundles["crtcp"] = bundle(base, "crtcp", ["sh", "-c", quiet +
        "mkdir -p /tmp/www && echo hello-criu >/tmp/www/index.html && rm -f /tmp/recv; "
        "(sleep 100000 | nc -l -p 9000 >/tmp/recv) & sleep 1; "
        "(i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done | nc 127.0.0.1 9000) & "
        "exec httpd -f -p 127.0.0.1:8080 -h /tmp/www"], {})
    for name, cfg in bundles.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)


if __name__ == "__main__":
    main()
