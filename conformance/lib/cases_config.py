"""Cases whose verdict comes from the in-container checker: one config
variant per field of config.md / config-linux.md that a Linux runtime must
honour."""

import os
import subprocess

from flow import checker_case


def _user(c):
    c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 0o027}
    caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    c["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps,
                                    "inheritable": caps, "ambient": ["CAP_KILL"]}


def _caps(c):
    c["process"]["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SYS_ADMIN"],
        "effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
        "inheritable": ["CAP_KILL"], "ambient": []}


def _mounts(ctx):
    def mutate(c):
        src = os.path.join(ctx.work, "bind-src")
        os.makedirs(src, exist_ok=True)
        c["mounts"] += [
            {"destination": "/mnt/tmpfs", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "noexec", "ro", "size=1m"]},
            {"destination": "/mnt/bind", "type": "bind", "source": src,
             "options": ["rbind", "ro", "nosuid", "rprivate"]},
            {"destination": "/mnt/none", "source": src, "options": ["bind", "nodev"]},
        ]
    return mutate


def _devices(c):
    c["linux"]["devices"] = [
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
        {"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 12, "gid": 34},
        {"path": "/dev/conf-loop", "type": "b", "major": 7, "minor": 0, "fileMode": 432},
        {"path": "/conf-fifo", "type": "p", "fileMode": 420},
    ]
    c["root"]["readonly"] = False


def _userns(c):
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    # a new user namespace cannot mount a cgroup hierarchy it does not own
    c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys/fs/cgroup"]


def _seccomp(c):
    c["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                     {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO"}]}


def _unknown_fields(c):
    c["x-conformance-unknown"] = {"nested": [1, 2, 3]}
    c["process"]["x-unknown"] = True
    c["linux"]["x-unknown"] = "value"


def _cgroup(ctx):
    def mutate(c):
        c["linux"]["cgroupsPath"] = f"/conformance-{os.getpid()}-{ctx.rt.label}"
    return mutate


def _cgroupns(ctx):
    def mutate(c):
        _cgroup(ctx)(c)
        c["linux"]["namespaces"].append({"type": "cgroup"})
    return mutate


def _join(ctx):
    """Joins a network and uts namespace held by a process the driver starts."""
    def mutate(c):
        holder = subprocess.Popen(["unshare", "--net", "--uts", "sleep", "60"])
        ctx.holders.append(holder)
        for _ in range(100):
            if os.stat(f"/proc/{holder.pid}/ns/uts").st_ino != os.stat("/proc/self/ns/uts").st_ino:
                break
            __import__("time").sleep(0.01)
        for t, n in (("network", "net"), ("uts", "uts")):
            path = f"/proc/{holder.pid}/ns/{n}"
            for ns in c["linux"]["namespaces"]:
                if ns["type"] == t:
                    ns["path"] = path
            c["process"]["env"].append(f"CONF_JOIN_NS_{t}={os.stat(path).st_ino}")
        # sysfs needs a network namespace the runtime owns, so no /sys here
        c["mounts"] = [m for m in c["mounts"] if not m["destination"].startswith("/sys")]
        del c["hostname"]
    return mutate


def _set(path, value):
    def mutate(c):
        node = c
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return mutate


