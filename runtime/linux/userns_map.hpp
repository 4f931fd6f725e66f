// uid/gid maps of a new user namespace when skiff has no privileges over
// the ids it maps (runs as an ordinary user, as runc/crun "rootless").
//
// The kernel lets an unprivileged process write exactly one mapping itself:
// its own euid (egid) with size 1, and for gid_map only after
// /proc/PID/setgroups says "deny".  Anything more goes through the setuid
// helpers newuidmap/newgidmap (Debian package uidmap), which allow the
// ranges /etc/subuid and /etc/subgid delegate to the user.  skiff checks the
// config against those files before creating anything, so a bad mapping
// fails with the field and the range instead of the helper's EPERM.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

struct IdRange {
    uint64_t start = 0;
    uint64_t count = 0;
    bool operator==(const IdRange&) const = default;
};

// Who the subordinate-id files are asked about: /etc/subuid lines may name
// the user or its numeric id.
struct IdOwner {
    std::string name;  // empty when /etc/passwd has no entry
    uint32_t id = 0;   // the euid (egid for the gid side is in `gid`)
    uint32_t gid = 0;
};

// "name:start:count" lines of /etc/subuid or /etc/subgid that belong to
// `name` or `id`; comments, blank and malformed lines are skipped.
std::vector<IdRange> parse_subid(std::string_view content, std::string_view name, uint32_t id);

// The "containerID hostID size" lines NamespacePlan carries.
oci::Result<std::vector<oci::IdMapping>> parse_id_map(std::string_view text);

// True when `maps` is the one mapping the kernel lets an unprivileged
// process write itself: own id, size 1.
bool single_own_mapping(const std::vector<oci::IdMapping>& maps, uint32_t own);

// Every mapping must be the own id (size 1) or lie inside one delegated
// range, as newuidmap checks.  `field` is "linux.uidMappings"; `file`
// "/etc/subuid".  Errors name the index and the host ids.
oci::Result<void> check_delegated(const std::vector<oci::IdMapping>& maps, const char* field, uint32_t own,
                                  const std::vector<IdRange>& delegated, const IdOwner& who,
                                  const char* file);

// The caller's name, euid and egid (name from /etc/passwd, without NSS so
// that the static build behaves the same).
IdOwner current_owner();

// Parent, before anything is created: the config's maps are writable by
// this unprivileged caller (reads /etc/subuid, /etc/subgid and looks for the
// helpers only when more than the own id is mapped).
oci::Result<void> check_unprivileged_maps(const oci::Config& c);

// Parent: writes /proc/PID/{uid,gid}_map for an unprivileged caller —
// directly for the single own mapping ("deny" to setgroups first), through
// newuidmap/newgidmap otherwise.
oci::Result<void> write_unprivileged_maps(pid_t pid, const std::string& uid_map, const std::string& gid_map);

// "0 0 4294967295": the uid_map of the initial user namespace.
bool uid_map_is_initial(std::string_view uid_map);
// Reads /proc/self/uid_map; true when it cannot be read (no user namespaces).
bool in_initial_user_namespace();

}  // namespace skiff::linux
