// Rootless: skiff run by an ordinary user (or as root of a user namespace
// that is not the initial one, as under podman's rootless mode).  What
// changes: the id maps are written as that user can (linux/userns_map), the
// container needs a user namespace to mount anything, and it gets a cgroup
// only where one was delegated (cgroups/cgroup.cpp plan_cgroup).
#pragma once

#include "core/options.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::core {

struct RootlessInfo {
    bool rootless = false;     // the resolved --rootless
    bool unprivileged = false; // euid != 0: cannot map ids beyond its own without helpers
    bool nested = false;       // euid 0 in a user namespace that is not the initial one
};

// --rootless auto: rootless when euid != 0 or in a non-initial user namespace.
RootlessInfo detect_rootless(Rootless mode);

// Parent, before anything is created: a config an unprivileged caller can
// run, or an error naming the field (no user namespace; id maps outside the
// ranges /etc/subuid and /etc/subgid delegate).
oci::Result<void> check_rootless_config(const RootlessInfo& info, const oci::Config& c);

// The state root an unprivileged caller can write, or an error saying how
// to get one ($XDG_RUNTIME_DIR or --root) instead of a bare EACCES.
oci::Result<void> check_state_root(const RootlessInfo& info, const std::string& root);

}  // namespace skiff::core
