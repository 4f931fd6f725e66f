// plan_rootfs: the parent validates the config's root, mounts and paths and
// turns them into MountSteps.  Bind sources become detached mount trees
// here (open_tree), with their attributes and idmapping already applied, so
// the child only has to attach them.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "linux/rootfs_impl.hpp"
#include "linux/safepath.hpp"

namespace skiff::linux {

RootfsPlan::RootfsPlan() = default;
RootfsPlan::RootfsPlan(RootfsPlan&&) noexcept = default;
RootfsPlan& RootfsPlan::operator=(RootfsPlan&&) noexcept = default;
RootfsPlan::~RootfsPlan() = default;

std::string mount_what(const MountStep& m) {
    const std::string& src = m.source.empty() ? m.type : m.source;
    return "mount \"" + src + "\" on \"/" + m.dest + "\"";
}

namespace {

std::string absolute(const std::string& path, const std::string& bundle) {
    if (!path.empty() && path[0] == '/') return path;
    std::string b = bundle.empty() ? "." : bundle;
    if (b.back() != '/') b += '/';
    return b + path;
}

// Parent-side work for a bind mount: clone the source tree, then apply what
// can be applied before it is attached (flags, recursive attrs, idmapping).
oci::Result<void> plan_bind(const oci::Config& c, const oci::Mount& m, const std::string& bundle, MountStep& s,
                            const RootfsOptions& o) {
    if (!m.source || m.source->empty()) return oci::Error::msg("bind mount needs a source");
    s.source = absolute(*m.source, bundle);
    struct stat st {};
    if (::stat(s.source.c_str(), &st) < 0) return oci::Error::sys("source \"" + s.source + "\"", errno);
    s.source_is_dir = S_ISDIR(st.st_mode);
    bool idmapped = s.opts.idmap || s.opts.ridmap || m.uidMappings || m.gidMappings;
    if (!o.new_mount_namespace) return oci::ok();  // nothing will be mounted
    // rootless: cloning a tree needs CAP_SYS_ADMIN over the mount
    // namespace, which only the child (root of its user namespace) has.
    if (o.host.unprivileged()) {
        if (idmapped) return oci::Error::msg("idmapped bind mounts are not supported when skiff runs unprivileged");
        return oci::ok();
    }

    auto tree = clone_tree(AT_FDCWD, s.source.c_str(), s.opts.rbind);
    if (!tree) return std::move(tree).error().wrap("source \"" + s.source + "\"");
    s.tree = std::move(tree).value();
    if (idmapped) {
        const std::vector<oci::IdMapping>* uids = m.uidMappings ? &*m.uidMappings : nullptr;
        const std::vector<oci::IdMapping>* gids = m.gidMappings ? &*m.gidMappings : nullptr;
        if (!uids && !gids && c.linux && c.linux->uidMappings && c.linux->gidMappings &&
            oci::find_namespace(c, oci::NamespaceType::User)) {
            uids = &*c.linux->uidMappings;  // the container's own mapping
            gids = &*c.linux->gidMappings;
        }
        if (!uids || !gids)
            return oci::Error::msg("idmap needs uidMappings and gidMappings (on the mount or a user namespace)");
        TRY_ASSIGN(UniqueFd userns, make_userns_fd(*uids, *gids));
        auto r = set_attrs(s.tree.get(), {}, s.opts.ridmap, userns.get());
        if (!r) return std::move(r).error().wrap("idmap \"" + s.source + "\"");
    }
    if (!s.opts.attrs.empty()) {
        auto r = set_attrs(s.tree.get(), s.opts.attrs, false);
        if (!r) return std::move(r).error().wrap("bind \"" + s.source + "\"");
    }
    if (!s.opts.rec_attrs.empty()) {
        auto r = set_attrs(s.tree.get(), s.opts.rec_attrs, true);
        if (!r) return std::move(r).error().wrap("bind \"" + s.source + "\"");
    }
    return oci::ok();
}

const oci::Strings kNoOptions;

oci::Result<void> plan_mount(const oci::Config& c, const oci::Mount& m, const std::string& bundle, MountStep& s,
                             const RootfsOptions& o, bool covered_later, std::string dest) {
    if (m.destination.empty()) return oci::Error::msg("destination is empty");
    s.dest = std::move(dest);  // safepath::clean(m.destination)
    TRY_ASSIGN(s.opts, parse_mount_options(m.options ? *m.options : kNoOptions));
    if (m.uidMappings.has_value() != m.gidMappings.has_value())
        return oci::Error::msg("uidMappings and gidMappings must be given together");
    s.type = m.type.value_or("");
    s.bind = s.opts.bind || s.type == "bind";
    // Mount points and nodes below a read-only mount are made while it is
    // still writable; the "ro" comes last (finalize_rootfs).
    const bool ro = s.bind ? (s.opts.attrs.set & MOUNT_ATTR_RDONLY) != 0 : (s.opts.flags & MS_RDONLY) != 0;
    if (ro && (s.dest == "dev" || s.type == "tmpfs" || covered_later)) {
        s.defer_ro = true;
        s.opts.flags &= ~static_cast<unsigned long>(MS_RDONLY);
        s.opts.attrs.set &= ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY);
    }
    if (s.opts.copyup && (s.bind || s.type != "tmpfs"))
        return oci::Error::msg("option \"tmpcopyup\" is only valid on a tmpfs mount, not on " +
                               oci::quote(s.bind ? "bind" : s.type));
    if (s.opts.copyup && (s.opts.flags & MS_REMOUNT))
        return oci::Error::msg("option \"tmpcopyup\" makes a new tmpfs: it cannot be combined with \"remount\"");
    if (s.bind) {
        s.opts.bind = true;
        return plan_bind(c, m, bundle, s, o);
    }
    if (s.opts.idmap || s.opts.ridmap || m.uidMappings) return oci::Error::msg("idmap needs a bind mount");
    if (s.type.empty()) return oci::Error::msg("type is required for a mount that is not a bind mount");
    if (s.type == "cgroup") s.type = "cgroup2";  // skiff runs cgroup v2 only
    s.source = m.source.value_or(s.type);
    return oci::ok();
}

MountStep fs_step(const char* where, const char* dest, const char* type, unsigned long flags, const char* data) {
    MountStep s;
    s.where = where;
    s.dest = dest;
    s.type = type;
    s.source = type;
    s.opts.flags = flags;
    s.opts.data = data;
    return s;
}

bool beneath(const std::string& path, const std::string& dir) {
    return dir.empty() || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

oci::Result<void> plan_paths(const oci::Opt<oci::Strings>& in, const char* field, std::vector<std::string>& out) {
    if (!in) return oci::ok();
    out.reserve(out.size() + in->size());
    for (size_t i = 0; i < in->size(); ++i) {
        const std::string& p = (*in)[i];
        if (p.empty() || p[0] != '/')
            return oci::Error::msg(std::string(field) + "[" + std::to_string(i) + "] \"" + p +
                                   "\": must be an absolute path");
        out.push_back(safepath::clean(p));
    }
    return oci::ok();
}

}  // namespace

oci::Result<RootfsPlan> plan_rootfs(const oci::Config& c, const std::string& bundle, const RootfsOptions& o) {
    RootfsPlan plan;
    plan.impl = std::make_unique<RootfsPlan::Impl>();
    RootfsPlan::Impl& p = *plan.impl;
    p.opts = o;
    if (!c.root || c.root->path.empty()) return oci::Error::msg("root.path: missing");
    p.rootfs = absolute(c.root->path, bundle);
    struct stat st {};
    if (::stat(p.rootfs.c_str(), &st) < 0) return oci::Error::sys("root.path \"" + p.rootfs + "\"", errno);
    // Canonical, so that it compares with the mount table (--no-pivot).
    if (char* real = ::realpath(p.rootfs.c_str(), nullptr)) {
        p.rootfs = real;
        std::free(real);
    }
    if (!S_ISDIR(st.st_mode)) return oci::Error::sys("root.path \"" + p.rootfs + "\"", ENOTDIR);
    p.readonly = c.root->readonly.value_or(false);
    if (c.linux) p.propagation = c.linux->rootfsPropagation;

    const std::vector<oci::Mount> none;
    const auto& mounts = c.mounts ? *c.mounts : none;
    // Every destination cleaned once: what is created beneath mounts (later
    // mounts, devices) is checked against it below.
    std::vector<std::string> later;
    later.reserve(mounts.size() + (c.linux && c.linux->devices ? c.linux->devices->size() : 0));
    for (const auto& m : mounts) later.push_back(safepath::clean(m.destination));
    if (c.linux && c.linux->devices)
        for (const auto& d : *c.linux->devices) later.push_back(safepath::clean(d.path));
    bool dev_mounted = false, dev_bound = false, pts_mounted = false;
    for (size_t i = 0; i < mounts.size(); ++i) {
        const oci::Mount& m = mounts[i];
        const std::string& d = later[i];
        bool bind = m.type == "bind";
        for (const auto& opt : m.options ? *m.options : kNoOptions) bind = bind || opt == "bind" || opt == "rbind";
        if (d == "dev") {
            dev_mounted = true;
            dev_bound = bind;
        }
        if (d == "dev/pts") pts_mounted = true;
    }
    // No /dev in the config: give the container a private one, as the
    // lifecycle contract in rootfs.hpp promises, before any mount below it.
    if (!dev_mounted) {
        p.mounts.push_back(fs_step("default /dev", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
        if (!pts_mounted) {
            p.mounts.push_back(fs_step("default /dev/pts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                                       "newinstance,ptmxmode=0666,mode=0620"));
            pts_mounted = true;
        }
    }
    p.mounts.reserve(p.mounts.size() + mounts.size());
    for (size_t i = 0; i < mounts.size(); ++i) {
        MountStep s;
        s.where = "mounts[" + std::to_string(i) + "]";
        const std::string& d = later[i];
        bool covered = false;
        for (size_t j = i + 1; j < later.size() && !covered; ++j) covered = beneath(later[j], d);
        auto r = plan_mount(c, mounts[i], bundle, s, o, covered, d);
        if (!r) return std::move(r).error().wrap(s.where);
        p.mounts.push_back(std::move(s));
    }
    // A bind-mounted /dev is the host's choice of nodes (runc does the same).
    p.setup_dev = !dev_bound;
    p.ptmx_link = p.setup_dev && pts_mounted;
    p.dev_core = ::access("/proc/kcore", F_OK) == 0;
    TRY(plan_devices(c, p));

    if (c.linux) {
        TRY(plan_paths(c.linux->readonlyPaths, "linux.readonlyPaths", p.readonly_paths));
        TRY(plan_paths(c.linux->maskedPaths, "linux.maskedPaths", p.masked_paths));
    }
    // Without any mount namespace these would be mounts on the host: refuse
    // rather than run unmasked (runc: "unable to restrict sys entries
    // without a private MNT namespace").  A joined namespace was set up by
    // whoever made it; nothing is mounted there either.
    if (!o.new_mount_namespace && !oci::find_namespace(c, oci::NamespaceType::Mount) &&
        (!p.masked_paths.empty() || !p.readonly_paths.empty()))
        return oci::Error::msg(std::string(p.masked_paths.empty() ? "linux.readonlyPaths" : "linux.maskedPaths") +
                               ": needs a mount namespace (linux.namespaces has no \"mount\")");
    return plan;
}

}  // namespace skiff::linux
