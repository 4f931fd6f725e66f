// The container's root filesystem.  Planned in the parent (options parsed,
// sources resolved, fds opened), executed in the child between clone and
// execve, in the container's new mount namespace.  Every destination is
// resolved inside the rootfs without following symlinks out of it.
//
// Child order (runtime.md + runc):
//   prepare_rootfs   propagation (MS_SLAVE|MS_REC unless rootfsPropagation),
//                    bind rootfs onto itself, config mounts in order, default
//                    /dev (tmpfs + devices + symlinks + /dev/pts, ptmx) unless
//                    the config mounts /dev itself, linux.devices
//   [createRuntime / createContainer hooks run here]
//   open_console     (terminal only) pty from the container's devpts, slave bound on /dev/console
//   enter_rootfs     pivot_root (or MS_MOVE + chroot with --no-pivot), chdir /
//   [sysctl written here, through the container's /proc]
//   finalize_rootfs  readonlyPaths, maskedPaths, root.readonly, rootfsPropagation
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

struct RootfsOptions {
    bool no_pivot = false;
    bool in_user_namespace = false;  // devices are bind-mounted from the host instead of mknod
    bool new_mount_namespace = true; // false: the config joins or lacks a mount namespace (rootfs work is skipped)
    // Unprivileged (host.unprivileged()): bind trees and device nodes are
    // cloned by the child, root of its user namespace, not by the parent.
    HostFacts host;
};

// Opaque to the core: the module defines Impl (parsed mount steps, open
// source fds, device list...) in its own header.
struct RootfsPlan {
    struct Impl;
    std::unique_ptr<Impl> impl;
    RootfsPlan();
    RootfsPlan(RootfsPlan&&) noexcept;
    RootfsPlan& operator=(RootfsPlan&&) noexcept;
    ~RootfsPlan();
};

// Parent: validate and plan.  Errors name the field: `mounts[3].options: unknown option "foo"`.
oci::Result<RootfsPlan> plan_rootfs(const oci::Config& c, const std::string& bundle, const RootfsOptions& o);

// Child steps, in this order.
oci::Result<void> prepare_rootfs(const RootfsPlan& p);
struct Console { UniqueFd master; UniqueFd slave; };
oci::Result<Console> open_console(const RootfsPlan& p);
oci::Result<void> enter_rootfs(const RootfsPlan& p);
oci::Result<void> finalize_rootfs(const RootfsPlan& p);

}  // namespace skiff::linux
