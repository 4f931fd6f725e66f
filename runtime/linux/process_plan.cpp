// plan_process: everything about the container process is checked here, in
// the parent, so the child only replays prepared syscall arguments.
#include <sys/stat.h>

#include <string_view>

#include "common/log.hpp"
#include "linux/process_impl.hpp"

namespace skiff::linux {

ProcessPlan::ProcessPlan() : impl(std::make_unique<Impl>()) {}
ProcessPlan::ProcessPlan(ProcessPlan&&) noexcept = default;
ProcessPlan& ProcessPlan::operator=(ProcessPlan&&) noexcept = default;
ProcessPlan::~ProcessPlan() = default;

namespace {

using oci::Error;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";


bool exists(const char* path) {
    struct stat st;
    return ::stat(path, &st) == 0;
}

oci::Result<void> plan_command(const oci::Process& p, ProcessPlan::Impl& im) {
    if (!p.args || p.args->empty()) return Error::msg("process.args: at least one argument is required");
    im.args = *p.args;
    for (size_t i = 0; i < im.args.size(); ++i)
        if (im.args[i].find('\0') != std::string::npos)
            return Error::msg("process.args[" + std::to_string(i) + "]: contains a NUL byte");

    if (p.cwd.empty() || p.cwd[0] != '/')
        return Error::msg("process.cwd: " + oci::quote(p.cwd) + " is not an absolute path");
    if (p.cwd.size() >= PATH_MAX || p.cwd.find('\0') != std::string::npos)
        return Error::msg("process.cwd: " + oci::quote(p.cwd) + " is not a valid path");
    im.cwd = p.cwd;

    bool have_path = false, have_home = false;
    if (p.env) {
        for (size_t i = 0; i < p.env->size(); ++i) {
            const std::string& kv = (*p.env)[i];
            size_t eq = kv.find('=');
            if (eq == std::string::npos || eq == 0 || kv.find('\0') != std::string::npos)
                return Error::msg("process.env[" + std::to_string(i) + "]: " + oci::quote(kv) +
                                  " is not of the form KEY=VALUE");
            if (eq == 4 && kv.compare(0, 4, "HOME") == 0) have_home = true;
            if (!have_path && kv.compare(0, eq, "PATH") == 0 && eq == 4) {
                im.path = kv.substr(5);
                have_path = true;
            }
            im.env.push_back(kv);
        }
    }
    // Only the lookup uses the default; the environment is passed as given (runc).
    if (!have_path) im.path = kDefaultPath;
    im.wants_home = !have_home;
    return oci::ok();
}

oci::Result<void> plan_user(const oci::Process& p, ProcessPlan::Impl& im) {
    if (p.user) {
        im.uid = p.user->uid.value_or(0);
        im.gid = p.user->gid.value_or(0);
        if (p.user->additionalGids)
            for (auto g : *p.user->additionalGids) im.groups.push_back(g);
        if (p.user->umask) {
            if (*p.user->umask > 0777)
                return Error::msg("process.user.umask: " + std::to_string(*p.user->umask) +
                                  " is not a valid umask (at most 0777)");
            im.umask = static_cast<mode_t>(*p.user->umask);
        }
        // user.username is Windows-only and ignored here.
    }
    im.no_new_privs = p.noNewPrivileges.value_or(false);
    return oci::ok();
}

oci::Result<void> plan_lsm(const oci::Process& p, const ProcessHost& host, ProcessPlan::Impl& im) {
    if (p.apparmorProfile && !p.apparmorProfile->empty()) {
        if (!host.apparmor)
            return Error::msg("process.apparmorProfile: profile " + oci::quote(*p.apparmorProfile) +
                              " is required, but this host has no AppArmor enabled");
        im.lsm.push_back({"/proc/self/attr/apparmor/exec", "exec " + *p.apparmorProfile,
                          "process.apparmorProfile"});
    }
    if (p.selinuxLabel && !p.selinuxLabel->empty()) {
        if (!host.selinux)
            return Error::msg("process.selinuxLabel: label " + oci::quote(*p.selinuxLabel) +
                              " is required, but this host has no SELinux enabled");
        im.lsm.push_back({"/proc/self/attr/exec", *p.selinuxLabel, "process.selinuxLabel"});
    }
    return oci::ok();
}

}  // namespace

namespace {

// wanted_rlimits: bit r, read the current hard limit of resource r (the
// others are left RLIM_INFINITY: plan_rlimits reads only the config's).
// lsm: look for AppArmor and SELinux (only a profile or label asks).
ProcessHost probe_host(const oci::Config& c, uint64_t wanted_caps, uint32_t wanted_rlimits, bool lsm) {
    ProcessHost h;
    h.caps = probe_cap_host(oci::find_namespace(c, oci::NamespaceType::User) != nullptr, wanted_caps);
    for (int r = 0; r < RLIM_NLIMITS; ++r) {
        h.hard[r] = RLIM_INFINITY;
        if (!(wanted_rlimits & (uint32_t{1} << r))) continue;
        struct rlimit lim {};
        if (::getrlimit(static_cast<__rlimit_resource>(r), &lim) == 0) h.hard[r] = lim.rlim_max;
    }
    if (lsm) {
        h.apparmor = exists("/sys/kernel/security/apparmor");
        h.selinux = exists("/sys/fs/selinux/enforce");
    }
    return h;
}

}  // namespace

ProcessHost probe_process_host(const oci::Config& c) { return probe_host(c, ~uint64_t{0}, ~uint32_t{0}, true); }

ProcessHost probe_process_host(const oci::Config& c, const oci::Process& p) {
    uint64_t wanted = 0;
    if (p.capabilities) {
        const oci::Capabilities& k = *p.capabilities;
        for (const auto* set : {&k.bounding, &k.effective, &k.inheritable, &k.permitted, &k.ambient})
            if (*set)
                for (const auto& name : **set)
                    if (auto n = cap_from_name(name); n && *n < 64) wanted |= uint64_t{1} << *n;
    }
    uint32_t rlimits = 0;
    static_assert(RLIM_NLIMITS <= 32);
    if (p.rlimits)
        for (const auto& r : *p.rlimits)
            if (auto res = rlimit_from_name(r.type); res && *res >= 0 && *res < RLIM_NLIMITS)
                rlimits |= uint32_t{1} << *res;
    const bool lsm = (p.apparmorProfile && !p.apparmorProfile->empty()) || (p.selinuxLabel && !p.selinuxLabel->empty());
    return probe_host(c, wanted, rlimits, lsm);
}

oci::Result<ProcessPlan> plan_process(const oci::Config& c, const oci::Process& p) {
    return plan_process(c, p, probe_process_host(c, p));
}

oci::Result<ProcessPlan> plan_process(const oci::Config& c, const oci::Process& p,
                                      const ProcessHost& host) {
    ProcessPlan plan;
    auto& im = *plan.impl;
    TRY(plan_command(p, im));
    TRY(plan_user(p, im));
    TRY_ASSIGN(im.rlimits, plan_rlimits(p.rlimits, host.caps.sys_resource, host.hard));
    if (p.oomScoreAdj) {
        if (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000)
            return Error::msg("process.oomScoreAdj: " + std::to_string(*p.oomScoreAdj) +
                              " is out of range -1000..1000");
        im.oom_score_adj = std::to_string(*p.oomScoreAdj);
    }
    TRY(plan_sched(c, p, im.sched));
    TRY_ASSIGN(im.sysctls, plan_sysctl(c));
    TRY_ASSIGN(im.caps, plan_caps(p.capabilities, host.caps, im.warnings));
    TRY(plan_lsm(p, host, im));
    // runc applies what it can of these without a word; say it at debug level.
    for (const auto& w : im.warnings) skiff::log::debug(w);

    // Pointer arrays last: the strings they point into no longer move.
    for (const auto& a : im.args) im.argv.push_back(a.c_str());
    im.argv.push_back(nullptr);
    for (const auto& e : im.env) im.envp.push_back(e.c_str());
    if (im.wants_home) im.envp.push_back(im.home_env);
    im.envp.push_back(nullptr);
    return plan;
}

}  // namespace skiff::linux
