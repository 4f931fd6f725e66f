// memory: limit -> memory.max, reservation -> memory.low, swap ->
// memory.swap.max (converted from v1's memory+swap total, as runc).
#include <cinttypes>

#include "cgroups/controllers.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

namespace {

std::string limit_str(int64_t v) { return v == -1 ? "max" : std::to_string(v); }

Result<void> check_limit(const char* field, int64_t v) {
    if (v < -1) return Error::msg(std::string("linux.resources.memory.") + field + ": invalid value " + std::to_string(v));
    return {};
}

std::string u64_or_max(std::optional<uint64_t> v) {
    return !v ? "0" : *v == UINT64_MAX ? "18446744073709551615" : std::to_string(*v);
}

}  // namespace

Result<int64_t> swap_to_v2(int64_t swap, int64_t limit) {
    // Memory unlimited and swap unset means both unlimited (v1 behaviour).
    if (limit == -1 && swap == 0) return int64_t(-1);
    if (swap == -1 || swap == 0) return swap;
    if (limit == 0 || limit == -1)
        return Error::msg("linux.resources.memory.swap: a swap limit needs a memory limit");
    if (swap < limit)
        return Error::msg("linux.resources.memory.swap: memory+swap limit " + std::to_string(swap) +
                          " is below the memory limit " + std::to_string(limit));
    return swap - limit;
}

Result<void> plan_memory(const oci::MemoryResources& m, const PlanContext& ctx, Writes& out) {
    const std::string f = "linux.resources.memory";
    int64_t limit = m.limit.value_or(0);
    TRY(check_limit("limit", limit));
    TRY(check_limit("reservation", m.reservation.value_or(0)));
    TRY(check_limit("swap", m.swap.value_or(0)));
    if (m.kernel && *m.kernel != 0) log::warn(f + ".kernel: kernel memory limits do not exist on cgroup v2, ignored");
    if (m.kernelTCP && *m.kernelTCP != 0)
        log::warn(f + ".kernelTCP: kernel TCP memory limits do not exist on cgroup v2, ignored");
    if (m.swappiness) log::warn(f + ".swappiness: not supported on cgroup v2, ignored");
    if (m.disableOOMKiller.value_or(false))
        log::debug(f + ".disableOOMKiller: cgroup v2 cannot disable the OOM killer, ignored (as runc)");
    // useHierarchy: v2 is always hierarchical.

    TRY_ASSIGN(int64_t swap, swap_to_v2(m.swap.value_or(0), limit));
    // swap == limit: "no swap at all", memory.swap.max 0.
    if (swap != 0 || m.swap.value_or(0) > 0) {
        // No swap accounting (no memory.swap.max): fine if the request is
        // "no limit" or "no swap", as runc.
        bool harmless = swap == -1 || swap == 0;
        out.push_back({"memory.swap.max", limit_str(swap), f + ".swap", "memory", harmless});
    }
    if (limit != 0) {
        if (ctx.update && m.checkBeforeUpdate.value_or(false) && limit > 0) {
            auto usage = read_u64(ctx.dir + "/memory.current");
            if (usage && *usage > uint64_t(limit))
                return Error::msg(f + ".limit: " + std::to_string(limit) + " is below the current usage " +
                                  std::to_string(*usage) + " (checkBeforeUpdate)");
        }
        out.push_back({"memory.max", limit_str(limit), f + ".limit", "memory"});
    }
    if (m.reservation && *m.reservation != 0)
        out.push_back({"memory.low", limit_str(*m.reservation), f + ".reservation", "memory"});
    return {};
}

std::string memory_stats_json(const std::string& dir) {
    auto raw = parse_flat_keyed(read_or_empty(dir + "/memory.stat"));
    auto usage = read_u64(dir + "/memory.current");
    auto limit = read_u64(dir + "/memory.max");
    auto peak = read_u64(dir + "/memory.peak");
    auto swap_usage = read_u64(dir + "/memory.swap.current");
    auto swap_limit = read_u64(dir + "/memory.swap.max");
    auto events = parse_flat_keyed(read_or_empty(dir + "/memory.events"));
    std::string j = "{";
    if (raw.count("file")) j += "\"cache\":" + std::to_string(raw["file"]) + ",";
    j += "\"usage\":{\"limit\":" + u64_or_max(limit ? limit : std::optional<uint64_t>(UINT64_MAX)) +
         ",\"usage\":" + u64_or_max(usage) + ",\"max\":" + u64_or_max(peak) + ",\"failcnt\":" +
         std::to_string(events["max"]) + "}";
    // runc reports swap as memory+swap, v1's meaning.
    uint64_t su = (swap_usage ? *swap_usage : 0) + (usage ? *usage : 0);
    uint64_t sl = !swap_limit || !limit || *swap_limit == UINT64_MAX || *limit == UINT64_MAX ? UINT64_MAX
                                                                                              : *swap_limit + *limit;
    j += ",\"swap\":{\"limit\":" + u64_or_max(sl) + ",\"usage\":" + std::to_string(su) + ",\"failcnt\":0}";
    j += ",\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}";
    if (!raw.empty()) {
        j += ",\"raw\":{";
        bool first = true;
        for (const auto& [k, v] : raw) {
            j += (first ? "\"" : ",\"") + k + "\":" + std::to_string(v);
            first = false;
        }
        j += "}";
    }
    return j + "}";
}

}  // namespace skiff::cgroups
