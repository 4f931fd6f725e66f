#include "linux/sched.hpp"

#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <string>

namespace skiff::linux {
namespace {

using oci::Error;

// <linux/ioprio.h>, <linux/mempolicy.h> and <linux/sched.h> values, spelled
// out so the build does not depend on the installed kernel headers' vintage.
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioWhoProcess = 1;
constexpr int kMpolFStaticNodes = 1 << 15;
constexpr int kMpolFRelativeNodes = 1 << 14;
constexpr int kMpolFNumaBalancing = 1 << 13;


oci::Result<size_t> parse_id(std::string_view s, std::string_view list) {
    size_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        return Error::msg("invalid list " + oci::quote(list) + ": " + oci::quote(s) + " is not a number");
    return v;
}

uint32_t sched_policy_value(oci::SchedPolicy p) {
    switch (p) {
        case oci::SchedPolicy::Other: return SCHED_OTHER;
        case oci::SchedPolicy::Fifo: return SCHED_FIFO;
        case oci::SchedPolicy::Rr: return SCHED_RR;
        case oci::SchedPolicy::Batch: return SCHED_BATCH;
        case oci::SchedPolicy::Iso: return 4;
        case oci::SchedPolicy::Idle: return SCHED_IDLE;
        case oci::SchedPolicy::Deadline: return 6;
    }
    return SCHED_OTHER;
}

uint64_t sched_flag_value(oci::SchedFlag f) {
    switch (f) {
        case oci::SchedFlag::ResetOnFork: return 0x01;
        case oci::SchedFlag::Reclaim: return 0x02;
        case oci::SchedFlag::DlOverrun: return 0x04;
        case oci::SchedFlag::KeepPolicy: return 0x08;
        case oci::SchedFlag::KeepParams: return 0x10;
        case oci::SchedFlag::UtilClampMin: return 0x20;
        case oci::SchedFlag::UtilClampMax: return 0x40;
    }
    return 0;
}

oci::Result<void> plan_scheduler(const oci::Scheduler& s, SchedPlan& out) {
    const std::string f = "process.scheduler";
    auto policy = s.policy;
    auto pname = std::string(oci::enum_name(policy));
    if (policy == oci::SchedPolicy::Iso)
        return Error::msg(f + ".policy: SCHED_ISO is not implemented by Linux");
    int32_t nice = s.nice.value_or(0);
    if (nice < -20 || nice > 19)
        return Error::msg(f + ".nice: " + std::to_string(nice) + " is out of range -20..19");
    int32_t prio = s.priority.value_or(0);
    bool rt = policy == oci::SchedPolicy::Fifo || policy == oci::SchedPolicy::Rr;
    if (!rt && prio != 0)
        return Error::msg(f + ".priority: only SCHED_FIFO and SCHED_RR take a priority, not " + pname);
    if (rt && (prio < 1 || prio > 99))
        return Error::msg(f + ".priority: " + pname + " needs a priority in 1..99, got " +
                          std::to_string(prio));
    uint64_t runtime = s.runtime.value_or(0), deadline = s.deadline.value_or(0),
             period = s.period.value_or(0);
    if (policy != oci::SchedPolicy::Deadline) {
        if (runtime || deadline || period)
            return Error::msg(f + ": runtime, deadline and period are only for SCHED_DEADLINE, not " + pname);
    } else if (runtime == 0 || runtime > deadline || (period != 0 && deadline > period)) {
        return Error::msg(f + ": SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got runtime " +
                          std::to_string(runtime) + ", deadline " + std::to_string(deadline) +
                          ", period " + std::to_string(period));
    }
    SchedAttr a{};
    a.size = sizeof(SchedAttr);
    a.sched_policy = sched_policy_value(policy);
    if (s.flags)
        for (auto fl : *s.flags) a.sched_flags |= sched_flag_value(fl);
    a.sched_nice = nice;
    a.sched_priority = static_cast<uint32_t>(prio);
    a.sched_runtime = runtime;
    a.sched_deadline = deadline;
    a.sched_period = period;
    out.sched = a;
    return oci::ok();
}

oci::Result<void> plan_affinity(const oci::Opt<std::string>& list, const char* field,
                                std::optional<cpu_set_t>& out) {
    // Omitted or empty: leave the affinity to the kernel.
    if (!list || list->empty()) return oci::ok();
    auto ids = parse_id_list(*list, CPU_SETSIZE, "CPU");
    if (!ids) return std::move(ids).error().wrap(std::string("process.execCPUAffinity.") + field);
    cpu_set_t set;
    CPU_ZERO(&set);
    for (size_t i = 0; i < CPU_SETSIZE; ++i)
        if (ids->test(i)) CPU_SET(i, &set);
    out = set;
    return oci::ok();
}

oci::Result<void> plan_mempolicy(const oci::MemoryPolicy& m, SchedPlan& out) {
    const std::string f = "linux.memoryPolicy";
    if (!m.mode) return Error::msg(f + ".mode: required");
    std::string mname(oci::enum_name(*m.mode));
    int mode = 0;
    bool no_nodes = false, needs_nodes = false;
    switch (*m.mode) {
        case oci::MemoryPolicyMode::Default: mode = 0; no_nodes = true; break;
        case oci::MemoryPolicyMode::Preferred: mode = 1; break;
        case oci::MemoryPolicyMode::Bind: mode = 2; needs_nodes = true; break;
        case oci::MemoryPolicyMode::Interleave: mode = 3; needs_nodes = true; break;
        case oci::MemoryPolicyMode::Local: mode = 4; no_nodes = true; break;
        case oci::MemoryPolicyMode::PreferredMany: mode = 5; needs_nodes = true; break;
        case oci::MemoryPolicyMode::WeightedInterleave: mode = 6; needs_nodes = true; break;
    }
    IdSet nodes;
    if (m.nodes && !m.nodes->empty()) {
        auto ids = parse_id_list(*m.nodes, kMaxListBits, "node");
        if (!ids) return std::move(ids).error().wrap(f + ".nodes");
        nodes = *ids;
    }
    if (no_nodes && nodes.any()) return Error::msg(f + ".nodes: " + mname + " takes no nodes");
    if (needs_nodes && nodes.none()) return Error::msg(f + ".nodes: " + mname + " needs at least one node");
    int flags = 0;
    if (m.flags) {
        for (auto fl : *m.flags) {
            switch (fl) {
                case oci::MemoryPolicyFlag::StaticNodes: flags |= kMpolFStaticNodes; break;
                case oci::MemoryPolicyFlag::RelativeNodes: flags |= kMpolFRelativeNodes; break;
                case oci::MemoryPolicyFlag::NumaBalancing: flags |= kMpolFNumaBalancing; break;
            }
        }
    }
    if (flags && no_nodes) return Error::msg(f + ".flags: " + mname + " takes no flags");
    if ((flags & kMpolFStaticNodes) && (flags & kMpolFRelativeNodes))
        return Error::msg(f + ".flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    out.mempolicy = true;
    out.mpol_mode = mode | flags;
    constexpr size_t word = 8 * sizeof(unsigned long);
    for (size_t i = 0; i < kMaxListBits; ++i)
        if (nodes.test(i)) out.nodemask[i / word] |= 1UL << (i % word);
    // The kernel ignores the last bit of maxnode (a historical off-by-one).
    out.maxnode = no_nodes ? 0 : kMaxListBits + 1;
    return oci::ok();
}

oci::Result<void> plan_personality(const oci::Personality& p, SchedPlan& out) {
    if (!p.domain) return Error::msg("linux.personality.domain: required");
    if (p.flags && !p.flags->empty())
        return Error::msg("linux.personality.flags: unsupported flag " + oci::quote(p.flags->front()) +
                          " (no flags are supported)");
    out.personality = *p.domain == oci::PersonalityDomain::Linux32 ? PER_LINUX32 : PER_LINUX;
    return oci::ok();
}

}  // namespace

oci::Result<IdSet> parse_id_list(std::string_view list, size_t limit, const char* what) {
    IdSet set;
    if (list.empty()) return Error::msg(std::string("empty ") + what + " list");
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string_view::npos) comma = list.size();
        std::string_view item = list.substr(pos, comma - pos);
        if (item.empty()) return Error::msg("invalid list " + oci::quote(list) + ": empty element");
        size_t dash = item.find('-');
        TRY_ASSIGN(size_t lo, parse_id(item.substr(0, dash), list));
        size_t hi = lo;
        if (dash != std::string_view::npos) {
            TRY_ASSIGN(size_t h, parse_id(item.substr(dash + 1), list));
            hi = h;
        }
        if (hi < lo)
            return Error::msg("invalid list " + oci::quote(list) + ": range " + oci::quote(item) + " ends before it starts");
        if (hi >= limit)
            return Error::msg("invalid list " + oci::quote(list) + ": " + what + " " + std::to_string(hi) +
                              " is out of range (the maximum is " + std::to_string(limit - 1) + ")");
        for (size_t i = lo; i <= hi; ++i) set.set(i);
        pos = comma + 1;
    }
    return set;
}

