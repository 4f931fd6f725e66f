// The container process's attributes (config.md "process", plus
// linux.personality and sysctl/hostname): planned and validated in the
// parent, applied in the child.  Child order:
//   apply_early      (as root in the container's user ns, before the rootfs
//                    is entered): rlimits, oomScoreAdj, scheduler, ioPriority,
//                    execCPUAffinity.initial, personality, memoryPolicy
//   apply_sysctl     after enter_rootfs, through the container's /proc/sys
//   apply_identity   additionalGids/gid/uid (setgroups/setresgid/setresuid,
//                    keeping caps across the uid change), then the 5
//                    capability sets (bounding dropped first), umask,
//                    noNewPrivileges.  Last step before the exec fifo and seccomp.
//   apply_final      execCPUAffinity.final (just before execve)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

struct ProcessPlan {
    struct Impl;
    std::unique_ptr<Impl> impl;
    ProcessPlan();
    ProcessPlan(ProcessPlan&&) noexcept;
    ProcessPlan& operator=(ProcessPlan&&) noexcept;
    ~ProcessPlan();
};

// Parent: validate every field and precompute the syscall arguments.
// Errors name the field: `process.rlimits[0]: RLIMIT_NOFILE hard limit 1048576
// exceeds this process's hard limit 20000 and CAP_SYS_RESOURCE is missing`,
// `process.capabilities.bounding: unknown capability "CAP_FOO"`.
// `sysctl` is validated against the namespaces the container gets.
oci::Result<ProcessPlan> plan_process(const oci::Config& c, const oci::Process& p);

oci::Result<void> apply_early(const ProcessPlan& p);
oci::Result<void> apply_sysctl(const ProcessPlan& p);
oci::Result<void> apply_identity(const ProcessPlan& p);
oci::Result<void> apply_final(const ProcessPlan& p);

// For execve: argv/envp arrays (NULL-terminated) and the path resolved
// against the container's PATH (done in the child after enter_rootfs, with
// no allocation beyond the prepared buffers).
const char* const* exec_argv(const ProcessPlan& p);
const char* const* exec_envp(const ProcessPlan& p);
const char* exec_cwd(const ProcessPlan& p);
// Child, after enter_rootfs and before apply_identity: creates process.cwd
// (mode 0755, like runc) when it does not exist in the container.
oci::Result<void> ensure_cwd(const ProcessPlan& p);
// Child, after enter_rootfs (as runc): when process.env has no HOME, sets
// HOME in exec_envp() to the home directory of process.user.uid in the
// container's /etc/passwd, or "/" when there is none.
oci::Result<void> resolve_home(const ProcessPlan& p);
// Finds args[0] in PATH inside the container (after enter_rootfs).
// Error (as runc): `exec: "foo": executable file not found in $PATH`.
oci::Result<const char*> resolve_executable(const ProcessPlan& p);

}  // namespace skiff::linux
