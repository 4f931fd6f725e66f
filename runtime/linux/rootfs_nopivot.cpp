// --no-pivot leaves the host's mount tree in the container's mount
// namespace, only hidden by chroot.  A fully visible procfs or sysfs there
// lets the container mount a new, unmasked one from a user namespace (the
// kernel's mount_too_revealing check is satisfied by it).  As runc's
// msMoveRoot: every such mount outside the rootfs is detached first, or
// covered with a tmpfs where it cannot be detached.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "linux/rootfs_impl.hpp"

namespace skiff::linux {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
            out += static_cast<char>(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool inside(const std::string& path, const std::string& dir) {
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           (dir == "/" || path[dir.size()] == '/'));
}

oci::Result<std::string> read_mountinfo() {
    UniqueFd fd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    if (!fd) return oci::Error::sys("open /proc/self/mountinfo", errno);
    std::string text;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return oci::Error::sys("read /proc/self/mountinfo", errno);
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

// Mount points of full proc and sysfs mounts (root "/") outside rootfs.
std::vector<std::string> outside_mounts(const std::string& text, const std::string& rootfs) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        std::vector<std::string> f;
        for (size_t i = 0; i <= line.size();) {
            size_t sp = line.find(' ', i);
            if (sp == std::string::npos) sp = line.size();
            f.push_back(line.substr(i, sp - i));
            i = sp + 1;
        }
        size_t dash = 6;
        while (dash < f.size() && f[dash] != "-") ++dash;
        if (f.size() < 5 || dash + 1 >= f.size()) continue;
        const std::string& fstype = f[dash + 1];
        if (f[3] != "/" || (fstype != "proc" && fstype != "sysfs")) continue;
        std::string mp = unescape(f[4]);
        if (inside(mp, rootfs)) continue;
        out.push_back(std::move(mp));
    }
    return out;
}

}  // namespace

oci::Result<void> hide_outside_proc_sysfs(const std::string& rootfs) {
    TRY_ASSIGN(std::string text, read_mountinfo());
    for (const auto& mp : outside_mounts(text, rootfs)) {
        // The unmount must not propagate to the host.
        if (::mount(nullptr, mp.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
            if (errno == ENOENT) continue;  // a parent was already detached
            return oci::Error::sys("--no-pivot: make \"" + mp + "\" rslave", errno);
        }
        if (::umount2(mp.c_str(), MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) return oci::Error::sys("--no-pivot: detach \"" + mp + "\"", errno);
        // Locked (a mount inherited into a user namespace): cover it.
        if (::mount("tmpfs", mp.c_str(), "tmpfs", 0, nullptr) < 0)
            return oci::Error::sys("--no-pivot: cover \"" + mp + "\" with a tmpfs", errno);
    }
    return oci::ok();
}

}  // namespace skiff::linux