oci::Result<void> plan_sched(const oci::Config& c, const oci::Process& p, SchedPlan& out) {
    if (p.scheduler) TRY(plan_scheduler(*p.scheduler, out));
    if (p.ioPriority) {
        int32_t level = p.ioPriority->priority.value_or(0);
        if (level < 0 || level > 7)
            return Error::msg("process.ioPriority.priority: " + std::to_string(level) + " is out of range 0..7");
        int klass = p.ioPriority->klass == oci::IoPrioClass::Rt ? 1
                    : p.ioPriority->klass == oci::IoPrioClass::Be ? 2 : 3;
        out.ioprio = (klass << kIoprioClassShift) | level;
    }
    if (p.execCPUAffinity) {
        TRY(plan_affinity(p.execCPUAffinity->initial, "initial", out.affinity_initial));
        TRY(plan_affinity(p.execCPUAffinity->final_, "final", out.affinity_final));
    }
    if (c.linux && c.linux->personality) TRY(plan_personality(*c.linux->personality, out));
    if (c.linux && c.linux->memoryPolicy) TRY(plan_mempolicy(*c.linux->memoryPolicy, out));
    return oci::ok();
}

oci::Result<void> apply_sched_early(const SchedPlan& s) {
    if (s.sched) {
        if (::syscall(SYS_sched_setattr, 0, &*s.sched, 0) != 0)
            return Error::sys("sched_setattr (process.scheduler)", errno);
    }
    if (s.ioprio) {
        if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, *s.ioprio) != 0)
            return Error::sys("ioprio_set (process.ioPriority)", errno);
    }
    if (s.affinity_initial) {
        if (::sched_setaffinity(0, sizeof(cpu_set_t), &*s.affinity_initial) != 0)
            return Error::sys("sched_setaffinity (process.execCPUAffinity.initial)", errno);
    }
    if (s.personality) {
        if (::personality(*s.personality) == -1)
            return Error::sys("personality (linux.personality)", errno);
    }
    if (s.mempolicy) {
        if (::syscall(SYS_set_mempolicy, s.mpol_mode, s.maxnode ? s.nodemask : nullptr, s.maxnode) != 0)
            return Error::sys("set_mempolicy (linux.memoryPolicy)", errno);
    }
    return oci::ok();
}

oci::Result<void> apply_affinity_final(const SchedPlan& s) {
    if (s.affinity_final && ::sched_setaffinity(0, sizeof(cpu_set_t), &*s.affinity_final) != 0)
        return Error::sys("sched_setaffinity (process.execCPUAffinity.final)", errno);
    return oci::ok();
}

}  // namespace skiff::linux
