// The config.json `skiff spec` writes: runc 1.1's example spec (same
// mounts, capabilities, rlimits, masked and read-only paths), with skiff's
// spec version and hostname.
#pragma once

#include <cstdint>

#include "ocispec/config.hpp"

namespace skiff::cli {

struct SpecOptions {
    bool rootless = false;     // runc's `spec --rootless`
    uint32_t uid = 0, gid = 0; // the ids mapped to root when rootless
    bool cgroup_ns = false;    // runc adds a cgroup namespace on a pure cgroup v2 host
};

oci::Config default_spec(const SpecOptions& o);

}  // namespace skiff::cli
