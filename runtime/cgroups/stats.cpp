// Stats for `events`, in runc's shape (libcontainer/cgroups/stats.go as
// printed by runc events).
#include "cgroups/cgroup.hpp"
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

std::string stats_json(const std::string& path) {
    return "{\"cpu\":" + cpu_stats_json(path) + ",\"memory\":" + memory_stats_json(path) +
           ",\"pids\":" + pids_stats_json(path) + ",\"blkio\":" + io_stats_json(path) +
           ",\"hugetlb\":" + hugetlb_stats_json(path) + ",\"intel_rdt\":{},\"network_interfaces\":null}";
}

uint64_t oom_count(const std::string& path) {
    auto kv = parse_flat_keyed(read_or_empty(path + "/memory.events"));
    return kv["oom"] + kv["oom_kill"];
}

}  // namespace skiff::cgroups
