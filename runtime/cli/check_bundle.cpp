// Implements bundle_checks (cli/check_host.hpp): whether each field of a
// bundle's config.json can be honoured on this host.
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "cli/check_host.hpp"
#include "ocispec/json.hpp"

namespace skiff::cli {
namespace {

struct RlimitName {
    const char* name;
    int resource;
};
constexpr RlimitName rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

std::string limit_text(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

class Checker {
  public:
    Checker(const HostProbe& h, std::vector<CheckItem>& out) : h_(h), out_(out) {}

    void add(std::string name, Verdict v, std::string detail) { out_.push_back({std::move(name), v, std::move(detail)}); }

    void root(const oci::Config& c, const std::string& bundle) {
        std::string p = c.root->path;
        if (p.empty() || p[0] != '/') p = bundle + "/" + p;
        struct stat st {};
        if (stat(p.c_str(), &st) < 0)
            add("root.path", Verdict::Fail, "\"" + p + "\": " + std::strerror(errno));
        else if (!S_ISDIR(st.st_mode))
            add("root.path", Verdict::Fail, "\"" + p + "\" is not a directory");
        else
            add("root.path", Verdict::Ok, p);
    }

    void rlimits(const oci::Process& p) {
        if (!p.rlimits) return;
        for (size_t i = 0; i < p.rlimits->size(); ++i) {
            const oci::Rlimit& rl = (*p.rlimits)[i];
            std::string name = "process.rlimits[" + std::to_string(i) + "]";
            const RlimitName* known = nullptr;
            for (const auto& n : rlimit_names)
                if (rl.type == n.name) known = &n;
            struct rlimit cur {};
            if (!known || getrlimit(known->resource, &cur) < 0) {
                add(name, Verdict::Fail, rl.type + ": unknown rlimit");
                continue;
            }
            if (rl.hard > cur.rlim_max && !h_.cap_sys_resource)
                add(name, Verdict::Fail,
                    rl.type + " hard limit " + limit_text(rl.hard) + " exceeds this process's hard limit " +
                        limit_text(cur.rlim_max) + " and CAP_SYS_RESOURCE is missing");
            else
                add(name, Verdict::Ok, rl.type + " " + limit_text(rl.soft) + "/" + limit_text(rl.hard));
        }
    }

    void lsm(const oci::Config& c) {
        if (c.process && c.process->apparmorProfile && !c.process->apparmorProfile->empty())
            add("process.apparmorProfile", h_.apparmor ? Verdict::Ok : Verdict::Fail,
                h_.apparmor ? *c.process->apparmorProfile : "AppArmor is not enabled on this host");
        if (c.process && c.process->selinuxLabel && !c.process->selinuxLabel->empty())
            add("process.selinuxLabel", h_.selinux ? Verdict::Ok : Verdict::Fail,
                h_.selinux ? *c.process->selinuxLabel : "SELinux is not enabled on this host");
        if (c.linux && c.linux->mountLabel && !c.linux->mountLabel->empty())
            add("linux.mountLabel", h_.selinux ? Verdict::Ok : Verdict::Fail,
                h_.selinux ? *c.linux->mountLabel : "SELinux is not enabled on this host");
    }

    void namespaces(const oci::Linux& l) {
        if (!l.namespaces) return;
        for (size_t i = 0; i < l.namespaces->size(); ++i) {
            const oci::Namespace& n = (*l.namespaces)[i];
            std::string name = "linux.namespaces[" + std::to_string(i) + "]";
            std::string type(oci::enum_name(n.type));
            if (n.path) {
                struct stat st {};
                if (stat(n.path->c_str(), &st) < 0) {
                    add(name, Verdict::Fail, type + " path \"" + *n.path + "\": " + std::strerror(errno));
                    continue;
                }
            }
            if (n.type == oci::NamespaceType::User && !n.path && h_.max_user_namespaces <= 0)
                add(name, Verdict::Fail, "user namespaces are disabled (max_user_namespaces=0)");
            else if (n.type == oci::NamespaceType::Time && !h_.kernel_at_least(5, 6))
                add(name, Verdict::Fail, "time namespaces need kernel 5.6");
            else
                add(name, Verdict::Ok, type + (n.path ? " (join " + *n.path + ")" : ""));
        }
    }

    void resources(const oci::Resources& r) {
        // field -> controller it needs in the cgroup v2 hierarchy
        std::vector<std::pair<std::string, std::string>> need;
        if (r.memory) need.emplace_back("linux.resources.memory", "memory");
        if (r.cpu) {
            const auto& c = *r.cpu;
            if (c.shares || c.quota || c.period || c.burst || c.idle || c.realtimeRuntime || c.realtimePeriod)
                need.emplace_back("linux.resources.cpu", "cpu");
            if (c.cpus || c.mems) need.emplace_back("linux.resources.cpu", "cpuset");
        }
        if (r.pids) need.emplace_back("linux.resources.pids", "pids");
        if (r.blockIO) need.emplace_back("linux.resources.blockIO", "io");
        if (r.hugepageLimits && !r.hugepageLimits->empty()) need.emplace_back("linux.resources.hugepageLimits", "hugetlb");
        if (r.rdma && !r.rdma->empty()) need.emplace_back("linux.resources.rdma", "rdma");
        if (r.unified)
            for (const auto& [key, value] : *r.unified) {
                std::string ctl = key.substr(0, key.find('.'));
                if (ctl != "cgroup") need.emplace_back("linux.resources.unified[\"" + key + "\"]", ctl);
            }
        if (r.network)
            add("linux.resources.network", Verdict::Warn, "net_cls/net_prio do not exist in cgroup v2: ignored");
        if (r.devices)
            add("linux.resources.devices", h_.cgroup2_path.empty() ? Verdict::Fail : Verdict::Ok,
                h_.cgroup2_path.empty() ? "the BPF device filter needs cgroup v2" : "BPF device filter");
        for (const auto& [field, ctl] : need) {
            if (h_.cgroup2_path.empty()) {
                add(field, Verdict::Fail, "needs the \"" + ctl + "\" controller: this host has no cgroup v2");
            } else if (!h_.has_controller(ctl)) {
                std::string avail;
                for (const auto& c : h_.controllers) avail += (avail.empty() ? "" : " ") + c;
                add(field, Verdict::Fail,
                    "needs the \"" + ctl + "\" controller, not available in the cgroup v2 hierarchy at " +
                        h_.cgroup2_path + " (available: " + (avail.empty() ? "none" : avail) + ")");
            } else {
                add(field, Verdict::Ok, "controller \"" + ctl + "\"");
            }
        }
    }

    void seccomp(const oci::Seccomp& s) {
        bool notify = s.defaultAction == oci::SeccompAction::Notify;
        if (s.syscalls)
            for (const auto& sc : *s.syscalls) notify = notify || sc.action == oci::SeccompAction::Notify;
        if (!h_.seccomp) {
            add("linux.seccomp", Verdict::Fail, "seccomp is not available on this kernel");
            return;
        }
        if (notify && !h_.seccomp_notify)
            add("linux.seccomp", Verdict::Fail, "SCMP_ACT_NOTIFY needs SECCOMP_RET_USER_NOTIF");
        if (s.flags)
            for (auto f : *s.flags) {
                bool have = false;
                for (auto g : h_.seccomp_flags) have = have || g == f;
                if (!have)
                    add("linux.seccomp.flags", Verdict::Fail,
                        std::string(oci::enum_name(f)) + " is not supported by this kernel");
            }
        add("linux.seccomp", Verdict::Ok, "filter with default " + std::string(oci::enum_name(s.defaultAction)));
    }

    void idmapped_mounts(const oci::Config& c) {
        if (!c.mounts) return;
        for (size_t i = 0; i < c.mounts->size(); ++i) {
            const oci::Mount& m = (*c.mounts)[i];
            if (!(m.uidMappings || m.gidMappings)) continue;
            add("mounts[" + std::to_string(i) + "]", h_.kernel_at_least(5, 12) ? Verdict::Ok : Verdict::Fail,
                h_.kernel_at_least(5, 12) ? "idmapped mount of " + m.destination
                                          : "idmapped mounts need kernel 5.12");
        }
    }

  private:
    const HostProbe& h_;
    std::vector<CheckItem>& out_;
};

}  // namespace

std::vector<CheckItem> bundle_checks(const std::string& bundle, const HostProbe& h) {
    std::vector<CheckItem> out;
    Checker ck(h, out);
    auto cfg = oci::load_config(bundle + "/config.json");
    if (!cfg.ok()) {
        ck.add("config.json", Verdict::Fail, cfg.error().message);
        return out;
    }
    if (auto v = oci::validate_config(*cfg); !v.ok()) {
        ck.add("config.json", Verdict::Fail, v.error().message);
        return out;
    }
    ck.add("config.json", Verdict::Ok, "parsed and valid (ociVersion " + cfg->ociVersion + ")");
    const oci::Config& c = *cfg;
    if (c.root) ck.root(c, bundle);
    if (c.process) ck.rlimits(*c.process);
    ck.lsm(c);
    ck.idmapped_mounts(c);
    if (c.linux) {
        ck.namespaces(*c.linux);
        if (c.linux->resources) ck.resources(*c.linux->resources);
        if (c.linux->seccomp) ck.seccomp(*c.linux->seccomp);
    }
    return out;
}

}  // namespace skiff::cli
