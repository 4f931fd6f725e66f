#include "linux/host.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "linux/userns_map.hpp"

namespace skiff::linux {

CgroupLayout detect_cgroup_layout() {
    struct statfs st;
    if (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return CgroupLayout::Unified;
    if (statfs("/sys/fs/cgroup/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
        return CgroupLayout::Hybrid;
    return CgroupLayout::Legacy;
}

HostFacts detect_host_facts(std::optional<bool> rootless) {
    HostFacts h;
    h.euid = ::geteuid();
    h.nested_userns = h.euid == 0 && !in_initial_user_namespace();
    h.rootless = rootless ? *rootless : (h.unprivileged() || h.nested_userns);
    h.cgroup_layout = detect_cgroup_layout();
    return h;
}

}  // namespace skiff::linux
