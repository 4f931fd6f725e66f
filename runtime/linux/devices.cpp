// Device nodes (config-linux.md "Devices", "Default Devices") and the /dev
// symlinks of runtime-linux.md.  Nodes are made with mknod, or, inside a
// user namespace where mknod is refused, by binding the host's node onto an
// empty file (the bind source is cloned in the parent).
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/rootfs_impl.hpp"
#include "linux/safepath.hpp"

namespace skiff::linux {
namespace {

struct DefaultDevice {
    const char* path;
    unsigned major, minor;
};
constexpr DefaultDevice kDefaults[] = {
    {"dev/null", 1, 3}, {"dev/zero", 1, 5}, {"dev/full", 1, 7},
    {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0},
};

oci::Result<DeviceStep> plan_user_device(const oci::Device& d) {
    DeviceStep s;
    if (d.path.empty() || d.path[0] != '/') return oci::Error::msg("must be an absolute path");
    s.dest = safepath::clean(d.path);
    if (s.dest.empty()) return oci::Error::msg("is the root directory");
    if (d.type == "c" || d.type == "u") s.mode = S_IFCHR;
    else if (d.type == "b") s.mode = S_IFBLK;
    else if (d.type == "p") s.mode = S_IFIFO;
    else return oci::Error::msg("unknown device type \"" + d.type + "\"");
    if (s.mode != S_IFIFO) {
        if (!d.major || !d.minor) return oci::Error::msg("major and minor are required for type \"" + d.type + "\"");
        if (*d.major < 0 || *d.minor < 0 || *d.major > 0xfffff || *d.minor > 0xfffff)
            return oci::Error::msg("major/minor out of range");
        s.rdev = makedev(static_cast<unsigned>(*d.major), static_cast<unsigned>(*d.minor));
    }
    uint32_t perm = d.fileMode.value_or(0666);
    if (perm > 07777) return oci::Error::msg("fileMode " + std::to_string(perm) + " is not a permission mode");
    s.mode |= perm;
    s.uid = d.uid.value_or(0);
    s.gid = d.gid.value_or(0);
    s.user = true;
    return s;
}

std::string shown(const DeviceStep& d) {
    return (d.user ? d.where + ".path" : std::string("device")) + " \"/" + d.dest + "\"";
}

oci::Result<void> make_node(int root, const DeviceStep& d) {
    size_t slash = d.dest.rfind('/');
    std::string dir = slash == std::string::npos ? "" : d.dest.substr(0, slash);
    std::string name = slash == std::string::npos ? d.dest : d.dest.substr(slash + 1);
    TRY_ASSIGN(UniqueFd parent, safepath::create_in_root(root, dir, safepath::Leaf::Directory));
    if (::mknodat(parent.get(), name.c_str(), d.mode, d.rdev) < 0) {
        if (errno != EEXIST) return oci::Error::sys("mknod", errno);
        struct stat st {};
        if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return oci::Error::sys("stat", errno);
        bool same = (st.st_mode & S_IFMT) == (d.mode & S_IFMT) && (S_ISFIFO(st.st_mode) || st.st_rdev == d.rdev);
        if (!d.user) return oci::ok();  // the image's own node stands, as with runc
        if (!same) return oci::Error::sys("a different file exists", EEXIST);
    }
    // mknod applied the umask; the config's mode is exact.
    if (::fchmodat(parent.get(), name.c_str(), d.mode & 07777, 0) < 0) return oci::Error::sys("chmod", errno);
    if (::fchownat(parent.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
        return oci::Error::sys("chown", errno);
    return oci::ok();
}

oci::Result<void> bind_node(int root, const DeviceStep& d) {
    TRY_ASSIGN(UniqueFd target, safepath::create_in_root(root, d.dest, safepath::Leaf::File));
    if (d.bind_in_child) {  // rootless: still in the parent's mount tree copy, before pivot_root
        TRY_ASSIGN(UniqueFd tree, clone_tree(AT_FDCWD, ("/" + d.dest).c_str(), false));
        return attach_tree(tree.get(), target.get());
    }
    return attach_tree(d.tree.get(), target.get());
}

void link(int dir, const char* target, const char* name) {
    // An existing entry (the image's own link) is left alone, as runc does.
    (void)::symlinkat(target, dir, name);
}

}  // namespace

oci::Result<void> plan_devices(const oci::Config& c, RootfsPlan::Impl& p) {
    std::vector<DeviceStep> user;
    if (c.linux && c.linux->devices) {
        const auto& devs = *c.linux->devices;
        for (size_t i = 0; i < devs.size(); ++i) {
            std::string where = "linux.devices[" + std::to_string(i) + "]";
            auto s = plan_user_device(devs[i]);
            if (!s) return std::move(s).error().wrap(where + ".path \"" + devs[i].path + "\"");
            s->where = std::move(where);
            user.push_back(std::move(s).value());
        }
    }
    if (p.setup_dev) {
        for (const auto& d : kDefaults) {
            bool overridden = false;
            for (const auto& u : user) overridden = overridden || u.dest == d.path;
            if (overridden) continue;
            DeviceStep s;
            s.where = "default device";
            s.dest = d.path;
            s.mode = S_IFCHR | 0666;
            s.rdev = makedev(d.major, d.minor);
            p.devices.push_back(std::move(s));
        }
    }
    for (auto& u : user) {
        // Under a bind-mounted /dev, mknod would write into the host's /dev.
        if (!p.setup_dev && (u.dest == "dev" || u.dest.rfind("dev/", 0) == 0)) continue;
        p.devices.push_back(std::move(u));
    }

    if (p.opts.in_user_namespace && p.opts.new_mount_namespace) {
        for (auto& d : p.devices) {
            std::string host = "/" + d.dest;
            if (p.opts.host.unprivileged()) {  // the child clones, as in plan_bind
                struct stat st {};
                if (::stat(host.c_str(), &st) < 0)
                    return oci::Error::sys(shown(d) + ": host device \"" + host + "\"", errno);
                d.bind_in_child = true;
                continue;
            }
            auto t = clone_tree(AT_FDCWD, host.c_str(), false);
            if (!t) return std::move(t).error().wrap(shown(d) + ": host device \"" + host + "\"");
            d.tree = std::move(t).value();
        }
    }
    return oci::ok();
}

oci::Result<void> create_devices(const RootfsPlan::Impl& p) {
    int root = p.root.get();
    for (const auto& d : p.devices) {
        auto r = d.tree || d.bind_in_child ? bind_node(root, d) : make_node(root, d);
        if (!r) return std::move(r).error().wrap(shown(d));
    }
    if (!p.setup_dev) return oci::ok();
    TRY_ASSIGN(UniqueFd dev, safepath::create_in_root(root, "dev", safepath::Leaf::Directory));
    link(dev.get(), "/proc/self/fd", "fd");
    link(dev.get(), "/proc/self/fd/0", "stdin");
    link(dev.get(), "/proc/self/fd/1", "stdout");
    link(dev.get(), "/proc/self/fd/2", "stderr");
    if (p.dev_core) link(dev.get(), "/proc/kcore", "core");
    if (p.ptmx_link) {
        // The container's ptmx must be its own devpts instance's.
        if (::unlinkat(dev.get(), "ptmx", 0) < 0 && errno != ENOENT)
            return oci::Error::sys("remove \"/dev/ptmx\"", errno);
        if (::symlinkat("pts/ptmx", dev.get(), "ptmx") < 0) return oci::Error::sys("symlink \"/dev/ptmx\"", errno);
    }
    return oci::ok();
}

}  // namespace skiff::linux
