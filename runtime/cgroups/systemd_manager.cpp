// The systemd driver behind Manager: the scope is systemd's, its inside the
// fs driver's.
#include "cgroups/drivers.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Result;

Result<void> SystemdManager::plan(const oci::Config& c, const std::string& id) {
    // Before the scope exists only its unit name is known (the cgroup is
    // where systemd puts it).  A bad cgroupsPath is create's error to report.
    const std::string path_field = c.linux && c.linux->cgroupsPath ? *c.linux->cgroupsPath : "";
    if (auto u = systemd::parse_cgroups_path(path_field, id, placement_.user_manager); u) placement_.unit = u->unit;
    return {};
}

Result<NewCgroup> SystemdManager::create(const oci::Config& c, const std::string& id) {
    TRY_ASSIGN(systemd::Scope scope, systemd::Scope::start(c, id, placement_.user_manager));
    // Declared after the scope: on failure the cgroup is undone first.
    TRY_ASSIGN(Cgroup cg, Cgroup::create(CgroupPlan{true, scope.cgroup_path()}, root_));
    TRY(apply_resources(cg, resources_of(c), host_));
    placement_.path = cg.path();
    placement_.created = cg.created();
    placement_.unit = scope.unit();
    return NewCgroup(placement_, std::move(cg), std::move(scope));
}

Result<void> SystemdManager::update(const oci::Resources& merged, const linux::HostFacts& caller) {
    TRY(FsManager::update(merged, caller));
    if (placement_.unit.empty()) return {};
    // The limits are in force; systemd's record of them follows, and the
    // update stands if it does not.
    if (auto u = systemd::update_unit(placement_.unit, merged, placement_.user_manager); !u)
        log::warn(u.error().message);
    return {};
}

Result<void> SystemdManager::destroy() {
    // No unit: a create killed before systemd accepted it.
    if (placement_.unit.empty()) return FsManager::destroy();
    return systemd::destroy_scope(placement_.unit, placement_.path, placement_.user_manager);
}

}  // namespace skiff::cgroups
