// Facts about the host and the caller, found once per command in the
// parent and handed to every planner (rootfs, devices, cgroups, id maps):
// no planner asks the kernel who it runs as, so each can be unit-tested
// with any facts, as an unprivileged user.
#pragma once

#include <sys/types.h>

#include <optional>

namespace skiff::linux {

enum class CgroupLayout { Unified, Hybrid, Legacy };

struct HostFacts {
    uid_t euid = 0;
    bool nested_userns = false;  // euid 0 in a user namespace that is not the initial one
    bool rootless = false;       // the resolved --rootless
    CgroupLayout cgroup_layout = CgroupLayout::Unified;

    // euid != 0: ids beyond its own need newuidmap, no mknod, no mount-tree clones
    bool unprivileged() const { return euid != 0; }
    // root of the initial user namespace: may create cgroups anywhere,
    // load BPF programs, clone mount trees in the parent
    bool privileged() const { return euid == 0 && !nested_userns; }
};

// rootless: --rootless true/false, or nullopt for auto (rootless when
// unprivileged or nested).  One geteuid, one read of /proc/self/uid_map,
// one statfs (or two) of /sys/fs/cgroup.
HostFacts detect_host_facts(std::optional<bool> rootless);

// The cgroup layout alone (statfs of /sys/fs/cgroup, then of its unified mount).
CgroupLayout detect_cgroup_layout();

}  // namespace skiff::linux
