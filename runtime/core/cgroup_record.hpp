// A container's cgroup as its state record names it.  create writes the
// manager's placement into the record; every later command builds the
// manager back from it.
#pragma once

#include <memory>

#include "cgroups/manager.hpp"
#include "core/state_store.hpp"

namespace skiff::core {

cgroups::Placement cgroup_placement(const ContainerRecord& r);
void record_cgroup(ContainerRecord& r, const cgroups::Placement& p);
std::unique_ptr<cgroups::Manager> cgroup_manager(const ContainerRecord& r);

}  // namespace skiff::core
