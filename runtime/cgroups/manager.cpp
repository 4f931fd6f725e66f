// The v2 filesystem driver behind Manager, the cgroup being created, and
// the factories.
#include <fcntl.h>

#include "cgroups/drivers.hpp"

namespace skiff::cgroups {

using oci::Result;

NewCgroup::NewCgroup(Placement p, Cgroup cg, systemd::Scope scope)
    : scope_(std::move(scope)), cgroup_(std::move(cg)), placement_(std::move(p)) {}

Result<void> NewCgroup::adopt_init(pid_t pid, bool placed) {
    if (cgroup_.fd() >= 0 && !placed) TRY(cgroup_.add_pid(pid));
    scope_.release_placeholder();
    return {};
}

void NewCgroup::commit() {
    cgroup_.commit();
    scope_.commit();
}

const oci::Resources& resources_of(const oci::Config& c) {
    static const oci::Resources none;
    return c.linux && c.linux->resources ? *c.linux->resources : none;
}

FsManager::FsManager(Placement p, std::string root, const linux::HostFacts& host)
    : root_(std::move(root)), host_(host) {
    placement_ = std::move(p);
}

Result<void> FsManager::plan(const oci::Config& c, const std::string& id) {
    TRY_ASSIGN(CgroupPlan p, plan_cgroup(c, id, host_));
    placement_.path = p.enabled ? p.path : "";
    placement_.created = missing_components(p, root_);
    planned_ = true;
    return {};
}

Result<NewCgroup> FsManager::create(const oci::Config& c, const std::string&) {
    // The plan found which components are missing: the others are not made again.
    TRY_ASSIGN(Cgroup cg, Cgroup::create(CgroupPlan{has_cgroup(), placement_.path}, root_,
                                         planned_ ? &placement_.created : nullptr));
    TRY(apply_resources(cg, resources_of(c), host_));
    placement_.created = cg.created();
    return NewCgroup(placement_, std::move(cg));
}

Result<void> FsManager::update(const oci::Resources& merged, const linux::HostFacts& caller) {
    return update_resources(placement_.path, merged, caller, root_);
}

Result<void> FsManager::freeze(bool frozen, int timeout_ms) {
    return cgroups::freeze(placement_.path, frozen, timeout_ms);
}

Result<std::vector<pid_t>> FsManager::pids() const { return cgroups::pids(placement_.path); }

bool FsManager::kill_all() const {
    if (cgroups::kill_all(placement_.path)) killed_ = true;
    return killed_;
}

std::string FsManager::stats_json() const { return cgroups::stats_json(placement_.path); }

uint64_t FsManager::oom_count() const { return cgroups::oom_count(placement_.path); }

UniqueFd FsManager::watch_oom() const {
    return UniqueFd(open((placement_.path + "/memory.events").c_str(), O_RDONLY | O_CLOEXEC));
}

Result<UniqueFd> FsManager::open_for_process(const std::string& sub) const {
    if (placement_.path.empty()) {
        if (!sub.empty()) return oci::Error::msg("--cgroup: the container has no cgroup");
        return UniqueFd();
    }
    if (sub.find("..") != std::string::npos) return oci::Error::msg("--cgroup \"" + sub + "\": must not contain \"..\"");
    const std::string path = sub.empty() ? placement_.path : placement_.path + "/" + sub;
    UniqueFd fd(open(path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!fd) return oci::Error::sys("open cgroup \"" + path + "\"", errno);
    return fd;
}

Result<void> FsManager::destroy() { return cgroups::destroy(placement_.path, placement_.created, killed_); }

namespace {

std::unique_ptr<Manager> make(Placement p, const std::string& root, const linux::HostFacts& host) {
    if (p.driver == Driver::Systemd) return std::make_unique<SystemdManager>(std::move(p), root, host);
    return std::make_unique<FsManager>(std::move(p), root, host);
}

}  // namespace

std::unique_ptr<Manager> make_manager(Driver driver, const linux::HostFacts& host) {
    Placement p;
    p.driver = driver;
    p.user_manager = host.unprivileged();  // as the record's owner_uid != 0
    return make(std::move(p), kRoot, host);
}

std::unique_ptr<Manager> make_manager(const Placement& p, const std::string& root) {
    return make(p, root, linux::HostFacts{});
}

}  // namespace skiff::cgroups
