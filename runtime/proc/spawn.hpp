// The one way skiff clones a process, and what every cloned child does
// first.  Used by spawn_init, spawn_exec and exec's fork_in_pidns.
//
// The fork model: the child shares skiff's memory (CLONE_VM, as vfork)
// until its execve, on a stack of its own.  Fork would copy the page tables
// and then fault in every page either side writes (copy-on-write): about a
// millisecond on a VM, the largest single cost of a start.  Sharing is
// safe because the two never run at once (proc/protocol.hpp, "turns"): the
// parent waits on the sync socket while the child works, and the reverse.
// Only per-mm state is common (PR_SET_DUMPABLE; oom_score_adj, which the
// kernel copies to every process of the mm); credentials, namespaces, root,
// cwd, fds, signal handlers, rlimits and seccomp are the child's own.
// Where the trampoline is missing (not x86-64) or under ASan (which does
// not know the stack), the child gets a copy instead, with the same
// protocol.
#pragma once

#include <cstdint>

#include "ocispec/error.hpp"
#include "proc/init.hpp"

namespace skiff::proc {

// Whether clone_child's children share the caller's memory.
bool children_share_memory();

using ChildMain = void (*)(void* arg);  // never returns (execve or _exit)

// clone3 with `flags` | CLONE_PIDFD, into cgroup_fd's cgroup when it is
// >= 0 (CLONE_INTO_CGROUP), so the child never runs outside it; the child
// runs child_main(arg).  The exit signal is SIGCHLD; with CLONE_PARENT the
// child takes the caller's (clone3 refuses any other).
oci::Result<Spawned> clone_child(uint64_t flags, int cgroup_fd, ChildMain child_main, void* arg);

// Default disposition for every signal and an empty mask: a child must not
// inherit the handlers or the blocked set of the skiff that cloned it.
void reset_signals();

}  // namespace skiff::proc
