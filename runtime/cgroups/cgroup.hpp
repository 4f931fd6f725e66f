// Where the container's cgroup lives, and its lifetime.  skiff targets
// cgroup v2 only.  On a hybrid or v1 host a container whose config asks for
// no resource limits runs without a cgroup (said at debug level); one that
// asks for limits is refused with a message naming the field.
#pragma once

#include <string>
#include <vector>

#include "common/fd.hpp"
#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::cgroups {

using Layout = linux::CgroupLayout;
// Where no HostFacts is at hand (its cgroup_layout is the same statfs).
Layout detect_layout();
const char* layout_name(Layout l);

constexpr const char* kRoot = "/sys/fs/cgroup";

struct CgroupPlan {
    bool enabled = false;
    std::string path;  // absolute, under kRoot
};

// cgroupsPath: absolute (under the v2 root), relative (to skiff's own
// cgroup, as runc), or empty: "/<id>" as runc.  host: the layout, and
// whether skiff may make cgroups anywhere (host.privileged()).
oci::Result<CgroupPlan> plan_cgroup(const oci::Config& c, const std::string& id, const linux::HostFacts& host);

// The components of p.path that do not exist yet (shallowest first): what
// Cgroup::create will make, recorded in the state before it makes them so a
// `create` killed half-way leaves a state that `delete --force` can undo.
// root: the cgroup2 mount the path is below (a temp tree in unit tests).
std::vector<std::string> missing_components(const CgroupPlan& p, const std::string& root = kRoot);

// The container's cgroup while it is being set up: removed again (with
// every parent skiff created) unless commit() is called.  A cgroup that is
// frozen (cgroup.freeze 1 on it or on a parent) is refused: the init would
// freeze at birth and create would wait for it forever (as runc refuses).
// Only the components that exist are read for that (one below a component
// skiff made is new, and thawed); `missing`, when known (the plan's
// missing_components), spares the mkdir of every existing one.
class Cgroup {
  public:
    static oci::Result<Cgroup> create(const CgroupPlan& p, const std::string& root = kRoot,
                                      const std::vector<std::string>* missing = nullptr);
    Cgroup() = default;
    Cgroup(Cgroup&&) noexcept = default;
    Cgroup& operator=(Cgroup&&) noexcept = default;
    ~Cgroup();

    const std::string& path() const { return path_; }
    const std::string& root() const { return root_; }
    int fd() const { return fd_.get(); }  // O_DIRECTORY, for CLONE_INTO_CGROUP
    const std::vector<std::string>& created() const { return created_; }
    // skiff made the leaf itself: nothing is in it yet (no files written,
    // no device program), and a failed create removes it.
    bool fresh() const { return !created_.empty() && created_.back() == path_; }
    // Fallback when clone3 cannot place the child: write cgroup.procs.
    oci::Result<void> add_pid(pid_t pid) const;
    void commit() { committed_ = true; }

  private:
    std::string path_, root_;
    UniqueFd fd_;
    std::vector<std::string> created_;  // shallowest first
    bool committed_ = false;
};

// delete: one rmdir of the leaf when it is empty and has no children (the
// init reaped with its pid namespace: the usual case), then every parent
// skiff created (deepest first).  Only when that rmdir says EBUSY or
// ENOTEMPTY: one cgroup.kill if cgroup.events says processes are left (a
// container without a pid namespace, delete --force), a wait on
// cgroup.events until they are gone, and the subtree removed depth first
// (a container with cgroupns and a writable cgroupfs makes its own children).
// killed: the caller wrote cgroup.kill already; only the wait is left.
oci::Result<void> destroy(const std::string& path, const std::vector<std::string>& created, bool killed = false);

// cgroup.kill: SIGKILL to every process in the cgroup and below; false
// (said at debug level) where the kernel lacks it or refuses.
bool kill_all(const std::string& path);

// Pids in cgroup.procs of path and of every cgroup below it (`ps`, kill --all).
oci::Result<std::vector<pid_t>> pids(const std::string& path);

// create: linux.resources into the new cgroup before the init is cloned
// into it (controllers enabled up the tree, files written, the device BPF
// filter attached).  linux.devices is not an input: as runc, access is
// linux.resources.devices' decision.  A disabled (empty) Cgroup: nothing to do.
// host: an unprivileged caller may lack BPF (no device filter then).
oci::Result<void> apply_resources(const Cgroup& cg, const oci::Resources& r, const linux::HostFacts& host);
// update: the same on a live cgroup; every value is validated before the
// first write, and a failed write puts back the files already written.
oci::Result<void> update_resources(const std::string& path, const oci::Resources& r,
                                   const linux::HostFacts& host, const std::string& root = kRoot);

// pause/resume: cgroup.freeze, then wait (poll on cgroup.events) until the
// kernel reports "frozen 1" (or 0), at most timeout_ms.
oci::Result<void> freeze(const std::string& path, bool frozen, int timeout_ms = 10000);

// runc's `events --stats` data object: {"cpu":..,"memory":..,"pids":..,
// "blkio":..,"hugetlb":..}.
std::string stats_json(const std::string& path);
// memory.events "oom" + "oom_kill" (0 when absent), for OOM events.
uint64_t oom_count(const std::string& path);

}  // namespace skiff::cgroups