def config_cases(ctx):
    """(name, section, mutate, skip-reason-or-None)."""
    v2 = None if ctx.v2_view else "needs --v2-view (hybrid host: v1 owns the controllers)"
    return [
        ("default", "config", lambda c: None, None),
        ("hostname-domainname", "config.hostname", _set(["domainname"], "conformance.test"), None),
        ("user", "config.process.user", _user, None),
        ("cwd", "config.process", _set(["process", "cwd"], "/tmp"), None),
        ("root-writable", "config.root", _set(["root", "readonly"], False), None),
        ("rootfs-propagation-private", "config-linux.rootfs-mount-propagation",
         _set(["linux", "rootfsPropagation"], "private"), None),
        ("rootfs-propagation-slave", "config-linux.rootfs-mount-propagation",
         _set(["linux", "rootfsPropagation"], "slave"), None),
        ("mounts", "config.mounts", _mounts(ctx), None),
        ("devices", "config-linux.devices", _devices, None),
        ("sysctl", "config-linux.sysctl",
         _set(["linux", "sysctl"], {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}), None),
        ("oom-score-adj", "config.process", _set(["process", "oomScoreAdj"], 123), None),
        ("rlimits", "config.process.rlimits",
         _set(["process", "rlimits"], [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
                                       {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
                                       {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]), None),
        ("capabilities", "config.process.capabilities", _caps, None),
        ("no-new-privileges-false", "config.process",
         _set(["process", "noNewPrivileges"], False), None),
        ("seccomp", "config-linux.seccomp", _seccomp, None),
        ("personality", "config-linux.personality",
         _set(["linux", "personality"], {"domain": "LINUX32"}), None),
        ("scheduler", "config.process.scheduler",
         _set(["process", "scheduler"], {"policy": "SCHED_BATCH", "nice": 5}), None),
        ("io-priority", "config.process.io-priority",
         _set(["process", "ioPriority"], {"class": "IOPRIO_CLASS_BE", "priority": 6}), None),
        ("user-namespace", "config-linux.user-namespace-mappings", _userns, None),
        ("time-namespace", "config-linux.time-offsets",
         lambda c: (c["linux"]["namespaces"].append({"type": "time"}),
                    c["linux"].__setitem__("timeOffsets", {"monotonic": {"secs": 3600, "nanosecs": 0},
                                                           "boottime": {"secs": 7200, "nanosecs": 0}})),
         None),
        ("join-namespaces", "config-linux.namespaces", _join(ctx), None),
        ("unknown-fields", "config.extensibility", _unknown_fields, None),
        ("cgroups-path", "config-linux.cgroups-path", _cgroup(ctx), v2),
        ("cgroup-namespace", "config-linux.namespaces", _cgroupns(ctx), v2),
    ]


STATIC_SKIPS = [
    ("config.process", "apparmorProfile", "no LSM active on this host"),
    ("config.process", "selinuxLabel", "no LSM active on this host"),
    ("config-linux.mount-label", "mountLabel", "no LSM active on this host"),
    ("config-linux.intel-rdt", "intelRdt", "no resctrl filesystem on this host"),
    ("config-linux.resources", "memory/cpu/pids/blockIO",
     "cgroup v1 owns these controllers on this hybrid host; the v2 view lacks their files"),
    ("config.process", "terminal/consoleSize", "needs a console socket receiver (not in this suite yet)"),
    ("config-linux.network-devices", "netDevices", "not covered yet"),
]


# The checker families each case exercises; "default" runs them all, the
# others only what their variant changes, so every result counts once.
FAMILIES = {
    "hostname-domainname": "identity", "user": "process,security", "cwd": "process",
    "root-writable": "paths", "rootfs-propagation-private": "paths",
    "rootfs-propagation-slave": "paths", "mounts": "mounts", "devices": "devices",
    "sysctl": "sysctl", "oom-score-adj": "limits", "rlimits": "limits",
    "capabilities": "security", "no-new-privileges-false": "security", "seccomp": "security",
    "personality": "limits", "scheduler": "limits", "io-priority": "limits",
    "user-namespace": "identity,process", "time-namespace": "time",
    "join-namespaces": "namespaces,identity", "unknown-fields": "process",
    "cgroups-path": "cgroup", "cgroup-namespace": "cgroup,namespaces",
}


def _root_shared():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == "/":
                return any(x.startswith("shared:") for x in fields[6:fields.index("-")])
    return False


def run_config_cases(ctx):
    for name, section, mutate, skip in config_cases(ctx):
        if ctx.only and ctx.only not in name:
            continue
        if name == "rootfs-propagation-slave" and not _root_shared():
            # a slave of a private mount has no master: the kernel makes it private
            skip = "the runtime's / is not a shared mount here (e.g. inside --v2-view)"
        if skip:
            ctx.skip(section, name, skip)
            continue

        def variant(c, mutate=mutate, fams=FAMILIES.get(name)):
            mutate(c)
            if fams:
                c["process"]["args"] += ["--only", fams]
        checker_case(ctx, name, section, variant, check_states=(name == "default"))
    for section, name, why in STATIC_SKIPS:
        ctx.skip(section, name, why)
