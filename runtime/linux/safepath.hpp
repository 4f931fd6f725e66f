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

enum class Leaf { Directory, File };

// O_PATH fd of rel (a cleaned path) under root, creating missing parent
// directories (0755) and the leaf itself when absent.
oci::Result<UniqueFd> create_in_root(int root, const std::string& rel, Leaf leaf);

// "/proc/self/fd/N" without allocating (usable in the child before exec).
struct ProcFdPath {
    char buf[32];
    const char* c_str() const { return buf; }
};
ProcFdPath proc_fd_path(int fd);

}  // namespace skiff::linux::safepath
