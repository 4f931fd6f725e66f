// Thin wrappers over the new mount API (open_tree, move_mount,
// mount_setattr, fsopen/fsmount).  Working on fds means no path is ever
// re-resolved, and nothing depends on a /proc being mounted.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

#include "linux/mounts.hpp"

namespace skiff::linux {

oci::Result<UniqueFd> clone_tree(int dirfd, const char* path, bool recursive) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
    if (recursive) flags |= AT_RECURSIVE;
    if (path[0] == '\0') flags |= AT_EMPTY_PATH;
    int fd = open_tree(dirfd, path, flags);
    if (fd < 0) return oci::Error::sys("open_tree", errno);
    return UniqueFd(fd);
}

oci::Result<void> attach_tree(int tree_fd, int target_fd) {
    if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return oci::Error::sys("move_mount", errno);
    return oci::ok();
}

oci::Result<void> set_attrs(int fd, const MountAttrs& a, bool recursive, int userns_fd) {
    struct mount_attr attr {};
    attr.attr_set = a.set;
    attr.attr_clr = a.clr;
    if (userns_fd >= 0) {
        attr.attr_set |= MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns_fd);
    }
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    if (mount_setattr(fd, "", flags, &attr, sizeof attr) < 0) return oci::Error::sys("mount_setattr", errno);
    return oci::ok();
}

oci::Result<void> set_propagation(int fd, unsigned long ms_flags) {
    struct mount_attr attr {};
    attr.propagation = ms_flags & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
    unsigned flags = AT_EMPTY_PATH | ((ms_flags & MS_REC) ? AT_RECURSIVE : 0);
    if (mount_setattr(fd, "", flags, &attr, sizeof attr) < 0)
        return oci::Error::sys("set mount propagation", errno);
    return oci::ok();
}

namespace {

// The last error the kernel logged on a filesystem context ("e tmpfs: Bad
// value for 'size'"), without its "e " tag; "" when it logged none.
std::string fs_log(int fs) {
    std::string last;
    char buf[512];
    for (int i = 0; i < 16; ++i) {
        ssize_t n = ::read(fs, buf, sizeof buf - 1);
        if (n <= 0) break;
        while (n > 0 && buf[n - 1] == '\n') --n;
        buf[n] = '\0';
        if (n > 2 && buf[0] == 'e' && buf[1] == ' ') last = buf + 2;
    }
    return last;
}

oci::Error fs_error(int fs, std::string what, int e) {
    std::string why = fs_log(fs);
    if (!why.empty()) what += " (" + why + ")";
    return oci::Error::sys(std::move(what), e);
}

// mount(2)'s superblock flags as fsconfig takes them.
constexpr std::pair<unsigned long, const char*> kSbFlags[] = {
    {MS_RDONLY, "ro"}, {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"}, {MS_LAZYTIME, "lazytime"},
    {MS_MANDLOCK, "mand"},
};

// mount(2)'s per-mount flags as fsmount takes them.  As in mount(2),
// relatime unless noatime, and strictatime over both.
unsigned mount_attrs(unsigned long ms) {
    unsigned a = 0;
    if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    if (ms & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
    if (ms & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
    else if (ms & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
    return a;
}

}  // namespace

oci::Result<UniqueFd> make_fs_mount(const std::string& type, const std::string& source, unsigned long ms_flags,
                                    const std::string& data) {
    UniqueFd fs(fsopen(type.c_str(), FSOPEN_CLOEXEC));
    if (!fs) return oci::Error::sys("fsopen " + oci::quote(type), errno);
    if (!source.empty() && fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) < 0)
        return fs_error(fs.get(), "source " + oci::quote(source), errno);
    for (const auto& [ms, name] : kSbFlags)
        if ((ms_flags & ms) && fsconfig(fs.get(), FSCONFIG_SET_FLAG, name, nullptr, 0) < 0)
            return fs_error(fs.get(), std::string("option ") + name, errno);
    // The kernel splits mount(2)'s data the same way: at commas, each a
    // key=value string or a bare flag.
    for (size_t i = 0; i < data.size();) {
        size_t end = data.find(',', i);
        if (end == std::string::npos) end = data.size();
        std::string opt = data.substr(i, end - i);
        i = end + 1;
        if (opt.empty()) continue;
        size_t eq = opt.find('=');
        int rc = eq == std::string::npos
                     ? fsconfig(fs.get(), FSCONFIG_SET_FLAG, opt.c_str(), nullptr, 0)
                     : fsconfig(fs.get(), FSCONFIG_SET_STRING, opt.substr(0, eq).c_str(), opt.c_str() + eq + 1, 0);
        if (rc < 0) return fs_error(fs.get(), "option " + oci::quote(opt), errno);
    }
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return fs_error(fs.get(), "create " + oci::quote(type), errno);
    int m = fsmount(fs.get(), FSMOUNT_CLOEXEC, mount_attrs(ms_flags));
    if (m < 0) return fs_error(fs.get(), "fsmount " + oci::quote(type), errno);
    return UniqueFd(m);
}

oci::Result<UniqueFd> make_ro_tmpfs() {
    UniqueFd fs(fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs) return oci::Error::sys("fsopen tmpfs", errno);
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return oci::Error::sys("create tmpfs", errno);
    int m = fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
    if (m < 0) return oci::Error::sys("fsmount tmpfs", errno);
    return UniqueFd(m);
}

namespace {

oci::Result<void> write_map(pid_t pid, const char* file, const std::vector<oci::IdMapping>& m) {
    std::string text;
    for (const auto& e : m)
        text += std::to_string(e.containerID) + " " + std::to_string(e.hostID) + " " + std::to_string(e.size) + "\n";
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), file);
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd) return oci::Error::sys(std::string("open ") + path, errno);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return oci::Error::sys(std::string("write ") + path, errno);
    return oci::ok();
}

// The helper process lives only while its namespace is being described.
class Helper {
  public:
    explicit Helper(pid_t p) : pid_(p) {}
    Helper(const Helper&) = delete;
    Helper& operator=(const Helper&) = delete;
    ~Helper() {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
    }
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_;
};

}  // namespace

oci::Result<UniqueFd> make_userns_fd(const std::vector<oci::IdMapping>& uids,
                                     const std::vector<oci::IdMapping>& gids) {
    int ready[2], hold[2];
    if (::pipe2(ready, O_CLOEXEC) < 0) return oci::Error::sys("pipe", errno);
    UniqueFd ready_r(ready[0]), ready_w(ready[1]);
    if (::pipe2(hold, O_CLOEXEC) < 0) return oci::Error::sys("pipe", errno);
    UniqueFd hold_r(hold[0]), hold_w(hold[1]);

    // The child makes only async-signal-safe calls until _exit.
    pid_t pid = ::fork();
    if (pid < 0) return oci::Error::sys("fork userns helper", errno);
    if (pid == 0) {
        char c = ::unshare(CLONE_NEWUSER) == 0 ? 'k' : 'e';
        if (::write(ready[1], &c, 1) != 1) ::_exit(1);
        if (::read(hold[0], &c, 1) < 0) {}  // returns when the parent is done
        ::_exit(0);
    }
    Helper helper(pid);
    ready_w.reset();
    hold_r.reset();
    char c = 0;
    if (::read(ready_r.get(), &c, 1) != 1 || c != 'k')
        return oci::Error::msg("create user namespace for idmapped mount: helper failed");
    TRY(write_map(pid, "uid_map", uids));
    TRY(write_map(pid, "gid_map", gids));
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/ns/user", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return oci::Error::sys(std::string("open ") + path, errno);
    return UniqueFd(fd);
}

}  // namespace skiff::linux
