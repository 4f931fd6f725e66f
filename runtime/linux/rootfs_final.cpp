// Child side, inside the new root: readonlyPaths, maskedPaths,
// root.readonly and rootfsPropagation.  All by fd with the new mount API,
// so none of it depends on the container having mounted /proc.
#include <sys/stat.h>

#include "linux/rootfs_impl.hpp"
#include "linux/safepath.hpp"

namespace skiff::linux {
namespace {

constexpr uint64_t kLocked = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

std::string field(const char* name, const std::string& rel) { return std::string(name) + " \"/" + rel + "\""; }

oci::Result<void> make_readonly(int root, const std::string& rel) {
    auto fd = safepath::open_in_root(root, rel, O_PATH);
    if (!fd) {
        if (fd.error().err == ENOENT) return oci::ok();
        return std::move(fd).error();
    }
    // A read-only copy of the subtree goes on top of it; the copy is made
    // read-only before it becomes visible.
    TRY_ASSIGN(UniqueFd tree, clone_tree(fd->get(), "", true));
    TRY(set_attrs(tree.get(), {kLocked, 0}, true));
    return attach_tree(tree.get(), fd->get());
}

oci::Result<void> mask(int root, const std::string& rel, UniqueFd& null) {
    auto fd = safepath::open_in_root(root, rel, O_PATH);
    if (!fd) {
        if (fd.error().err == ENOENT) return oci::ok();
        return std::move(fd).error();
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return oci::Error::sys("stat", errno);
    if (S_ISDIR(st.st_mode)) {
        TRY_ASSIGN(UniqueFd tmp, make_ro_tmpfs());
        return attach_tree(tmp.get(), fd->get());
    }
    if (!null) {
        TRY_ASSIGN(null, safepath::open_in_root(root, "dev/null", O_PATH));
    }
    TRY_ASSIGN(UniqueFd tree, clone_tree(null.get(), "", false));
    return attach_tree(tree.get(), fd->get());
}

unsigned long propagation_flag(oci::RootfsPropagation p) {
    switch (p) {
    case oci::RootfsPropagation::Shared: return MS_SHARED;
    case oci::RootfsPropagation::Slave: return MS_SLAVE;
    case oci::RootfsPropagation::Private: return MS_PRIVATE;
    case oci::RootfsPropagation::Unbindable: return MS_UNBINDABLE;
    case oci::RootfsPropagation::RShared: return MS_SHARED | MS_REC;
    case oci::RootfsPropagation::RSlave: return MS_SLAVE | MS_REC;
    case oci::RootfsPropagation::RPrivate: return MS_PRIVATE | MS_REC;
    case oci::RootfsPropagation::RUnbindable: return MS_UNBINDABLE | MS_REC;
    }
    return MS_SLAVE;
}

}  // namespace

oci::Result<void> finalize_rootfs(const RootfsPlan& plan) {
    const RootfsPlan::Impl& p = *plan.impl;
    if (!p.opts.new_mount_namespace) return oci::ok();
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return oci::Error::sys("open /", errno);

    for (const auto& m : p.mounts) {
        if (!m.ro_fd) continue;
        auto r = set_attrs(m.ro_fd.get(), {MOUNT_ATTR_RDONLY, 0}, false);
        if (!r) return std::move(r).error().wrap(m.where + ": " + mount_what(m) + ": make read-only");
        m.ro_fd.reset();
    }

    for (const auto& rel : p.readonly_paths) {
        auto r = make_readonly(root.get(), rel);
        if (!r) return std::move(r).error().wrap(field("linux.readonlyPaths", rel));
    }
    UniqueFd null;
    for (const auto& rel : p.masked_paths) {
        auto r = mask(root.get(), rel, null);
        if (!r) return std::move(r).error().wrap(field("linux.maskedPaths", rel));
    }
    if (p.readonly) {
        // Only the root mount, and only adding "ro": flags locked in from a
        // parent user namespace are never asked to change.
        auto r = set_attrs(root.get(), {MOUNT_ATTR_RDONLY, 0}, false);
        if (!r) return std::move(r).error().wrap("root.readonly: remount /");
    }
    if (p.propagation) {
        auto r = set_propagation(root.get(), propagation_flag(*p.propagation));
        if (!r) return std::move(r).error().wrap("linux.rootfsPropagation");
    }
    return oci::ok();
}

}  // namespace skiff::linux
