// One translator per cgroup v2 controller, all of the same shape:
//   plan_<c>(resources, ctx, writes)  validate and append (file, value) pairs
//   <c>_stats_json(dir)               runc's `events` stats object for it
// Nothing here writes; fs.cpp's apply_writes does, after everything planned.
#pragma once

#include <string>

#include "cgroups/fs.hpp"
#include "ocispec/config.hpp"

namespace skiff::cgroups {

struct PlanContext {
    std::string dir;      // the container's cgroup (read by checkBeforeUpdate)
    bool update = false;  // `update`, not create
};

oci::Result<void> plan_memory(const oci::MemoryResources& m, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_cpu(const oci::CpuResources& c, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_pids(const oci::PidsResources& p, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_io(const oci::BlockIOResources& b, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_hugetlb(const std::vector<oci::HugepageLimit>& h, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_rdma(const std::map<std::string, oci::RdmaLimit>& r, const PlanContext& ctx, Writes& out);
oci::Result<void> plan_unified(const oci::StringMap& u, const PlanContext& ctx, Writes& out);

// runc's conversions (libcontainer/cgroups/utils.go), shared with crun.
int64_t shares_to_weight(int64_t shares);        // cpu.shares 2..262144 -> cpu.weight 1..10000
int64_t blkio_weight_to_io(int64_t weight);      // blkio 10..1000 -> io.weight 1..10000
// memory+swap (v1 meaning) -> memory.swap.max; -1 = max, 0 = leave alone.
oci::Result<int64_t> swap_to_v2(int64_t swap, int64_t limit);

std::string memory_stats_json(const std::string& dir);
std::string cpu_stats_json(const std::string& dir);
std::string pids_stats_json(const std::string& dir);
std::string io_stats_json(const std::string& dir);
std::string hugetlb_stats_json(const std::string& dir);

}  // namespace skiff::cgroups
