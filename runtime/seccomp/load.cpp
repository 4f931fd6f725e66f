// Child side, the last step before execve: one seccomp(2) call.  No
// libseccomp and no allocation here on success; the program was prepared in
// the parent.
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "seccomp/program.hpp"

namespace skiff::seccomp {

oci::Result<UniqueFd> load(const Program& p) {
    if (!p.impl || p.impl->insns.empty())
        return oci::Error::msg("load seccomp filter: no program was compiled");
    if (p.impl->insns.size() > USHRT_MAX)
        return oci::Error::sys("load seccomp filter", E2BIG);
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(p.impl->insns.size());
    // The kernel copies the program; it never writes through this pointer.
    prog.filter = const_cast<sock_filter*>(p.impl->insns.data());
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p.impl->flags, &prog);
    if (rc < 0) return oci::Error::sys("load seccomp filter", errno);
    if (p.impl->listener) return UniqueFd(static_cast<int>(rc));
    if (rc > 0)  // TSYNC: the id of a thread that could not be synchronised
        return oci::Error::msg("load seccomp filter: thread " + std::to_string(rc) +
                               " could not be synchronised");
    return UniqueFd();
}

}  // namespace skiff::seccomp
