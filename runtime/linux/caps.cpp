#include "linux/caps.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "common/log.hpp"
#include "linux/userns_map.hpp"

namespace skiff::linux {
namespace {

// capabilities(7), by number.  Kept here rather than asking libcap so the
// accepted names do not change with the libcap version the binary links.
constexpr std::array<std::string_view, 41> kCapNames = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

std::string read_small(const char* path) {
    std::string out;
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

}  // namespace

std::optional<int> cap_from_name(std::string_view name) {
    for (size_t i = 0; i < kCapNames.size(); ++i)
        if (kCapNames[i] == name) return static_cast<int>(i);
    return std::nullopt;
}

std::string_view cap_name(int cap) {
    if (cap < 0 || static_cast<size_t>(cap) >= kCapNames.size()) return "CAP_UNKNOWN";
    return kCapNames[static_cast<size_t>(cap)];
}

CapHost probe_cap_host(bool new_user_namespace, uint64_t wanted) {
    CapHost h;
    std::string last = read_small("/proc/sys/kernel/cap_last_cap");
    h.last_cap = last.empty() ? static_cast<int>(cap_max_bits()) - 1 : std::atoi(last.c_str());
    if (h.last_cap > 63) h.last_cap = 63;  // the masks below are 64 bits wide

    uint64_t permitted = 0, bounding = 0;
    cap_t self = cap_get_proc();
    for (int c = 0; c <= h.last_cap; ++c) {
        cap_flag_value_t v = CAP_CLEAR;
        if (self && cap_get_flag(self, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET) permitted |= bit(c);
        // A new user namespace grants every capability whatever our bounding set.
        if (!new_user_namespace && (wanted & bit(c)) && cap_get_bound(c) == 1) bounding |= bit(c);
        if (c == CAP_SYS_RESOURCE && self &&
            cap_get_flag(self, c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET)
            h.sys_resource = true;
    }
    if (self) cap_free(self);
    // Raising a hard rlimit is checked against the initial user namespace,
    // so a skiff that itself runs in a user namespace never has that power.
    if (h.sys_resource && !in_initial_user_namespace()) h.sys_resource = false;

    uint64_t all = h.last_cap >= 63 ? ~uint64_t{0} : bit(h.last_cap + 1) - 1;
    // A new user namespace starts with every capability (in that namespace).
    h.grantable = new_user_namespace ? all : (permitted & bounding);
    return h;
}

oci::Result<CapPlan> plan_caps(const oci::Opt<oci::Capabilities>& caps, const CapHost& host,
                               std::vector<std::string>& warnings) {
    CapPlan p;
    p.last_cap = host.last_cap;
    if (caps) {
        struct Set { const char* field; const oci::Opt<oci::Strings>& names; uint64_t& mask; };
        Set sets[] = {{"bounding", caps->bounding, p.bounding},
                      {"effective", caps->effective, p.effective},
                      {"inheritable", caps->inheritable, p.inheritable},
                      {"permitted", caps->permitted, p.permitted},
                      {"ambient", caps->ambient, p.ambient}};
        for (auto& s : sets) {
            if (!s.names) continue;
            std::string field = std::string("process.capabilities.") + s.field;
            for (const auto& name : *s.names) {
                auto c = cap_from_name(name);
                if (!c) {
                    // Images carry names of newer kernels; runc and crun warn
                    // and go on, so a newer image still runs here.
                    warnings.push_back(field + ": unknown capability \"" + name + "\"; ignored");
                    log::warn(warnings.back());
                    continue;
                }
                if (*c > host.last_cap) {
                    warnings.push_back(field + ": capability \"" + name +
                                       "\" is not known to the running kernel; skipped");
                    log::warn(warnings.back());
                    continue;
                }
                if (!(host.grantable & bit(*c))) {
                    warnings.push_back(field + ": capability \"" + name +
                                       "\" cannot be granted (skiff does not hold it); skipped");
                    continue;
                }
                s.mask |= bit(*c);
            }
        }
    }
    // Combinations the kernel refuses are dropped with a warning instead of
    // failing in the child: the spec asks runtimes not to fail on capabilities
    // that cannot be granted.
    auto drop = [&](uint64_t& mask, uint64_t allowed, const char* field, const char* why) {
        uint64_t bad = mask & ~allowed;
        for (int c = 0; c <= host.last_cap; ++c)
            if (bad & bit(c))
                warnings.push_back(std::string("process.capabilities.") + field + ": \"" +
                                   std::string(cap_name(c)) + "\" " + why + "; skipped");
        mask &= allowed;
    };
    drop(p.effective, p.permitted, "effective", "is not in the permitted set");
    drop(p.inheritable, p.bounding, "inheritable", "is not in the bounding set");
    drop(p.ambient, p.permitted & p.inheritable, "ambient",
         "is not in both the permitted and inheritable sets");

    p.state.reset(cap_init());
    if (!p.state) return oci::Error::sys("cap_init", errno);
    for (int c = 0; c <= host.last_cap; ++c) {
        cap_value_t v = c;
        struct { uint64_t mask; cap_flag_t flag; } flags[] = {
            {p.effective, CAP_EFFECTIVE}, {p.permitted, CAP_PERMITTED},
            {p.inheritable, CAP_INHERITABLE}};
        for (auto& f : flags)
            if ((f.mask & bit(c)) && cap_set_flag(p.state.get(), f.flag, 1, &v, CAP_SET) != 0)
                return oci::Error::sys("cap_set_flag " + std::string(cap_name(c)), errno);
    }
    return p;
}

oci::Result<void> apply_cap_bounding(const CapPlan& p) {
    for (int c = 0; c <= p.last_cap; ++c) {
        if (p.bounding & bit(c)) continue;
        if (cap_get_bound(c) != 1) continue;  // already gone: needs no CAP_SETPCAP
        if (cap_drop_bound(c) != 0)
            return oci::Error::sys("drop " + std::string(cap_name(c)) + " from the bounding set", errno);
    }
    return oci::ok();
}

oci::Result<void> apply_cap_sets(const CapPlan& p) {
    if (cap_set_proc(p.state.get()) != 0)
        return oci::Error::sys("capset (effective, permitted, inheritable)", errno);
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return oci::Error::sys("clear the ambient capability set", errno);
    for (int c = 0; c <= p.last_cap; ++c) {
        if (!(p.ambient & bit(c))) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, static_cast<unsigned long>(c), 0, 0) != 0)
            return oci::Error::sys("raise ambient " + std::string(cap_name(c)), errno);
    }
    return oci::ok();
}

}  // namespace skiff::linux
