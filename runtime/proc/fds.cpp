#include "proc/fds.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "linux/rootfs_impl.hpp"
#include "proc/init.hpp"

namespace skiff::proc {

namespace {
void close_between(int lo, int hi) {  // [lo, hi]
    if (lo > hi) return;
    if (syscall(SYS_close_range, unsigned(lo), unsigned(hi), 0) == 0) return;
    // close_range(2) is in every kernel skiff supports (5.9+); be safe anyway
    for (int fd = lo; fd <= hi && fd < 65536; ++fd) close(fd);
}
}  // namespace

void close_fds_except(const int* keep, size_t n, int preserve) {
    int lo = 3 + std::max(preserve, 0);
    for (size_t i = 0; i < n; ++i) {
        if (keep[i] < lo) continue;
        close_between(lo, keep[i] - 1);
        lo = keep[i] + 1;
    }
    close_between(lo, INT_MAX);
}

std::vector<int> init_keep_fds(const InitSpec& s) {
    std::vector<int> keep{s.sync_fd, s.fifo_fd};
    for (const auto& j : s.ns.joins) keep.push_back(j.fd.get());
    if (s.rootfs.impl) {
        for (const auto& m : s.rootfs.impl->mounts) keep.push_back(m.tree.get());
        for (const auto& d : s.rootfs.impl->devices) keep.push_back(d.tree.get());
    }
    std::erase_if(keep, [](int fd) { return fd < 0; });
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    return keep;
}

oci::Result<void> check_preserved_fds(int n, const char* what) {
    for (int fd = 3; fd < 3 + n; ++fd) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
            return oci::Error::msg(std::string(what) + ": fd " + std::to_string(fd) +
                                   " is not open (preserved fds must be open in the caller)");
        if (flags & FD_CLOEXEC)
            return oci::Error::msg(std::string(what) + ": fd " + std::to_string(fd) +
                                   " is the runtime's own, not one passed by the caller");
    }
    return {};
}

oci::Result<void> check_cwd_inside_root(const char* cwd) {
    char buf[PATH_MAX];
    // The raw syscall: glibc turns "(unreachable)..." into ENOENT, which
    // would hide the cause.
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    if (r < 0) return oci::Error::sys(std::string("process.cwd \"") + cwd + "\": getcwd", errno);
    if (buf[0] != '/')
        return oci::Error::msg(std::string("process.cwd \"") + cwd +
                               "\" is outside the container's root filesystem");
    return {};
}

}  // namespace skiff::proc
