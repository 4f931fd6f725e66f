// Resolving container paths inside a root directory fd, never escaping it:
// every lookup is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a
// symlink "etc -> /etc" or "x -> ../../.." in the rootfs resolves to a path
// under the rootfs, never on the host.  Missing directories (and the empty
// file a file bind mount needs) are created one component at a time beneath
// an already-resolved parent.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/fd.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux::safepath {

// Lexical cleanup of a container path: "/a//b/./c/../d" -> "a/b/d".
// ".." above the root is dropped (the root is its own parent); "" is the root.
std::string clean(std::string_view path);

// openat2(root, rel, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS).  The
// error's err is the errno (ENOENT lets callers skip missing paths).
oci::Result<UniqueFd> open_in_root(int root, const std::string& rel, int flags);

// Directory/File: the leaf is followed if it is a symlink (inside the root).
// MountDir: a kernel filesystem's mount point (proc, sysfs, devpts, tmpfs...):
// the leaf must be an ordinary directory, never a symlink or another file,
// as runc refuses ("must be mounted on an ordinary directory").
enum class Leaf { Directory, File, MountDir };

// O_PATH fd of rel (a cleaned path) under root, creating missing parent
// directories (0755) and the leaf itself when absent.  A dangling symlink
// on the way (or at the leaf, unless MountDir) is followed inside the root
// and its target created there, as runc and crun do: "/data -> /nowhere/x"
// creates <root>/nowhere/x, never the host's /nowhere.
oci::Result<UniqueFd> create_in_root(int root, const std::string& rel, Leaf leaf);

// "/proc/self/fd/N" without allocating (usable in the child before exec).
struct ProcFdPath {
    char buf[32];
    const char* c_str() const { return buf; }
};
ProcFdPath proc_fd_path(int fd);

}  // namespace skiff::linux::safepath
