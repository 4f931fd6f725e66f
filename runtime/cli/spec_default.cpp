// Implements cli/spec_default.hpp.
#include "cli/spec_default.hpp"

#include "skiff_build.h"

namespace skiff::cli {
namespace {

oci::Mount mount(std::string dest, std::string type, std::string source, oci::Opt<oci::Strings> opts) {
    oci::Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(opts);
    return m;
}

// runc's specconv.ToRootless: user namespace mapping the caller to root, no
// network namespace, /sys bind-mounted, no uid=/gid= mount options (the
// caller cannot map those ids), no cgroup resources.
void make_rootless(oci::Config& c, const SpecOptions& o) {
    auto& l = *c.linux;
    std::vector<oci::Namespace> ns;
    for (const auto& n : *l.namespaces)
        if (n.type != oci::NamespaceType::Network && n.type != oci::NamespaceType::User) ns.push_back(n);
    ns.push_back({oci::NamespaceType::User, std::nullopt});
    l.namespaces = std::move(ns);
    l.uidMappings = std::vector<oci::IdMapping>{{0, o.uid, 1}};
    l.gidMappings = std::vector<oci::IdMapping>{{0, o.gid, 1}};
    for (auto& m : *c.mounts) {
        if (m.destination == "/sys") {
            m = mount("/sys", "none", "/sys", oci::Strings{"rbind", "nosuid", "noexec", "nodev", "ro"});
            continue;
        }
        if (!m.options) continue;
        oci::Strings kept;
        for (const auto& opt : *m.options)
            if (opt.rfind("uid=", 0) != 0 && opt.rfind("gid=", 0) != 0) kept.push_back(opt);
        m.options = std::move(kept);
    }
    l.resources.reset();
}

}  // namespace

oci::Config default_spec(const SpecOptions& o) {
    oci::Config c;
    c.ociVersion = SKIFF_SPEC_VERSION;

    oci::Process p;
    p.terminal = true;
    p.user = oci::User{};
    p.user->uid = 0;
    p.user->gid = 0;
    p.args = oci::Strings{"sh"};
    p.env = oci::Strings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    const oci::Strings caps{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    p.capabilities = oci::Capabilities{};
    p.capabilities->bounding = caps;
    p.capabilities->effective = caps;
    p.capabilities->permitted = caps;
    p.capabilities->ambient = caps;
    p.rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1024, 1024}};
    p.noNewPrivileges = true;
    c.process = std::move(p);

    c.root = oci::Root{"rootfs", true};
    c.hostname = "skiff";
    c.mounts = std::vector<oci::Mount>{
        mount("/proc", "proc", "proc", std::nullopt),
        mount("/dev", "tmpfs", "tmpfs", oci::Strings{"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts",
              oci::Strings{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm", oci::Strings{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", oci::Strings{"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", oci::Strings{"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", oci::Strings{"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };

    oci::Linux l;
    oci::Resources res;
    oci::DeviceCgroup deny_all;
    deny_all.allow = false;
    deny_all.access = "rwm";
    res.devices = std::vector<oci::DeviceCgroup>{deny_all};
    l.resources = std::move(res);
    std::vector<oci::Namespace> ns;
    for (auto t : {oci::NamespaceType::Pid, oci::NamespaceType::Network, oci::NamespaceType::Ipc,
                   oci::NamespaceType::Uts, oci::NamespaceType::Mount})
        ns.push_back({t, std::nullopt});
    if (o.cgroup_ns) ns.push_back({oci::NamespaceType::Cgroup, std::nullopt});
    l.namespaces = std::move(ns);
    l.maskedPaths = oci::Strings{"/proc/acpi",       "/proc/asound",      "/proc/kcore",
                                 "/proc/keys",       "/proc/latency_stats", "/proc/timer_list",
                                 "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                 "/proc/scsi"};
    l.readonlyPaths = oci::Strings{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    c.linux = std::move(l);

    if (o.rootless) make_rootless(c, o);
    return c;
}

}  // namespace skiff::cli
