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

// Opens /proc/REL (REL relative, e.g. "self/oom_score_adj") of the calling
// process' view only if it really is a procfs file: /proc is a procfs mount
// (not an image's directory), and no magic link, absolute or escaping
// symlink, or other mount lies on the way (a bind mount of a host file over
// a /proc file, or a symlink an image planted under an unmounted /proc,
// would otherwise redirect the write to the host).  -1 with errno and `why`
// (the step) set on failure.  Allocates only on failure.
int open_procfs_file(const char* rel, int flags, std::string& why);

}  // namespace skiff::linux
