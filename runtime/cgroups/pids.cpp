// pids: limit -> pids.max ("max" for 0 or negative, as the spec says).
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

oci::Result<void> plan_pids(const oci::PidsResources& p, const PlanContext&, Writes& out) {
    out.push_back({"pids.max", p.limit > 0 ? std::to_string(p.limit) : "max", "linux.resources.pids.limit", "pids"});
    return {};
}

std::string pids_stats_json(const std::string& dir) {
    auto cur = read_u64(dir + "/pids.current");
    auto max = read_u64(dir + "/pids.max");
    std::string j = "{";
    if (cur && *cur) j += "\"current\":" + std::to_string(*cur);
    // runc leaves the limit out when it is "max".
    if (max && *max != UINT64_MAX) j += std::string(j.size() > 1 ? "," : "") + "\"limit\":" + std::to_string(*max);
    return j + "}";
}

}  // namespace skiff::cgroups
