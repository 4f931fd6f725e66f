"""Bundles for one case: a busybox-static rootfs, the checker and a config
derived from a runtime-independent base (the config `runc spec` would write,
plus what the checker needs)."""

import copy
import json
import os
import shutil
import subprocess

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
HOST_NS = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc",
           "uts": "uts", "user": "user", "cgroup": "cgroup", "time": "time"}


def host_env():
    """What the checker cannot see from inside: the runtime's namespaces and
    bounding set."""
    env = []
    for t, n in HOST_NS.items():
        try:
            env.append(f"CONF_HOST_NS_{t}={os.stat(f'/proc/self/ns/{n}').st_ino}")
        except OSError:
            pass
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapBnd:"):
                env.append("CONF_HOST_CAPBND=" + line.split()[1])
    return env


def base_config():
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["/conformance/checker", "/conformance/config.json"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm", "CONF_MARKER=hello world"] + host_env(),
            "cwd": "/",
            "capabilities": {k: list(DEFAULT_CAPS) for k in
                             ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "conformance",
        "annotations": {"org.skiff.conformance": "yes"},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


def make_rootfs_template(work):
    t = os.path.join(work, "rootfs-template")
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "conformance", "mnt"):
        os.makedirs(os.path.join(t, d), exist_ok=True)
    shutil.copy2("/bin/busybox", os.path.join(t, "bin/busybox"))
    subprocess.run(["chroot", t, "/bin/busybox", "--install", "-s", "/bin"], check=True)
    with open(os.path.join(t, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(t, "etc/group"), "w") as f:
        f.write("root:x:0:\nnobody:x:65534:\n")
    os.chmod(os.path.join(t, "tmp"), 0o1777)
    return t


class Bundle:
    """One case's directory: bundle/{config.json,rootfs}, conf/ (bind-mounted
    read-only at /conformance: checker + a copy of the final config.json)."""

    def __init__(self, work, name, template, checker):
        self.dir = os.path.join(work, name)
        self.path = os.path.join(self.dir, "bundle")
        self.rootfs = os.path.join(self.path, "rootfs")
        self.conf = os.path.join(self.dir, "conf")
        os.makedirs(self.conf)
        os.makedirs(self.path)
        os.chmod(self.dir, 0o755)
        subprocess.run(["cp", "-a", template, self.rootfs], check=True)
        shutil.copy2(checker, os.path.join(self.conf, "checker"))
        self.config = base_config()
        self.config["mounts"].append({"destination": "/conformance", "type": "bind",
                                      "source": self.conf, "options": ["rbind", "ro"]})

    def write(self, raw=None):
        text = raw if raw is not None else json.dumps(self.config, indent=1)
        with open(os.path.join(self.path, "config.json"), "w") as f:
            f.write(text)
        with open(os.path.join(self.conf, "config.json"), "w") as f:
            f.write(text)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def with_changes(cfg, fn):
    c = copy.deepcopy(cfg)
    fn(c)
    return c
