// Child side, before the rootfs is entered: propagation, the rootfs bind,
// the config's mounts in order, devices; then the console and pivot_root.
// Every destination is resolved inside the rootfs (safepath) and mounted
// through its fd, so a symlink in the image cannot redirect a mount.
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <termios.h>

#include <cstdio>
#include <string_view>

#include "linux/copyup.hpp"
#include "linux/rootfs_impl.hpp"
#include "linux/safepath.hpp"

namespace skiff::linux {
namespace {

constexpr unsigned long kPropagation = MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE;

oci::Result<void> after_mount(const MountStep& m, int mnt_fd) {
    for (unsigned long prop : m.opts.propagation) {
        auto r = set_propagation(mnt_fd, prop);
        if (!r) return oci::Error::sys(mount_what(m) + ": set propagation", r.error().err);
    }
    if (!m.bind && !m.opts.rec_attrs.empty()) {
        auto r = set_attrs(mnt_fd, m.opts.rec_attrs, true);
        if (!r) return oci::Error::sys(mount_what(m) + ": set recursive attributes", r.error().err);
    }
    return oci::ok();
}

// Whether comma-separated filesystem data names key= ("mode", "uid").
bool has_key(const std::string& data, std::string_view key) {
    for (size_t i = 0; i < data.size(); i = data.find(',', i) + 1) {
        if (data.compare(i, key.size(), key) == 0 && data.compare(i + key.size(), 1, "=") == 0) return true;
        if (data.find(',', i) == std::string::npos) break;
    }
    return false;
}

// mode= for a tmpfs that names none: the mount point's own mode, as runc
// and crun keep it (the kernel's default would be 1777).
std::string tmpfs_data(const MountStep& m, int dst) {
    std::string data = m.opts.data;
    if (m.type != "tmpfs" || has_key(data, "mode")) return data;
    struct stat st {};
    if (::fstat(dst, &st) < 0) return data;
    char mode[24];
    std::snprintf(mode, sizeof mode, "mode=%o", static_cast<unsigned>(st.st_mode & 07777));
    return data.empty() ? std::string(mode) : data + "," + mode;
}

// tmpcopyup (a tmpfs, checked by the plan): the new tmpfs is made
// detached, filled with a copy of the directory it is to cover (read
// through an fd opened before, nothing followed: copyup.hpp), and only
// then attached over it.  A directory the mount created is empty: nothing
// to copy.
oci::Result<void> mount_copyup(const MountStep& m, int dst) {
    const std::string what = m.where + ": " + mount_what(m);
    UniqueFd src(::openat(dst, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) return oci::Error::sys(what + ": tmpcopyup: open \"/" + m.dest + "\"", errno);
    const std::string data = tmpfs_data(m, dst);
    auto mnt = make_fs_mount(m.type, m.source, m.opts.flags & ~(kPropagation | MS_REC | MS_BIND), data);
    if (!mnt) return std::move(mnt).error().wrap(what);
    {
        UniqueFd top(::openat(mnt->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!top) return oci::Error::sys(what + ": tmpcopyup: open the new tmpfs", errno);
        CopyOptions co;
        co.top_owner = !has_key(data, "uid") && !has_key(data, "gid");
        auto r = copy_tree(src.get(), top.get(), co);
        if (!r) return std::move(r).error().wrap(what + ": tmpcopyup of \"/" + m.dest + "\"");
    }
    auto r = attach_tree(mnt->get(), dst);
    if (!r) return std::move(r).error().wrap(what);
    // The fd now names the attached mount itself.
    TRY(after_mount(m, mnt->get()));
    if (m.defer_ro) m.ro_fd.reset(mnt->release());
    return oci::ok();
}

oci::Result<void> mount_fs(const RootfsPlan::Impl& p, const MountStep& m) {
    auto dst = safepath::create_in_root(p.root.get(), m.dest, safepath::Leaf::MountDir);
    if (!dst) return std::move(dst).error().wrap(m.where + ": " + mount_what(m));
    if (m.opts.copyup) return mount_copyup(m, dst->get());
    auto target = safepath::proc_fd_path(dst->get());
    unsigned long flags = m.opts.flags & ~(kPropagation | MS_REC | MS_BIND);
    const std::string data_str = tmpfs_data(m, dst->get());
    const char* data = data_str.empty() ? nullptr : data_str.c_str();
    bool sys_bound = false;
    if (::mount(m.source.c_str(), target.c_str(), m.type.c_str(), flags, data) < 0) {
        int e = errno;
        // Without its own network namespace a container in a user namespace
        // may not mount sysfs; it gets the host's, as runc gives it.
        // rootless: nor cgroup2 without its own cgroup namespace
        // (EPERM, or EBUSY under a bound /sys): the host's, as runc does.
        const bool cg = m.type == "cgroup2" && (e == EPERM || e == EBUSY);
        if (!((m.type == "sysfs" && e == EPERM) || cg)) return oci::Error::sys(mount_what(m), e);
        const char* host = cg ? "/sys/fs/cgroup" : "/sys";
        if (::mount(host, target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            return oci::Error::sys(mount_what(m) + " (bind of " + host + ")", errno);
        sys_bound = true;
    }
    if (m.opts.propagation.empty() && m.opts.rec_attrs.empty() && !(sys_bound && !m.opts.attrs.empty()) &&
        !m.defer_ro)
        return oci::ok();
    // The fd still points beneath the new mount; look the path up again.
    auto top = safepath::open_in_root(p.root.get(), m.dest, O_PATH);
    if (!top) return std::move(top).error().wrap(m.where);
    if (sys_bound && !m.opts.attrs.empty()) {
        auto r = set_attrs(top->get(), m.opts.attrs, true);
        if (!r) return oci::Error::sys(mount_what(m) + " (bind of the host's)", r.error().err);
    }
    TRY(after_mount(m, top->get()));
    if (m.defer_ro) m.ro_fd.reset(top->release());
    return oci::ok();
}

// rootless: the tree plan_bind would have made, made here by the
// unprivileged parent's child.  Flags the source has are locked by the
// kernel in a user namespace (clearing them is EPERM), so they are kept.
oci::Result<UniqueFd> clone_bind_source(const MountStep& m) {
    auto tree = clone_tree(AT_FDCWD, m.source.c_str(), m.opts.rbind);
    if (!tree) return oci::Error::sys(mount_what(m), tree.error().err);
    struct statvfs sv {};
    uint64_t locked = 0;
    if (::fstatvfs(tree->get(), &sv) == 0) {
        if (sv.f_flag & ST_RDONLY) locked |= MOUNT_ATTR_RDONLY;
        if (sv.f_flag & ST_NOSUID) locked |= MOUNT_ATTR_NOSUID;
        if (sv.f_flag & ST_NODEV) locked |= MOUNT_ATTR_NODEV;
        if (sv.f_flag & ST_NOEXEC) locked |= MOUNT_ATTR_NOEXEC;
    }
    for (auto [attrs, rec] : {std::pair{m.opts.attrs, false}, std::pair{m.opts.rec_attrs, true}}) {
        attrs.clr &= ~locked;
        if (attrs.empty()) continue;
        auto r = set_attrs(tree->get(), attrs, rec);
        if (!r) return oci::Error::sys(mount_what(m) + ": set attributes", r.error().err);
    }
    return std::move(tree).value();
}

oci::Result<void> mount_bind(const RootfsPlan::Impl& p, const MountStep& m) {
    auto leaf = m.source_is_dir ? safepath::Leaf::Directory : safepath::Leaf::File;
    auto dst = safepath::create_in_root(p.root.get(), m.dest, leaf);
    if (!dst) return std::move(dst).error().wrap(m.where + ": " + mount_what(m));
    UniqueFd tree;
    if (!m.tree) {
        TRY_ASSIGN(tree, clone_bind_source(m));
    } else {
        // The parent's tree got its mount ids before any mount made here,
        // and the mount table lists mounts by id.  So that it lists the
        // config's mounts in config order, the tree is attached, copied
        // (attributes and idmapping included; a detached tree from another
        // mount namespace cannot be copied) and replaced by the copy.
        auto r = attach_tree(m.tree.get(), dst->get());
        if (!r) return oci::Error::sys(mount_what(m), r.error().err);
        auto copy = clone_tree(m.tree.get(), "", m.opts.rbind);
        if (!copy) return oci::Error::sys(mount_what(m) + ": copy the source tree", copy.error().err);
        if (::umount2(safepath::proc_fd_path(m.tree.get()).c_str(), MNT_DETACH) < 0)
            return oci::Error::sys(mount_what(m) + ": detach the first copy", errno);
        tree = std::move(copy).value();
    }
    auto r = attach_tree(tree.get(), dst->get());
    if (!r) return oci::Error::sys(mount_what(m), r.error().err);
    // The tree fd now names the attached mount itself.
    TRY(after_mount(m, tree.get()));
    if (m.defer_ro) m.ro_fd.reset(tree.release());
    return oci::ok();
}

oci::Result<void> sys(const char* what, int rc) {
    if (rc < 0) return oci::Error::sys(what, errno);
    return oci::ok();
}

}  // namespace

oci::Result<void> prepare_rootfs(const RootfsPlan& plan) {
    const RootfsPlan::Impl& p = *plan.impl;
    if (!p.opts.new_mount_namespace) return oci::ok();

    // Nothing done in here may reach the host: receive its mount events at
    // most.  A "shared" or "unbindable" rootfsPropagation is applied to the
    // new root in finalize_rootfs, where it cannot leak either.
    using RP = oci::RootfsPropagation;
    bool priv = p.propagation && (*p.propagation == RP::Private || *p.propagation == RP::Unbindable ||
                                  *p.propagation == RP::RPrivate || *p.propagation == RP::RUnbindable);
    unsigned long prop = (priv ? MS_PRIVATE : MS_SLAVE) | MS_REC;
    if (::mount(nullptr, "/", nullptr, prop, nullptr) < 0)
        return oci::Error::sys(priv ? "make / rprivate" : "make / rslave", errno);
    // pivot_root needs the new root to be a mount point.
    if (::mount(p.rootfs.c_str(), p.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return oci::Error::sys("bind rootfs \"" + p.rootfs + "\" onto itself", errno);
    p.root.reset(::open(p.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p.root) return oci::Error::sys("open rootfs \"" + p.rootfs + "\"", errno);

    for (const auto& m : p.mounts) TRY(m.bind ? mount_bind(p, m) : mount_fs(p, m));
    return create_devices(p);
}

oci::Result<Console> open_console(const RootfsPlan& plan) {
    const RootfsPlan::Impl& p = *plan.impl;
    UniqueFd own_root;
    int root = p.root.get();
    if (root < 0) {
        own_root.reset(::open(p.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!own_root) return oci::Error::sys("open rootfs \"" + p.rootfs + "\"", errno);
        root = own_root.get();
    }
    Console c;
    TRY_ASSIGN(c.master, safepath::open_in_root(root, "dev/ptmx", O_RDWR | O_NOCTTY));
    int unlock = 0;
    TRY(sys("unlock pty", ::ioctl(c.master.get(), TIOCSPTLCK, &unlock)));
    c.slave.reset(::ioctl(c.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!c.slave) return oci::Error::sys("open pty peer", errno);
    if (!p.opts.new_mount_namespace) return c;  // /dev/console would be the host's

    auto console = safepath::create_in_root(root, "dev/console", safepath::Leaf::File);
    if (!console) return std::move(console).error().wrap("console");
    auto tree = clone_tree(c.slave.get(), "", false);
    if (!tree) return oci::Error::sys("mount pty on \"/dev/console\"", tree.error().err);
    auto r = attach_tree(tree->get(), console->get());
    if (!r) return oci::Error::sys("mount pty on \"/dev/console\"", r.error().err);
    return c;
}

oci::Result<void> enter_rootfs(const RootfsPlan& plan) {
    const RootfsPlan::Impl& p = *plan.impl;
    if (!p.opts.new_mount_namespace) {
        // No mount namespace of its own (none, or one joined by path): no
        // mount may be made, but the process still runs in root.path.
        TRY(sys("chdir to rootfs", ::chdir(p.rootfs.c_str())));
        TRY(sys("chroot", ::chroot(".")));
        TRY(sys("chdir /", ::chdir("/")));
        return oci::ok();
    }
    TRY(sys("chdir to rootfs", ::fchdir(p.root.get())));
    if (p.opts.no_pivot) {
        TRY(hide_outside_proc_sysfs(p.rootfs));
        TRY(sys("move rootfs to /", ::mount(p.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr)));
        TRY(sys("chroot", ::chroot(".")));
    } else {
        TRY(sys("pivot_root", static_cast<int>(::syscall(SYS_pivot_root, ".", "."))));
        // The old root now sits on top of "."; its unmount must not reach the host.
        TRY(sys("make old root rslave", ::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr)));
        TRY(sys("unmount old root", ::umount2(".", MNT_DETACH)));
    }
    TRY(sys("chdir /", ::chdir("/")));
    p.root.reset(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p.root) return oci::Error::sys("open /", errno);
    return oci::ok();
}

}  // namespace skiff::linux
