// Implements the host half of cli/check_host.hpp.
#include "cli/check_host.hpp"

#include <linux/magic.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/fd.hpp"
#include "common/file.hpp"
#include "common/text.hpp"
#include "ocispec/enums.hpp"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

namespace skiff::cli {
namespace {

// Empty when absent or unreadable: a probe, not an error.
std::string read_text(const std::string& path) {
    auto r = read_file(path);
    return r ? std::move(r).value() : std::string();
}

bool fs_is(const char* path, unsigned long magic) {
    struct statfs st {};
    return statfs(path, &st) == 0 && static_cast<unsigned long>(st.f_type) == magic;
}

// Syscalls probed with arguments the kernel rejects before doing anything:
// ENOSYS means absent, any other error means present.
long raw_seccomp(unsigned op, unsigned flags, void* arg) { return syscall(SYS_seccomp, op, flags, arg); }

bool seccomp_action_available(uint32_t action) {
    return raw_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

// A NULL program: EFAULT once the flags passed the kernel's check, EINVAL
// for unknown flags.  No filter is ever installed.
bool seccomp_flag_supported(unsigned long flag) {
    return raw_seccomp(SECCOMP_SET_MODE_FILTER, static_cast<unsigned>(flag), nullptr) < 0 && errno == EFAULT;
}

std::vector<IdRange> read_subids(const char* file, const std::string& user, uint32_t uid) {
    std::vector<IdRange> out;
    std::ifstream f(file);
    std::string line;
    while (std::getline(f, line)) {
        auto parts = fields(line, ":");
        if (parts.size() != 3) continue;
        if (parts[0] != user && parts[0] != std::to_string(uid)) continue;
        try {
            out.push_back({static_cast<uint32_t>(std::stoul(parts[1])), static_cast<uint32_t>(std::stoul(parts[2]))});
        } catch (...) {
            // a malformed line is not ours to report
        }
    }
    return out;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += sep;
        s += x;
    }
    return s;
}

}  // namespace

bool HostProbe::has_controller(const std::string& c) const {
    return std::find(controllers.begin(), controllers.end(), c) != controllers.end();
}

HostProbe probe_host() {
    HostProbe h;
    h.layout = detect_cgroup_layout();
    if (h.layout == CgroupLayout::Unified) h.cgroup2_path = "/sys/fs/cgroup";
    if (h.layout == CgroupLayout::Hybrid) h.cgroup2_path = "/sys/fs/cgroup/unified";
    if (!h.cgroup2_path.empty()) h.controllers = fields(read_text(h.cgroup2_path + "/cgroup.controllers"), " \n");

    struct utsname u {};
    if (uname(&u) == 0) sscanf(u.release, "%d.%d", &h.kernel_major, &h.kernel_minor);

    std::string mun = read_text("/proc/sys/user/max_user_namespaces");
    h.max_user_namespaces = mun.empty() ? 0 : atol(mun.c_str());

    uid_t uid = geteuid();
    std::string user;
    struct passwd pw {};
    struct passwd* res = nullptr;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) user = res->pw_name;
    h.subuid = read_subids("/etc/subuid", user, uid);
    h.subgid = read_subids("/etc/subgid", user, uid);

    h.seccomp = seccomp_action_available(SECCOMP_RET_ALLOW);
    h.seccomp_notify = h.seccomp && seccomp_action_available(SECCOMP_RET_USER_NOTIF);
    if (h.seccomp) {
        if (seccomp_flag_supported(SECCOMP_FILTER_FLAG_TSYNC)) h.seccomp_flags.push_back(oci::SeccompFlag::Tsync);
        if (seccomp_flag_supported(SECCOMP_FILTER_FLAG_LOG)) h.seccomp_flags.push_back(oci::SeccompFlag::Log);
        if (seccomp_flag_supported(SECCOMP_FILTER_FLAG_SPEC_ALLOW))
            h.seccomp_flags.push_back(oci::SeccompFlag::SpecAllow);
        // Only valid together with NEW_LISTENER.
        if (seccomp_flag_supported(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER))
            h.seccomp_flags.push_back(oci::SeccompFlag::WaitKillableRecv);
    }

    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
    h.pidfd = static_cast<bool>(pidfd);
    // size 0 is below CLONE_ARGS_SIZE_VER0 / OPEN_HOW_SIZE_VER0: EINVAL before any work.
    h.clone3 = !(syscall(SYS_clone3, nullptr, 0) < 0 && errno == ENOSYS);
    h.openat2 = !(syscall(SYS_openat2, AT_FDCWD, "", nullptr, 0) < 0 && errno == ENOSYS);

