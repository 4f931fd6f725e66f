// The child's half of the process plan: replay prepared arguments, allocate
// nothing on the success path.
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/fd.hpp"
#include "linux/process_impl.hpp"

namespace skiff::linux {
namespace {

using oci::Error;

// Every caller writes under /proc: only to a real procfs file (sysctl.hpp).
oci::Result<void> write_file(const char* path, const char* data, size_t len, const char* what) {
    std::string why;
    UniqueFd fd(std::strncmp(path, "/proc/", 6) == 0 ? open_procfs_file(path + 6, O_WRONLY, why)
                                                      : ::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::sys(std::string(what) + ": " + (why.empty() ? "open" : why) + " " + path, errno);
    ssize_t n = ::write(fd.get(), data, len);
    if (n < 0) return Error::sys(std::string(what) + ": write \"" + std::string(data, len) + "\" to " + path, errno);
    return oci::ok();
}

// In a user namespace whose gid map was written without CAP_SETGID (or by
// choice), /proc/self/setgroups says "deny" and setgroups(2) always fails.
bool setgroups_denied() {
    UniqueFd fd(::open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buf[16] = {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    return n >= 4 && std::strncmp(buf, "deny", 4) == 0;
}

oci::Result<void> apply_groups(const ProcessPlan::Impl& im) {
    if (setgroups_denied()) {
        if (im.groups.empty()) return oci::ok();
        return Error::msg("process.user.additionalGids: setgroups is denied in this user namespace "
                          "(/proc/self/setgroups is \"deny\")");
    }
    if (::setgroups(im.groups.size(), im.groups.data()) != 0)
        return Error::sys("setgroups (process.user.additionalGids)", errno);
    return oci::ok();
}

}  // namespace

oci::Result<void> apply_early(const ProcessPlan& p) {
    const auto& im = *p.impl;
    TRY(apply_rlimits(im.rlimits));
    if (im.oom_score_adj)
        TRY(write_file("/proc/self/oom_score_adj", im.oom_score_adj->data(), im.oom_score_adj->size(),
                       "process.oomScoreAdj"));
    TRY(apply_sched_early(im.sched));
    return oci::ok();
}

oci::Result<void> apply_sysctl(const ProcessPlan& p) { return apply_sysctl_steps(p.impl->sysctls); }

oci::Result<void> apply_identity(const ProcessPlan& p) {
    const auto& im = *p.impl;
    for (const auto& l : im.lsm)
        TRY(write_file(l.path.c_str(), l.value.data(), l.value.size(), l.field.c_str()));

    // The bounding set needs CAP_SETPCAP, which a non-root uid no longer has.
    TRY(apply_cap_bounding(im.caps));
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Error::sys("prctl(PR_SET_KEEPCAPS, 1)", errno);
    TRY(apply_groups(im));
    if (::setresgid(im.gid, im.gid, im.gid) != 0)
        return Error::sys("setresgid to process.user.gid " + std::to_string(im.gid), errno);
    if (::setresuid(im.uid, im.uid, im.uid) != 0)
        return Error::sys("setresuid to process.user.uid " + std::to_string(im.uid), errno);
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Error::sys("prctl(PR_SET_KEEPCAPS, 0)", errno);
    TRY(apply_cap_sets(im.caps));

    ::umask(im.umask);
    if (im.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return Error::sys("prctl(PR_SET_NO_NEW_PRIVS) (process.noNewPrivileges)", errno);
    return oci::ok();
}

oci::Result<void> apply_final(const ProcessPlan& p) { return apply_affinity_final(p.impl->sched); }

}  // namespace skiff::linux
