// What runs between clone3 and execve.  Everything here was prepared by the
// parent (InitSpec); the child executes the plan in a fixed order and
// reports each failure to the parent as one Fail message.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "proc/affinity.hpp"
#include "linux/hooks.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"
#include "linux/rootfs.hpp"
#include "ocispec/error.hpp"
#include "seccomp/seccomp.hpp"

namespace skiff::proc {

struct InitSpec {
    linux::NamespacePlan ns;   // with hostname and domainname
    linux::RootfsPlan rootfs;
    linux::ProcessPlan process;
    std::optional<seccomp::Program> seccomp;
    bool seccomp_early = false;  // load before the identity switch (no noNewPrivileges, or notify)
    int sync_fd = -1;          // the child's end of the socketpair
    int fifo_fd = -1;          // O_PATH fd of exec.fifo itself (never its directory)
    bool start_by_message = false;  // `run`: Start on the sync socket instead of exec.fifo
    int host_proc_fd = -1;     // child: the host's /proc, only when the chroot'ed root has none (see init.cpp)
    std::vector<int> keep_fds; // sorted: every fd the child keeps at its start (proc/fds.hpp)
    bool terminal = false;
    bool hook_sync = false;    // ask the parent to run prestart/createRuntime hooks
    bool no_new_keyring = false;
    std::string keyring_name;  // "_ses.<id>"
    int preserve_fds = 0;      // fds 3 .. 3+N-1 stay open across execve
    unsigned long console_rows = 0, console_cols = 0;
    std::string hook_state;    // state JSON for startContainer hooks (from HooksDone)
    linux::PreparedHooks create_container_hooks;  // run by the init after HooksDone
    linux::PreparedHooks start_container_hooks;   // run by the init once `start` opened the fifo
    CpuPin pin;                // the parent's (proc/affinity.hpp), undone before execve
};

struct Spawned {
    pid_t pid = -1;
    UniqueFd pidfd;
};

// clone3 with the plan's namespaces (+CLONE_PIDFD, +CLONE_INTO_CGROUP when
// cgroup_fd >= 0).  In the child, runs the init sequence and never returns.
// The child shares the caller's memory (proc/spawn.hpp): `spec` must stay
// where it is, unfreed, until the init's execve or the caller's exit.
oci::Result<Spawned> spawn_init(InitSpec& spec, int cgroup_fd, bool* placed_in_cgroup);

// PR_SET_DUMPABLE 0 for the calling process (and so for every child it
// clones); spawn_init and spawn_exec call it before clone3.
void make_undumpable();

}  // namespace skiff::proc

namespace skiff::proc {

// `exec`: a new process in a running container.  The parent has entered the
// container's pid namespace (for its children) before clone3; the child
// joins the rest with one setns() on the init's pidfd, then applies its
// process plan exactly like an init would.
//
// An unprivileged parent cannot enter a pid namespace its user namespace
// does not own (setns wants CAP_SYS_ADMIN in the caller's own user
// namespace too).  Then fork_in_pidns: the child joins the user namespace
// and the pid namespace together, and clone3s (CLONE_PARENT) the real
// process, which is skiff's child and is reported with Forked; the
// intermediate exits.
struct ExecSpec {
    int init_pidfd = -1;
    int join_flags = 0;        // namespaces the container has that skiff is not in
    linux::ProcessPlan process;
    std::optional<seccomp::Program> seccomp;
    bool seccomp_early = false;
    int sync_fd = -1;
    bool terminal = false;
    int preserve_fds = 0;
    unsigned long console_rows = 0, console_cols = 0;
    bool fork_in_pidns = false;
    int cgroup_fd = -1;        // the cgroup to clone into (and fork_in_pidns's second clone)
    CpuPin pin;                // the parent's (proc/affinity.hpp), undone before execve
};

// The child shares the caller's memory (proc/spawn.hpp): `spec` must stay
// where it is until the child's execve (wait_eof after Ready).
oci::Result<Spawned> spawn_exec(ExecSpec& spec);

}  // namespace skiff::proc
