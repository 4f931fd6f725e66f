// The one way skiff clones a process, and what every cloned child does
// first.  Used by spawn_init, spawn_exec and exec's fork_in_pidns.
#pragma once

#include <cstdint>

#include "ocispec/error.hpp"
#include "proc/init.hpp"

namespace skiff::proc {

// clone3 with `flags` | CLONE_PIDFD, into cgroup_fd's cgroup when it is
// >= 0 (CLONE_INTO_CGROUP), so the child never runs outside it.  The exit
// signal is SIGCHLD; with CLONE_PARENT the child takes the caller's (clone3
// refuses any other).  Returns pid 0 in the child, which gets no pidfd.
// Allocates nothing on success.
oci::Result<Spawned> clone_child(uint64_t flags, int cgroup_fd);

// Default disposition for every signal and an empty mask: a child must not
// inherit the handlers or the blocked set of the skiff that cloned it.
void reset_signals();

}  // namespace skiff::proc