    std::istringstream status(read_text("/proc/self/status"));
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) != 0) continue;
        unsigned long long eff = strtoull(line.c_str() + 7, nullptr, 16);
        h.cap_sys_resource = eff & (1ULL << 24);  // CAP_SYS_RESOURCE
    }

    h.lsms = fields(read_text("/sys/kernel/security/lsm"), ",\n");
    h.apparmor = read_text("/sys/module/apparmor/parameters/enabled").rfind("Y", 0) == 0;
    h.selinux = fs_is("/sys/fs/selinux", SELINUX_MAGIC);
    return h;
}

std::vector<CheckItem> host_checks(const HostProbe& h) {
    std::vector<CheckItem> out;
    auto add = [&](std::string name, Verdict v, std::string detail) {
        out.push_back({std::move(name), v, std::move(detail)});
    };
    auto okwarn = [](bool b) { return b ? Verdict::Ok : Verdict::Warn; };

    switch (h.layout) {
        case CgroupLayout::Unified: add("cgroup layout", Verdict::Ok, "cgroup v2 (unified) at /sys/fs/cgroup"); break;
        case CgroupLayout::Hybrid:
            add("cgroup layout", Verdict::Warn,
                "hybrid: v1 controllers, cgroup v2 at /sys/fs/cgroup/unified; skiff uses only cgroup v2, so "
                "resource limits need controllers enabled there (or a cgroup2 mount namespace)");
            break;
        case CgroupLayout::Legacy:
            add("cgroup layout", Verdict::Fail, "cgroup v1 only: skiff needs cgroup v2");
            break;
    }
    if (!h.cgroup2_path.empty())
        add("cgroup v2 controllers", okwarn(!h.controllers.empty()),
            h.controllers.empty() ? "none available in " + h.cgroup2_path : join(h.controllers));
    add("BPF device filter", h.layout == CgroupLayout::Legacy ? Verdict::Warn : Verdict::Ok,
        h.layout == CgroupLayout::Legacy ? "needs cgroup v2" : "cgroup v2 BPF_PROG_TYPE_CGROUP_DEVICE");
    add("user namespaces", okwarn(h.max_user_namespaces > 0),
        "max_user_namespaces=" + std::to_string(h.max_user_namespaces));
    auto ranges = [](const std::vector<IdRange>& rs) {
        std::string s;
        for (const auto& r : rs) s += (s.empty() ? "" : ", ") + std::to_string(r.start) + "+" + std::to_string(r.count);
        return s;
    };
    bool root = geteuid() == 0;
    add("subuid ranges", okwarn(root || !h.subuid.empty()),
        h.subuid.empty() ? (root ? "none (not needed as root)" : "none in /etc/subuid") : ranges(h.subuid));
    add("subgid ranges", okwarn(root || !h.subgid.empty()),
        h.subgid.empty() ? (root ? "none (not needed as root)" : "none in /etc/subgid") : ranges(h.subgid));
    std::string kv = "kernel " + std::to_string(h.kernel_major) + "." + std::to_string(h.kernel_minor);
    add("idmapped mounts", okwarn(h.kernel_at_least(5, 12)), kv + (h.kernel_at_least(5, 12) ? "" : " (needs 5.12)"));
    add("seccomp", h.seccomp ? Verdict::Ok : Verdict::Warn, h.seccomp ? "filters available" : "unavailable");
    add("seccomp notify", okwarn(h.seccomp_notify), h.seccomp_notify ? "SECCOMP_RET_USER_NOTIF" : "unavailable");
    {
        std::vector<std::string> names;
        for (auto f : h.seccomp_flags) names.emplace_back(oci::enum_name(f));
        add("seccomp flags", Verdict::Ok, names.empty() ? "none" : join(names));
    }
    add("pidfd", okwarn(h.pidfd), h.pidfd ? "pidfd_open" : "unavailable: waits fall back to polling");
    add("clone3", okwarn(h.clone3), h.clone3 ? "available" : "unavailable");
    add("openat2", okwarn(h.openat2), h.openat2 ? "RESOLVE_IN_ROOT available" : "unavailable");
    add("CAP_SYS_RESOURCE", okwarn(h.cap_sys_resource),
        h.cap_sys_resource ? "present" : "missing: rlimits cannot be raised above the current hard limits");
    std::string lsm = h.lsms.empty() ? "none" : join(h.lsms, ",");
    lsm += std::string("; apparmor ") + (h.apparmor ? "enabled" : "disabled") + ", selinux " +
           (h.selinux ? "enabled" : "disabled");
    add("LSM", Verdict::Ok, lsm);
    return out;
}

}  // namespace skiff::cli
