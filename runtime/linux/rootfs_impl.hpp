// The rootfs plan: everything the child needs, computed by plan_rootfs in
// the parent (parsed options, cleaned paths, detached bind trees), so the
// child between clone and execve only makes system calls.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "linux/mounts.hpp"
#include "linux/rootfs.hpp"

namespace skiff::linux {

// An fd the child keeps in the plan.  The child shares the parent's memory
// (proc/spawn.hpp) but not its fd table: an owning UniqueFd written there
// would make the parent close whatever file has that number in its own
// table.  So the plan holds the child's fds as bare numbers; the child
// closes them itself (or execve does: they are O_CLOEXEC).
struct ChildFd {
    int fd = -1;
    int get() const { return fd; }
    explicit operator bool() const { return fd >= 0; }
    void reset(int f = -1) {
        if (fd >= 0) ::close(fd);
        fd = f;
    }
};

struct MountStep {
    std::string where;         // for errors: `mounts[3]` or `default /dev`
    std::string dest;          // cleaned, relative to the rootfs ("dev/pts")
    std::string source;        // as given (fs mounts) or absolute (binds)
    std::string type;          // fs type; "cgroup" is mounted as cgroup2
    MountOptions opts;
    bool bind = false;
    bool source_is_dir = true; // binds: directory or file destination
    UniqueFd tree;             // binds: detached mount tree from the parent
    // "ro" on /dev, a tmpfs, or a mount with later mounts beneath it is
    // applied in finalize_rootfs, once everything below it exists (runc
    // remounts these read-only at the same point).
    bool defer_ro = false;
    mutable ChildFd ro_fd;     // child: the mount to make read-only then
};

struct DeviceStep {
    std::string where;         // `linux.devices[0]` or `default device`
    std::string dest;          // cleaned, relative
    mode_t mode = 0;           // S_IFCHR|S_IFBLK|S_IFIFO | permission bits
    dev_t rdev = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    bool user = false;         // from linux.devices: must match an existing node
    UniqueFd tree;             // in a user namespace: the host node to bind
    bool bind_in_child = false; // rootless: no tree; the child clones "/" + dest
};

struct RootfsPlan::Impl {
    RootfsOptions opts;
    std::string rootfs;        // absolute
    bool readonly = false;
    std::optional<oci::RootfsPropagation> propagation;
    std::vector<MountStep> mounts;
    bool setup_dev = false;    // create devices and /dev symlinks (/dev not bind-mounted)
    bool ptmx_link = false;
    bool dev_core = false;
    std::vector<DeviceStep> devices;
    std::vector<std::string> readonly_paths;  // cleaned
    std::vector<std::string> masked_paths;    // cleaned

    // Child side: the rootfs mount, opened after it was bound onto itself.
    mutable ChildFd root;
};

// devices.cpp
oci::Result<void> plan_devices(const oci::Config& c, RootfsPlan::Impl& p);
oci::Result<void> create_devices(const RootfsPlan::Impl& p);

// rootfs_nopivot.cpp: before MS_MOVE + chroot, detach (or cover) every
// proc and sysfs mount outside the rootfs, as runc's msMoveRoot.
oci::Result<void> hide_outside_proc_sysfs(const std::string& rootfs);

// Error text for a mount step: `mount "tmpfs" on "/dev"`.
std::string mount_what(const MountStep& m);

}  // namespace skiff::linux
