#include "linux/sysctl.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string_view>

#include "common/fd.hpp"

namespace skiff::linux {
namespace {

using oci::Error;

enum class Owner { Ipc, Net, Uts, None };

// The System V IPC and POSIX message queue knobs live in the ipc namespace,
// net.* in the network namespace, the two names in the uts namespace.
Owner owner_of(std::string_view key) {
    if (key.starts_with("kernel.msg") || key == "kernel.sem" || key == "kernel.sem_next_id" ||
        key.starts_with("kernel.shm") || key.starts_with("fs.mqueue."))
        return Owner::Ipc;
    if (key.starts_with("net.")) return Owner::Net;
    if (key == "kernel.hostname" || key == "kernel.domainname") return Owner::Uts;
    return Owner::None;
}

// sysctl(8) accepts both "net.ipv4.ip_forward" and "net/ipv4/ip_forward";
// with slashes, dots are part of a name (e.g. an interface "eth0.5").
oci::Result<std::string> key_to_path(const std::string& key) {
    bool slashes = key.find('/') != std::string::npos;
    std::string rel = key;
    if (!slashes)
        for (auto& ch : rel)
            if (ch == '.') ch = '/';
    // Every component must be a plain name: no escape from /proc/sys.
    size_t pos = 0;
    while (pos <= rel.size()) {
        size_t end = rel.find('/', pos);
        if (end == std::string::npos) end = rel.size();
        std::string_view comp(rel.data() + pos, end - pos);
        if (comp.empty() || comp == "." || comp == "..")
            return Error::msg("linux.sysctl: \"" + key + "\" is not a valid sysctl name");
        pos = end + 1;
    }
    return "/proc/sys/" + rel;
}

}  // namespace

oci::Result<std::vector<SysctlStep>> plan_sysctl(const oci::Config& c) {
    std::vector<SysctlStep> steps;
    if (!c.linux || !c.linux->sysctl) return steps;
    auto normalized = [](std::string k) {
        if (k.find('/') != std::string::npos)
            for (auto& ch : k)
                if (ch == '/') ch = '.';
        return k;
    };
    for (const auto& [key, value] : *c.linux->sysctl) {
        std::string q = "\"" + key + "\"";
        std::string name = normalized(key);
        switch (owner_of(name)) {
            case Owner::Ipc:
                if (!oci::find_namespace(c, oci::NamespaceType::Ipc))
                    return Error::msg("linux.sysctl: " + q +
                                      " needs an ipc namespace, but the container shares the host's");
                break;
            case Owner::Net:
                if (!oci::find_namespace(c, oci::NamespaceType::Network))
                    return Error::msg("linux.sysctl: " + q +
                                      " needs a network namespace, but the container shares the host's");
                break;
            case Owner::Uts:
                if (!oci::find_namespace(c, oci::NamespaceType::Uts))
                    return Error::msg("linux.sysctl: " + q +
                                      " needs a uts namespace, but the container shares the host's");
                break;
            case Owner::None:
                return Error::msg("linux.sysctl: " + q +
                                  " is not namespaced and cannot be set in a container");
        }
        TRY_ASSIGN(std::string path, key_to_path(key));
        steps.push_back({key, std::move(path), value});
    }
    return steps;
}

namespace {

bool is_procfs(int fd) {
    struct statfs st {};
    return ::fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

}  // namespace

int open_procfs_file(const char* rel, int flags, std::string& why) {
    UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!proc) {
        why = "open /proc";
        return -1;
    }
    if (!is_procfs(proc.get())) {
        why = "/proc is not a procfs mount";
        errno = EXDEV;
        return -1;
    }
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
    // procfs' own plain symlinks ("self", "thread-self") stay inside this
    // mount; magic links and other mounts are refused.
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    int fd;
    do fd = static_cast<int>(::syscall(SYS_openat2, proc.get(), rel, &how, sizeof how));
    while (fd < 0 && errno == EAGAIN);
    if (fd < 0) {
        why = errno == ELOOP || errno == EXDEV ? "open (a link or mount on the way, refused)" : "open";
        return -1;
    }
    if (!is_procfs(fd)) {
        ::close(fd);
        why = "not a procfs file";
        errno = EXDEV;
        return -1;
    }
    return fd;
}

oci::Result<void> apply_sysctl_steps(const std::vector<SysctlStep>& steps) {
    std::string why;
    for (const auto& s : steps) {
        // s.path is "/proc/sys/...": open it below a verified /proc.
        UniqueFd fd(open_procfs_file(s.path.c_str() + 6, O_WRONLY, why));
        if (!fd) return Error::sys("linux.sysctl \"" + s.key + "\": " + why + " " + s.path, errno);
        ssize_t n = ::write(fd.get(), s.value.data(), s.value.size());
        if (n < 0) return Error::sys("linux.sysctl \"" + s.key + "\": write \"" + s.value + "\" to " + s.path, errno);
        if (static_cast<size_t>(n) != s.value.size())
            return Error::msg("linux.sysctl \"" + s.key + "\": short write to " + s.path);
    }
    return oci::ok();
}

}  // namespace skiff::linux
