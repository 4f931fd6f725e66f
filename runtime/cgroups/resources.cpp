#include "cgroups/resources.hpp"

#include <algorithm>
#include <sstream>

#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<Writes> plan_resources(const oci::Resources& r, const PlanContext& ctx) {
    Writes w;
    if (r.network && !(*r.network == oci::NetworkResources{}))
        return Error::msg("linux.resources.network: classID and priorities are cgroup v1 features (net_cls, "
                          "net_prio) and do not exist on cgroup v2; remove them");
    if (r.memory) TRY(plan_memory(*r.memory, ctx, w));
    if (r.cpu) TRY(plan_cpu(*r.cpu, ctx, w));
    if (r.pids) TRY(plan_pids(*r.pids, ctx, w));
    if (r.blockIO) TRY(plan_io(*r.blockIO, ctx, w));
    if (r.hugepageLimits) TRY(plan_hugetlb(*r.hugepageLimits, ctx, w));
    if (r.rdma) TRY(plan_rdma(*r.rdma, ctx, w));
    // Last, so that a unified value wins over the translated one (as runc).
    if (r.unified) TRY(plan_unified(*r.unified, ctx, w));
    return w;
}

std::vector<std::string> needed_controllers(const Writes& w) {
    std::vector<std::string> out;
    for (const auto& x : w)
        if (!x.controller.empty() && !x.optional && std::find(out.begin(), out.end(), x.controller) == out.end())
            out.push_back(x.controller);
    return out;
}

namespace {

bool has_word(const std::string& text, const std::string& word) {
    std::istringstream in(text);
    std::string t;
    while (in >> t)
        if (t == word) return true;
    return false;
}

// "linux.resources.memory.limit" -> "linux.resources.memory"; a unified
// key or an indexed field keeps the part that names the entry.
std::string section(const std::string& field) {
    if (field.rfind("linux.resources.unified", 0) == 0) return field;
    std::string s = field;
    size_t dots = 0;
    for (size_t i = 0; i < s.size(); ++i)
        if (s[i] == '.' && ++dots == 3) return s.substr(0, i);
    auto b = s.find('[');
    return b == std::string::npos ? s : s.substr(0, b);
}

}  // namespace

Result<void> enable_controllers(const std::string& root, const std::string& dir, const Writes& w) {
    auto controllers = needed_controllers(w);
    if (controllers.empty()) return {};
    auto enabled_in = [&](const std::string& text) {
        return std::all_of(controllers.begin(), controllers.end(), [&](const std::string& c) { return has_word(text, c); });
    };
    const std::string parent = dir.size() > root.size() ? dir.substr(0, dir.rfind('/')) : root;
    if (auto p = read_file(parent + "/cgroup.subtree_control"); p && enabled_in(*p)) return {};
    // Ancestors from the root down to dir's parent.
    std::vector<std::string> chain{root};
    for (size_t pos = root.size(); pos < dir.size();) {
        size_t next = dir.find('/', pos + 1);
        if (next == std::string::npos) break;
        chain.push_back(dir.substr(0, next));
        pos = next;
    }
    TRY_ASSIGN(std::string available, read_file(root + "/cgroup.controllers"));
    for (const auto& c : controllers) {
        if (!has_word(available, c)) {
            std::string field;
            for (const auto& x : w)
                if (x.controller == c) { field = section(x.field); break; }
            return Error::msg(field + ": the " + c + " controller is not available in this cgroup v2 hierarchy");
        }
    }
    for (const auto& a : chain) {
        TRY_ASSIGN(std::string enabled, read_file(a + "/cgroup.subtree_control"));
        std::string add;
        for (const auto& c : controllers)
            if (!has_word(enabled, c)) add += (add.empty() ? "+" : " +") + c;
        if (add.empty()) continue;
        log::debug("cgroups: " + a + "/cgroup.subtree_control: " + add);
        TRY(write_file(a + "/cgroup.subtree_control", add).wrap("enable controllers"));
    }
    return {};
}

Result<void> apply_resources_at(const std::string& root, const std::string& dir, const oci::Resources& r,
                                bool update, int fresh_fd) {
    TRY_ASSIGN(Writes w, plan_resources(r, PlanContext{dir, update}));
    if (w.empty()) return {};
    TRY(enable_controllers(root, dir, w));
    if (fresh_fd >= 0) return write_fresh(fresh_fd, dir, w);
    return apply_writes(dir, w);
}

namespace {

template <class T>
void take(oci::Opt<T>& dst, const oci::Opt<T>& src) {
    if (src) dst = src;
}

}  // namespace

oci::Resources merge_resources(const oci::Resources& base, const oci::Resources& patch) {
    oci::Resources r = base;
    if (patch.memory) {
        auto& m = r.memory ? *r.memory : r.memory.emplace();
        const auto& p = *patch.memory;
        take(m.limit, p.limit), take(m.reservation, p.reservation), take(m.swap, p.swap);
        take(m.kernel, p.kernel), take(m.kernelTCP, p.kernelTCP), take(m.swappiness, p.swappiness);
        take(m.disableOOMKiller, p.disableOOMKiller), take(m.useHierarchy, p.useHierarchy);
        take(m.checkBeforeUpdate, p.checkBeforeUpdate);
    }
    if (patch.cpu) {
        auto& c = r.cpu ? *r.cpu : r.cpu.emplace();
        const auto& p = *patch.cpu;
        take(c.shares, p.shares), take(c.quota, p.quota), take(c.burst, p.burst), take(c.period, p.period);
        take(c.realtimeRuntime, p.realtimeRuntime), take(c.realtimePeriod, p.realtimePeriod);
        take(c.cpus, p.cpus), take(c.mems, p.mems), take(c.idle, p.idle);
    }
    // pids.limit 0 is "not set" (pids.cpp): it leaves the recorded limit alone.
    if (patch.pids && patch.pids->limit != 0) r.pids = patch.pids;
    if (patch.blockIO) {
        auto& b = r.blockIO ? *r.blockIO : r.blockIO.emplace();
        const auto& p = *patch.blockIO;
        take(b.weight, p.weight), take(b.leafWeight, p.leafWeight), take(b.weightDevice, p.weightDevice);
        take(b.throttleReadBpsDevice, p.throttleReadBpsDevice);
        take(b.throttleWriteBpsDevice, p.throttleWriteBpsDevice);
        take(b.throttleReadIOPSDevice, p.throttleReadIOPSDevice);
        take(b.throttleWriteIOPSDevice, p.throttleWriteIOPSDevice);
    }
    take(r.devices, patch.devices);
    take(r.hugepageLimits, patch.hugepageLimits);
    take(r.network, patch.network);
    take(r.rdma, patch.rdma);
    if (patch.unified) {
        auto& u = r.unified ? *r.unified : r.unified.emplace();
        for (const auto& [k, v] : *patch.unified) u[k] = v;
    }
    return r;
}

}  // namespace skiff::cgroups
