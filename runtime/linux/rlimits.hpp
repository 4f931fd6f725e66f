// process.rlimits: names and hard-limit checks in the parent, setrlimit in the child.
#pragma once

#include <sys/resource.h>

#include <optional>
#include <string_view>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

std::optional<int> rlimit_from_name(std::string_view name);
std::string_view rlimit_name(int resource);

struct RlimitStep {
    int resource = 0;
    struct rlimit limit {};
};

// current_hard[resource] (RLIM_NLIMITS entries) is the hard limit the child
// inherits; raising above it needs CAP_SYS_RESOURCE (`can_raise`).  Errors:
// unknown or duplicated type, soft above hard, a hard limit that cannot be raised.
oci::Result<std::vector<RlimitStep>> plan_rlimits(const oci::Opt<std::vector<oci::Rlimit>>& rl,
                                                  bool can_raise, const rlim_t* current_hard);

// Child: setrlimit each, in order.
oci::Result<void> apply_rlimits(const std::vector<RlimitStep>& steps);

}  // namespace skiff::linux
