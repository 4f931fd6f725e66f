// Rootless: skiff run by an ordinary user (or as root of a user namespace
// that is not the initial one, as under podman's rootless mode).  What
// changes: the id maps are written as that user can (linux/userns_map), the
// container needs a user namespace to mount anything, and it gets a cgroup
// only where one was delegated (cgroups/cgroup.cpp plan_cgroup).
//
// Who skiff runs as is found once per command (detect_host, by the CLI)
// and handed to every planner as linux::HostFacts.
#pragma once

#include <string>

#include "core/options.hpp"
#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::core {

// The host facts with --rootless resolved: auto is rootless when euid != 0
// or in a non-initial user namespace.
linux::HostFacts detect_host(Rootless mode);

// Parent, before anything is created: a config an unprivileged caller can
// run, or an error naming the field (no user namespace; id maps outside the
// ranges /etc/subuid and /etc/subgid delegate).
oci::Result<void> check_rootless_config(const linux::HostFacts& host, const oci::Config& c);

// The state root an unprivileged caller can write, or an error saying how
// to get one ($XDG_RUNTIME_DIR or --root) instead of a bare EACCES.
oci::Result<void> check_state_root(const linux::HostFacts& host, const std::string& root);

}  // namespace skiff::core
