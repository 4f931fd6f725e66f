// Capabilities: names in the parent, the five sets in the child (libcap).
#pragma once

#include <sys/capability.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

// The capability names of capabilities(7) that skiff knows, indexed by
// number (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40).
std::optional<int> cap_from_name(std::string_view name);
std::string_view cap_name(int cap);

// What the running kernel and this process allow (read once in the parent).
struct CapHost {
    int last_cap = 0;            // /proc/sys/kernel/cap_last_cap
    uint64_t grantable = 0;      // caps the child can hold (permitted of a child)
    bool sys_resource = false;   // CAP_SYS_RESOURCE effective in the initial user ns
};
// `wanted`: the capabilities whose bounding-set bit is read (a prctl each);
// grantable is exact for those, and clear for the others.
CapHost probe_cap_host(bool new_user_namespace, uint64_t wanted = ~uint64_t{0});

struct CapFree {
    void operator()(cap_t c) const { cap_free(c); }
};

struct CapPlan {
    int last_cap = 0;
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> state;  // eff/perm/inh, built in the parent
};

// Skips, appending a warning that names the field: names unknown to skiff
// and caps the running kernel lacks (also logged with log::warn, as runc and
// crun warn and ignore them), and caps this process cannot grant.  Then
// prebuilds the libcap state.  Absent `capabilities` means empty sets.
oci::Result<CapPlan> plan_caps(const oci::Opt<oci::Capabilities>& caps, const CapHost& host,
                               std::vector<std::string>& warnings);

// Child, before the uid change: drop every cap not in the bounding set.
oci::Result<void> apply_cap_bounding(const CapPlan& p);
// Child, after the uid change: effective/permitted/inheritable, then ambient.
oci::Result<void> apply_cap_sets(const CapPlan& p);

}  // namespace skiff::linux
