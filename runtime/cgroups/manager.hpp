// The cgroup manager: one interface for a container's cgroup over its whole
// life (create, update, freeze, stats, kill all, destroy), with the two
// drivers behind it, as crun's table of cgroup managers:
//   fs       skiff makes the cgroup below /sys/fs/cgroup (cgroup.hpp);
//   systemd  --systemd-cgroup: systemd makes it, as a transient scope unit
//            with Delegate=yes (systemd.hpp); its inside is then the fs
//            driver's, so limits hold where systemd lacks a property.
// core asks for a manager once (create: from --systemd-cgroup; every other
// command: from the container's state record) and never asks which driver
// it has.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cgroups/cgroup.hpp"
#include "cgroups/systemd.hpp"
#include "common/fd.hpp"
#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::cgroups {

enum class Driver { Fs, Systemd };

// Where a container's cgroup is and what skiff made for it: what the state
// record keeps, so that the manager of a live (or half-created) container
// can be built again from it.
struct Placement {
    Driver driver = Driver::Fs;
    std::string path;                  // absolute, under the cgroup2 root; "" without a cgroup
    std::vector<std::string> created;  // the cgroups skiff made, shallowest first
    std::string unit;                  // systemd: the transient scope skiff started
    bool user_manager = false;         // systemd: the caller's user manager, not the system's
    bool operator==(const Placement&) const = default;
};

// The container's cgroup while `create` sets it up: every cgroup skiff made
// is removed again (and a systemd scope stopped) unless commit() is called.
class NewCgroup {
  public:
    NewCgroup() = default;
    NewCgroup(Placement p, Cgroup cg, systemd::Scope scope = {});
    NewCgroup(NewCgroup&&) noexcept = default;
    NewCgroup& operator=(NewCgroup&&) noexcept = default;

    const Placement& placement() const { return placement_; }
    int fd() const { return cgroup_.fd(); }  // O_DIRECTORY for CLONE_INTO_CGROUP; -1 without a cgroup
    // The init is cloned: clone3 put it in the cgroup already (placed), or
    // it is written to cgroup.procs now.  Then the systemd scope's
    // placeholder process can go: the init holds the scope.
    oci::Result<void> adopt_init(pid_t pid, bool placed);
    void commit();

  private:
    systemd::Scope scope_;  // declared first: stopped after the cgroup below is undone
    Cgroup cgroup_;
    Placement placement_;
};

class Manager {
  public:
    virtual ~Manager() = default;
    const Placement& placement() const { return placement_; }
    bool has_cgroup() const { return !placement_.path.empty(); }

    // ---- create ----
    // Decides where the cgroup goes; nothing is made.  placement() then
    // names the path, the parents that will be made and the unit, for the
    // record saved before they exist: a create killed half-way leaves a
    // state that `delete --force` can undo.  A host where the container gets
    // no cgroup (no cgroup v2, rootless without delegation) plans none, or
    // refuses limits with the field that asks for them.
    virtual oci::Result<void> plan(const oci::Config& c, const std::string& id) = 0;
    // Makes the planned cgroup and puts linux.resources on it (limits, the
    // device filter) before clone3 puts the init in.  A frozen cgroup or
    // parent is refused.  placement() is then what was made.
    virtual oci::Result<NewCgroup> create(const oci::Config& c, const std::string& id) = 0;

    // ---- a live container ----
    // `update`, with the resources already merged: validated before the
    // first write, written, and systemd's record of them follows.  caller:
    // an unprivileged one may lack BPF (no device filter then).
    virtual oci::Result<void> update(const oci::Resources& merged, const linux::HostFacts& caller) = 0;
    // pause/resume: returns once the kernel reports the cgroup (un)frozen.
    virtual oci::Result<void> freeze(bool frozen, int timeout_ms = 10000) = 0;
    // The pids in the cgroup and every cgroup below it (`ps`, kill --all).
    virtual oci::Result<std::vector<pid_t>> pids() const = 0;
    // SIGKILL to everything in the cgroup and below at once (cgroup.kill);
    // false where the kernel lacks it: then signal pids() one by one.  A
    // later destroy() of the same manager does not write it again.
    virtual bool kill_all() const = 0;
    // runc's `events --stats` data object, and OOM kills so far.
    virtual std::string stats_json() const = 0;
    virtual uint64_t oom_count() const = 0;
    // memory.events, which signals a new OOM with POLLPRI; invalid without
    // the memory controller.
    virtual UniqueFd watch_oom() const = 0;
    // exec: the cgroup, or `sub` below it (runc's --cgroup), as an
    // O_DIRECTORY fd for CLONE_INTO_CGROUP; invalid without a cgroup.
    virtual oci::Result<UniqueFd> open_for_process(const std::string& sub) const = 0;
    // delete: what is left in the cgroup killed (unless kill_all() did), the
    // cgroup and every cgroup skiff made removed, a systemd scope stopped.
    virtual oci::Result<void> destroy() = 0;

  protected:
    Placement placement_;
};

// create: the manager for a new container's cgroup (plan, then create).
std::unique_ptr<Manager> make_manager(Driver driver, const linux::HostFacts& host);
// Every other command: the manager of the cgroup a record names.  root is
// the cgroup2 mount its path is below (a temp tree in unit tests).
std::unique_ptr<Manager> make_manager(const Placement& p, const std::string& root = kRoot);

}  // namespace skiff::cgroups
