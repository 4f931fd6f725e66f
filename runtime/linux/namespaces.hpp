// linux.namespaces, uid/gid mappings and time offsets.
//
// Two shapes, chosen in the parent:
//  - no namespace joined by path (the common case): clone3 creates every
//    requested namespace at once (clone_flags);
//  - some joined by path (podman pods): the child first setns()es into the
//    joined ones (user first, so the rest are entered with its privileges),
//    then unshare()s the new ones, because a namespace created at clone time
//    would be owned by the wrong user namespace.  pid namespaces are the
//    exception: only clone can put the init into a new one, and a joined
//    one is entered by the parent (setns affects only its children).
// A time namespace is always unshared by the child, which then writes its
// offsets; execve moves the process into it (Linux >= 5.11).
// hostname and domainname travel in the plan too, so the init reads
// nothing of the config.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

int clone_flag(oci::NamespaceType t);

struct NamespaceJoin {
    oci::NamespaceType type;
    std::string path;
    UniqueFd fd;
};

struct NamespacePlan {
    uint64_t clone_flags = 0;     // passed to clone3
    uint64_t unshare_flags = 0;   // unshared by the child after its joins
    std::vector<NamespaceJoin> joins;  // setns by the child, user first
    UniqueFd pid_join;            // setns by the parent before clone
    bool new_user = false;
    bool new_mount = false;
    bool new_pid = false;
    bool new_uts = false;
    bool new_net = false;         // created here (not joined): lo is brought up
    bool new_time = false;
    bool joins_time = false;
    std::string uid_map, gid_map; // "containerID hostID size\n" lines
    std::string time_offsets;     // "monotonic S NS\nboottime S NS\n"
    // How the parent writes the maps: root writes them itself; otherwise
    // as linux/userns_map allows (the own id, or newuidmap/newgidmap).
    bool unprivileged_maps = false;
    std::optional<std::string> hostname, domainname;  // set by the child (set_uts_names)
};

// Parent: opens the joined namespaces' paths (errors name
// linux.namespaces[i].path) and formats the maps.
oci::Result<NamespacePlan> plan_namespaces(const oci::Config& c, const HostFacts& host);

// Parent: enter a joined pid namespace for the child about to be cloned,
// and go back afterwards (the returned fd is the parent's own).
oci::Result<UniqueFd> enter_pid_namespace(const NamespacePlan& p);
oci::Result<void> restore_pid_namespace(int own_fd);

// Parent: write /proc/PID/{uid_map,gid_map}: directly as root; unprivileged
// (p.unprivileged_maps) through linux/userns_map (own id with setgroups
// denied, or newuidmap/newgidmap).
oci::Result<void> write_id_maps(pid_t pid, const NamespacePlan& p);

// Child.
oci::Result<void> join_namespaces(const NamespacePlan& p);
// Unshares the new namespaces (excluding time); in a network namespace
// skiff created, brings `lo` up (as runc and crun do).
oci::Result<void> unshare_namespaces(const NamespacePlan& p);
// In the current network namespace: set IFF_UP on "lo" (needs CAP_NET_ADMIN
// over it).
oci::Result<void> bring_up_loopback();
oci::Result<void> setup_time_namespace(const NamespacePlan& p);
// sethostname/setdomainname with the plan's names (those given only).
oci::Result<void> set_uts_names(const NamespacePlan& p);
// After the maps are written: become root of the new user namespace.
oci::Result<void> become_userns_root();

}  // namespace skiff::linux
