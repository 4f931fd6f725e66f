// pids: limit -> pids.max ("max" for a negative limit).
//
// A limit of 0 writes nothing, on create and on update, and so needs no pids
// controller: runc and crun both treat 0 as "not set", and engines rely on
// it (podman --pids-limit=0 sends it to mean "no limit").  The spec's text
// reads 0 as a real value, but no engine means "no process may start".
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

oci::Result<void> plan_pids(const oci::PidsResources& p, const PlanContext&, Writes& out) {
    if (p.limit == 0) return {};
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
