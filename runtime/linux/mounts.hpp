// Mount options (config.md "Linux mount options") parsed into the words the
// kernel takes, and thin wrappers over the mount system calls used on both
// sides of clone.  Parsing happens in the parent; the child only executes.
#pragma once

#include <sys/mount.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

// mount_setattr(2) attribute changes: bits to set and bits to clear.
struct MountAttrs {
    uint64_t set = 0;
    uint64_t clr = 0;
    bool empty() const { return set == 0 && clr == 0; }
};

struct MountOptions {
    unsigned long flags = 0;               // MS_* for mount(2) (MS_BIND/MS_REC included for binds)
    std::vector<unsigned long> propagation; // MS_SHARED|MS_REC ..., applied in order after the mount
    MountAttrs attrs;                       // the flag options as mount_setattr bits (binds)
    MountAttrs rec_attrs;                   // rro, rnosuid, ... (AT_RECURSIVE)
    bool bind = false;
    bool rbind = false;
    bool idmap = false;
    bool ridmap = false;
    bool copyup = false;                    // tmpcopyup: a tmpfs starts with a copy of what it covers
    std::string data;                       // filesystem options, comma-separated
};

// Never fails for a syntactically valid list: unknown options become
// filesystem data, as mount(8) does.  Fails on empty option strings.
oci::Result<MountOptions> parse_mount_options(const oci::Strings& opts);

// Creates a user namespace with the given maps and returns an fd to it (for
// MOUNT_ATTR_IDMAP).  Parent only: forks a helper that is reaped before return.
oci::Result<UniqueFd> make_userns_fd(const std::vector<oci::IdMapping>& uids,
                                     const std::vector<oci::IdMapping>& gids);

// ---- kernel wrappers (errors carry errno; callers add context) ----

// A detached copy of the mount tree at path (open_tree OPEN_TREE_CLONE).
oci::Result<UniqueFd> clone_tree(int dirfd, const char* path, bool recursive);
// Attach a detached tree (or an fsmount fd) onto the object target_fd refers to.
oci::Result<void> attach_tree(int tree_fd, int target_fd);
oci::Result<void> set_attrs(int fd, const MountAttrs& a, bool recursive, int userns_fd = -1);
oci::Result<void> set_propagation(int fd, unsigned long ms_flags);
// A new filesystem as a detached mount (fsopen, fsconfig, fsmount): what
// mount(2) of `type` with these MS_* flags and comma-separated data makes,
// before it is attached anywhere.  A refused option's error carries the
// kernel's own words ("tmpfs: Bad value for 'size'").
oci::Result<UniqueFd> make_fs_mount(const std::string& type, const std::string& source, unsigned long ms_flags,
                                    const std::string& data);
// A new read-only tmpfs as a detached mount (for masked directories).
oci::Result<UniqueFd> make_ro_tmpfs();

}  // namespace skiff::linux
