// CPU/NUMA/scheduling attributes of the container process: process.scheduler,
// process.ioPriority, process.execCPUAffinity, linux.memoryPolicy and
// linux.personality.  Parsed in the parent into syscall arguments.
#pragma once

#include <sched.h>

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

constexpr size_t kMaxListBits = 1024;  // CPU_SETSIZE and the kernel's MAX_NUMNODES bound
using IdSet = std::bitset<kMaxListBits>;

// "0-3,7" -> {0,1,2,3,7}.  Every id must be < limit.  `what` is "CPU" or
// "node" for the messages.
oci::Result<IdSet> parse_id_list(std::string_view list, size_t limit, const char* what);

// The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1); glibc has no wrapper.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

struct SchedPlan {
    std::optional<SchedAttr> sched;
    std::optional<int> ioprio;              // IOPRIO_PRIO_VALUE(class, level)
    std::optional<cpu_set_t> affinity_initial;
    std::optional<cpu_set_t> affinity_final;
    std::optional<unsigned long> personality;
    bool mempolicy = false;
    int mpol_mode = 0;                      // mode | flags
    unsigned long nodemask[kMaxListBits / (8 * sizeof(unsigned long))] = {};
    unsigned long maxnode = 0;
};

oci::Result<void> plan_sched(const oci::Config& c, const oci::Process& p, SchedPlan& out);

// Child, before the rootfs is entered: scheduler, ioprio, initial affinity,
// personality, memory policy.
oci::Result<void> apply_sched_early(const SchedPlan& s);
// Child, just before execve.
oci::Result<void> apply_affinity_final(const SchedPlan& s);

}  // namespace skiff::linux
