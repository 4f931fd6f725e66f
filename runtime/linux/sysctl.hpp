// linux.sysctl: only keys that belong to a namespace the container owns are
// accepted (runc's list); they are written through the container's /proc/sys.
#pragma once

#include <string>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

struct SysctlStep {
    std::string key;    // as written in the config, for messages
    std::string path;   // "/proc/sys/net/ipv4/ip_forward"
    std::string value;
};

oci::Result<std::vector<SysctlStep>> plan_sysctl(const oci::Config& c);

// Child, after enter_rootfs.
oci::Result<void> apply_sysctl_steps(const std::vector<SysctlStep>& steps);

}  // namespace skiff::linux
