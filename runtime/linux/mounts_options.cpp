// Mount option strings -> mount(2) flags, propagation, mount_setattr bits.
// The table mirrors mount(8) and runc, so a config behaves the same here.
#include <string_view>

#include "linux/mounts.hpp"

namespace skiff::linux {
namespace {

enum class Kind { Flag, Propagation, Recursive };

struct OptionDef {
    std::string_view name;
    Kind kind;
    bool clear;            // Flag: clear `ms` instead of setting it
    unsigned long ms;      // MS_* word (Flag, Propagation)
    uint64_t attr_set;     // mount_setattr bits (Flag: for binds; Recursive)
    uint64_t attr_clr;
};

constexpr uint64_t kAtime = MOUNT_ATTR__ATIME;

constexpr OptionDef kOptions[] = {
    {"defaults", Kind::Flag, false, 0, 0, 0},
    {"ro", Kind::Flag, false, MS_RDONLY, MOUNT_ATTR_RDONLY, 0},
    {"rw", Kind::Flag, true, MS_RDONLY, 0, MOUNT_ATTR_RDONLY},
    {"nosuid", Kind::Flag, false, MS_NOSUID, MOUNT_ATTR_NOSUID, 0},
    {"suid", Kind::Flag, true, MS_NOSUID, 0, MOUNT_ATTR_NOSUID},
    {"nodev", Kind::Flag, false, MS_NODEV, MOUNT_ATTR_NODEV, 0},
    {"dev", Kind::Flag, true, MS_NODEV, 0, MOUNT_ATTR_NODEV},
    {"noexec", Kind::Flag, false, MS_NOEXEC, MOUNT_ATTR_NOEXEC, 0},
    {"exec", Kind::Flag, true, MS_NOEXEC, 0, MOUNT_ATTR_NOEXEC},
    {"sync", Kind::Flag, false, MS_SYNCHRONOUS, 0, 0},
    {"async", Kind::Flag, true, MS_SYNCHRONOUS, 0, 0},
    {"dirsync", Kind::Flag, false, MS_DIRSYNC, 0, 0},
    {"remount", Kind::Flag, false, MS_REMOUNT, 0, 0},
    {"mand", Kind::Flag, false, MS_MANDLOCK, 0, 0},
    {"nomand", Kind::Flag, true, MS_MANDLOCK, 0, 0},
    {"noatime", Kind::Flag, false, MS_NOATIME, MOUNT_ATTR_NOATIME, kAtime},
    {"atime", Kind::Flag, true, MS_NOATIME, 0, 0},
    {"nodiratime", Kind::Flag, false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME, 0},
    {"diratime", Kind::Flag, true, MS_NODIRATIME, 0, MOUNT_ATTR_NODIRATIME},
    {"relatime", Kind::Flag, false, MS_RELATIME, MOUNT_ATTR_RELATIME, kAtime},
    {"norelatime", Kind::Flag, true, MS_RELATIME, 0, 0},
    {"strictatime", Kind::Flag, false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME, kAtime},
    {"nostrictatime", Kind::Flag, true, MS_STRICTATIME, 0, 0},
    {"iversion", Kind::Flag, false, MS_I_VERSION, 0, 0},
    {"noiversion", Kind::Flag, true, MS_I_VERSION, 0, 0},
    {"lazytime", Kind::Flag, false, MS_LAZYTIME, 0, 0},
    {"nolazytime", Kind::Flag, true, MS_LAZYTIME, 0, 0},
    {"silent", Kind::Flag, false, MS_SILENT, 0, 0},
    {"loud", Kind::Flag, true, MS_SILENT, 0, 0},
    {"nosymfollow", Kind::Flag, false, MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"symfollow", Kind::Flag, true, MS_NOSYMFOLLOW, 0, MOUNT_ATTR_NOSYMFOLLOW},
    {"bind", Kind::Flag, false, MS_BIND, 0, 0},
    {"rbind", Kind::Flag, false, MS_BIND | MS_REC, 0, 0},

    {"private", Kind::Propagation, false, MS_PRIVATE, 0, 0},
    {"rprivate", Kind::Propagation, false, MS_PRIVATE | MS_REC, 0, 0},
    {"shared", Kind::Propagation, false, MS_SHARED, 0, 0},
    {"rshared", Kind::Propagation, false, MS_SHARED | MS_REC, 0, 0},
    {"slave", Kind::Propagation, false, MS_SLAVE, 0, 0},
    {"rslave", Kind::Propagation, false, MS_SLAVE | MS_REC, 0, 0},
    {"unbindable", Kind::Propagation, false, MS_UNBINDABLE, 0, 0},
    {"runbindable", Kind::Propagation, false, MS_UNBINDABLE | MS_REC, 0, 0},

    {"rro", Kind::Recursive, false, 0, MOUNT_ATTR_RDONLY, 0},
    {"rrw", Kind::Recursive, false, 0, 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", Kind::Recursive, false, 0, MOUNT_ATTR_NOSUID, 0},
    {"rsuid", Kind::Recursive, false, 0, 0, MOUNT_ATTR_NOSUID},
    {"rnodev", Kind::Recursive, false, 0, MOUNT_ATTR_NODEV, 0},
    {"rdev", Kind::Recursive, false, 0, 0, MOUNT_ATTR_NODEV},
    {"rnoexec", Kind::Recursive, false, 0, MOUNT_ATTR_NOEXEC, 0},
    {"rexec", Kind::Recursive, false, 0, 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", Kind::Recursive, false, 0, MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", Kind::Recursive, false, 0, 0, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", Kind::Recursive, false, 0, MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", Kind::Recursive, false, 0, 0, MOUNT_ATTR_NOSYMFOLLOW},
    // The kernel takes an atime mode only with the whole __ATIME field in
    // attr_clr; modes that merely undo another fall back to the default.
    {"rrelatime", Kind::Recursive, false, 0, MOUNT_ATTR_RELATIME, kAtime},
    {"rnorelatime", Kind::Recursive, false, 0, MOUNT_ATTR_STRICTATIME, kAtime},
    {"rnoatime", Kind::Recursive, false, 0, MOUNT_ATTR_NOATIME, kAtime},
    {"ratime", Kind::Recursive, false, 0, MOUNT_ATTR_RELATIME, kAtime},
    {"rstrictatime", Kind::Recursive, false, 0, MOUNT_ATTR_STRICTATIME, kAtime},
    {"rnostrictatime", Kind::Recursive, false, 0, MOUNT_ATTR_RELATIME, kAtime},
};

const OptionDef* find_option(std::string_view s) {
    if (s.empty()) return nullptr;
    for (const auto& d : kOptions)  // first byte and length before the compare
        if (d.name[0] == s[0] && d.name == s) return &d;
    return nullptr;
}

// Later options win over earlier ones for the same bit, as with mount(8).
void merge(MountAttrs& into, uint64_t set, uint64_t clr) {
    into.set = (into.set & ~clr & ~set) | set;
    into.clr = (into.clr & ~set) | clr;
    if (clr & MOUNT_ATTR__ATIME) into.clr |= MOUNT_ATTR__ATIME;
}

}  // namespace

oci::Result<MountOptions> parse_mount_options(const oci::Strings& opts) {
    MountOptions r;
    for (size_t i = 0; i < opts.size(); ++i) {
        const std::string& o = opts[i];
        if (o.empty()) return oci::Error::msg("options[" + std::to_string(i) + "]: empty option");
        if (o == "idmap") { r.idmap = true; continue; }
        if (o == "ridmap") { r.ridmap = true; continue; }
        if (o == "tmpcopyup") { r.copyup = true; continue; }
        const OptionDef* d = find_option(o);
        if (!d) {
            if (!r.data.empty()) r.data += ',';
            r.data += o;
            continue;
        }
        switch (d->kind) {
        case Kind::Flag:
            if (d->clear) r.flags &= ~d->ms;
            else r.flags |= d->ms;
            merge(r.attrs, d->attr_set, d->attr_clr);
            break;
        case Kind::Propagation:
            r.propagation.push_back(d->ms);
            break;
        case Kind::Recursive:
            merge(r.rec_attrs, d->attr_set, d->attr_clr);
            break;
        }
    }
    r.bind = (r.flags & MS_BIND) != 0;
    r.rbind = r.bind && (r.flags & MS_REC) != 0;
    return r;
}

}  // namespace skiff::linux
