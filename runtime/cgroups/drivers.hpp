// The two drivers behind Manager (manager.hpp), for the factories and the
// unit tests; core sees only Manager.
#pragma once

#include "cgroups/manager.hpp"

namespace skiff::cgroups {

// skiff makes the cgroup (mkdir below root_) and removes what it made.
class FsManager : public Manager {
  public:
    FsManager(Placement p, std::string root, const linux::HostFacts& host);

    oci::Result<void> plan(const oci::Config& c, const std::string& id) override;
    oci::Result<NewCgroup> create(const oci::Config& c, const std::string& id) override;
    oci::Result<void> update(const oci::Resources& merged, const linux::HostFacts& caller) override;
    oci::Result<void> freeze(bool frozen, int timeout_ms) override;
    oci::Result<std::vector<pid_t>> pids() const override;
    bool kill_all() const override;
    std::string stats_json() const override;
    uint64_t oom_count() const override;
    UniqueFd watch_oom() const override;
    oci::Result<UniqueFd> open_for_process(const std::string& sub) const override;
    oci::Result<void> destroy() override;

  protected:
    std::string root_;       // the cgroup2 mount
    bool planned_ = false;   // plan() ran: placement_.created names what is missing
    mutable bool killed_ = false;  // kill_all() wrote cgroup.kill: destroy() need not again
    linux::HostFacts host_;  // the caller's, for create; default for an existing cgroup
};

// systemd makes the cgroup as a transient scope (the unit is what skiff
// starts and stops); inside it the fs driver writes the limits, freezes,
// counts and kills.
class SystemdManager final : public FsManager {
  public:
    using FsManager::FsManager;

    oci::Result<void> plan(const oci::Config& c, const std::string& id) override;
    oci::Result<NewCgroup> create(const oci::Config& c, const std::string& id) override;
    oci::Result<void> update(const oci::Resources& merged, const linux::HostFacts& caller) override;
    oci::Result<void> destroy() override;
};

// linux.resources of c, or none.
const oci::Resources& resources_of(const oci::Config& c);

}  // namespace skiff::cgroups
