// linux.resources on cgroup v2: plan every write (validation first), enable
// the controllers the plan needs up the tree, then write.  Devices are the
// BPF filter (devices_bpf.hpp).
#pragma once

#include <string>
#include <vector>

#include "cgroups/controllers.hpp"
#include "cgroups/fs.hpp"
#include "ocispec/config.hpp"

namespace skiff::cgroups {

oci::Result<Writes> plan_resources(const oci::Resources& r, const PlanContext& ctx);

// Controllers a plan needs, in first-use order, without duplicates.
std::vector<std::string> needed_controllers(const Writes& w);

// Makes each needed controller available in `dir`: "+c" in the
// cgroup.subtree_control of every cgroup from `root` down to dir's parent
// that does not have it yet.  A controller the hierarchy lacks is an error
// naming the config field that asked for it.  When dir's parent has them
// all (the kernel enables one only where its parent has), that one read is
// all.
oci::Result<void> enable_controllers(const std::string& root, const std::string& dir, const Writes& w);

// plan + enable + write, for the cgroup `dir` below `root` (create and
// update).  fresh_fd: an O_DIRECTORY fd of dir when skiff has just made it
// (create): the files are opened relative to it, with no check and no old
// value read first (a failed create removes the whole cgroup); -1: the
// careful apply_writes.
oci::Result<void> apply_resources_at(const std::string& root, const std::string& dir, const oci::Resources& r,
                                     bool update, int fresh_fd = -1);

// `update`: fields set in patch replace those of base (runc's merge).
oci::Resources merge_resources(const oci::Resources& base, const oci::Resources& patch);

}  // namespace skiff::cgroups
