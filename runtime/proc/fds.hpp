// Which fds a runtime process may hold once the container can see it.
//
// The rule (SECURITY.md, CVE-2024-21626 class): no fd of the host may be
// open in a process from the moment it can resolve a path chosen by the
// config or the container.  So the init and the exec child start by closing
// everything but what they need (the sync socket, an O_PATH fd to exec.fifo,
// the fds the plans opened for them, and the preserved fds 3..3+N-1), drop
// the plans' fds once they are consumed, and check that process.cwd really
// is inside the container's root after chdir.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ocispec/error.hpp"

namespace skiff::proc {

struct InitSpec;

// Child: closes every fd >= 3 except those in keep[0..n) and the preserved
// range [3, 3+preserve).  keep must be sorted; -1 entries are ignored.
// Only close_range(2): no allocation, safe between clone and execve.
void close_fds_except(const int* keep, size_t n, int preserve);

// Parent: the fds the init's plans hold for it (namespace paths to join,
// detached bind trees, device nodes), sorted with sync_fd and fifo_fd.
std::vector<int> init_keep_fds(const InitSpec& s);

// Parent, at the start of create/exec: the preserved fds must be the
// caller's (open, and inherited: not close-on-exec, as every fd skiff opens
// is), or the runtime's own fds would reach the container in their place.
oci::Result<void> check_preserved_fds(int n, const char* what);

// Child, after chdir(process.cwd): the kernel must see the new cwd inside
// the process's root (getcwd(2) reports "(unreachable)" otherwise).
oci::Result<void> check_cwd_inside_root(const char* cwd);

}  // namespace skiff::proc
