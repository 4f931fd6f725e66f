// cpu and cpuset: shares -> cpu.weight, quota/period -> cpu.max,
// burst -> cpu.max.burst, idle -> cpu.idle, cpus/mems -> cpuset.*.
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

int64_t shares_to_weight(int64_t shares) {
    if (shares == 0) return 0;
    return 1 + ((shares - 2) * 9999) / 262142;
}

namespace {

// "0-3,5": digits, commas and ranges only; the kernel checks the rest.
bool valid_list(const std::string& s) {
    return s.find_first_not_of("0123456789,- \n") == std::string::npos;
}

}  // namespace

Result<void> plan_cpu(const oci::CpuResources& c, const PlanContext&, Writes& out) {
    const std::string f = "linux.resources.cpu";
    if (c.realtimeRuntime.value_or(0) != 0 || c.realtimePeriod.value_or(0) != 0)
        return Error::msg(f + ".realtimeRuntime/realtimePeriod: realtime scheduling limits are not supported on cgroup v2");
    if (c.shares && *c.shares != 0) {
        if (*c.shares < 2 || *c.shares > 262144)
            return Error::msg(f + ".shares: " + std::to_string(*c.shares) + " is outside 2..262144");
        out.push_back({"cpu.weight", std::to_string(shares_to_weight(int64_t(*c.shares))), f + ".shares", "cpu"});
    }
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    if (quota != 0 || period != 0) {
        if (quota < -1) return Error::msg(f + ".quota: invalid value " + std::to_string(quota));
        if (period != 0 && (period < 1000 || period > 1000000))
            return Error::msg(f + ".period: " + std::to_string(period) + " is outside 1000..1000000 microseconds");
        if (quota > 0 && quota < 1000)
            return Error::msg(f + ".quota: " + std::to_string(quota) + " is below the kernel's minimum of 1000 microseconds");
        // Without a period only the quota changes; the kernel keeps its period.
        std::string v = quota > 0 ? std::to_string(quota) : "max";
        if (period != 0) v += " " + std::to_string(period);
        out.push_back({"cpu.max", v, quota != 0 ? f + ".quota" : f + ".period", "cpu"});
    }
    if (c.burst) out.push_back({"cpu.max.burst", std::to_string(*c.burst), f + ".burst", "cpu"});
    if (c.idle) {
        if (*c.idle != 0 && *c.idle != 1) return Error::msg(f + ".idle: must be 0 or 1, got " + std::to_string(*c.idle));
        out.push_back({"cpu.idle", std::to_string(*c.idle), f + ".idle", "cpu"});
    }
    if (c.cpus && !c.cpus->empty()) {
        if (!valid_list(*c.cpus)) return Error::msg(f + ".cpus: invalid CPU list \"" + *c.cpus + "\"");
        out.push_back({"cpuset.cpus", *c.cpus, f + ".cpus", "cpuset"});
    }
    if (c.mems && !c.mems->empty()) {
        if (!valid_list(*c.mems)) return Error::msg(f + ".mems: invalid memory node list \"" + *c.mems + "\"");
        out.push_back({"cpuset.mems", *c.mems, f + ".mems", "cpuset"});
    }
    return {};
}

std::string cpu_stats_json(const std::string& dir) {
    // cpu.stat is a core file: present even without the cpu controller.
    auto s = parse_flat_keyed(read_or_empty(dir + "/cpu.stat"));
    auto ns = [&](const char* k) { return std::to_string(s[k] * 1000); };
    std::string j = "{\"usage\":{";
    if (s["usage_usec"]) j += "\"total\":" + ns("usage_usec") + ",";
    j += "\"kernel\":" + ns("system_usec") + ",\"user\":" + ns("user_usec") + "}";
    j += ",\"throttling\":{";
    std::string t;
    if (s["nr_periods"]) t += "\"periods\":" + std::to_string(s["nr_periods"]);
    if (s["nr_throttled"]) t += std::string(t.empty() ? "" : ",") + "\"throttled_periods\":" + std::to_string(s["nr_throttled"]);
    if (s["throttled_usec"]) t += std::string(t.empty() ? "" : ",") + "\"throttled_time\":" + ns("throttled_usec");
    return j + t + "}}";
}

}  // namespace skiff::cgroups
