// pause, resume, ps, update and events: the commands that work on a live
// container's cgroup.
#include <poll.h>
#include <time.h>

#include "cgroups/resources.hpp"
#include "common/clock.hpp"
#include "core/cgroup_record.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"
#include "ocispec/json.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;
using oci::Status;

cgroups::Placement cgroup_placement(const ContainerRecord& r) {
    cgroups::Placement p;
    p.driver = r.systemd_cgroup ? cgroups::Driver::Systemd : cgroups::Driver::Fs;
    p.path = r.cgroup_path;
    p.created = r.cgroup_created;
    p.unit = r.systemd_unit;
    p.user_manager = r.owner_uid != 0;  // a rootless create talked to the user's systemd
    return p;
}

void record_cgroup(ContainerRecord& r, const cgroups::Placement& p) {
    r.systemd_cgroup = p.driver == cgroups::Driver::Systemd;
    r.cgroup_path = p.path;
    r.cgroup_created = p.created;
    r.systemd_unit = p.unit;
}

std::unique_ptr<cgroups::Manager> cgroup_manager(const ContainerRecord& r) {
    return cgroups::make_manager(cgroup_placement(r));
}

namespace {

// The manager of the container's cgroup, for a command that needs one.
Result<std::unique_ptr<cgroups::Manager>> need_cgroup(const ContainerRecord& r, const char* what) {
    auto cgroup = cgroup_manager(r);
    if (!cgroup->has_cgroup())
        return Error::msg(std::string(what) + ": container " + r.id +
                          " has no cgroup (skiff needs cgroup v2; see `skiff check`)");
    return cgroup;
}

std::string status_name(Status s) { return std::string(oci::enum_name(s)); }

}  // namespace

Result<void> pause(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    // runc pauses created containers too: the init waits in the fifo.
    if (c.status != Status::Running && c.status != Status::Created)
        return Error::msg("cannot pause container " + id + ": container is " + status_name(c.status));
    TRY_ASSIGN(auto cgroup, need_cgroup(c.rec, "pause"));
    return cgroup->freeze(true);
}

Result<void> resume(const GlobalOptions& g, const std::string& id) {
    // No lock: `exec --ignore-paused` holds it while its new process sits
    // frozen in the cgroup, and only a resume can let it finish.
    TRY_ASSIGN(Opened c, open_container(g, id, false));
    if (c.status != Status::Paused)
        return Error::msg("cannot resume container " + id + ": container is not paused (" + status_name(c.status) + ")");
    return cgroup_manager(c.rec)->freeze(false);
}

Result<std::vector<pid_t>> container_pids(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id, false));
    if (c.status == Status::Stopped) return std::vector<pid_t>{};
    TRY_ASSIGN(auto cgroup, need_cgroup(c.rec, "ps"));
    return cgroup->pids();
}

Result<void> update(const GlobalOptions& g, const std::string& id, const oci::Resources& patch) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    if (c.status == Status::Stopped || c.status == Status::Creating)
        return Error::msg("cannot update container " + id + ": container is " + status_name(c.status));
    TRY_ASSIGN(auto cgroup, need_cgroup(c.rec, "update"));
    TRY_ASSIGN(oci::Config cfg, oci::parse_config(c.rec.config_json, "state.json: config"));
    auto& lx = cfg.linux ? *cfg.linux : cfg.linux.emplace();
    oci::Resources merged = cgroups::merge_resources(lx.resources.value_or(oci::Resources{}), patch);
    TRY(cgroup->update(merged, g.host));
    lx.resources = merged;
    c.rec.config_json = oci::write_config(cfg, false);
    return c.dir.save(c.rec).wrap("update: save state");
}

namespace {

std::string event(const char* type, const std::string& id, const std::string& data = "") {
    std::string j = std::string("{\"type\":\"") + type + "\",\"id\":\"" + id + "\"";
    if (!data.empty()) j += ",\"data\":" + data;
    return j + "}";
}

}  // namespace

Result<void> events(const GlobalOptions& g, const std::string& id, bool stats_once, int interval_ms,
                    const std::function<void(const std::string&)>& emit) {
    // No lock: events runs for the container's lifetime.
    std::unique_ptr<cgroups::Manager> cgroup;
    UniqueFd pidfd;
    {
        TRY_ASSIGN(Opened c, open_container(g, id, false));
        if (c.status == Status::Stopped) return Error::msg("container " + id + " is not running");
        TRY_ASSIGN(cgroup, need_cgroup(c.rec, "events"));
        if (stats_once) {
            emit(event("stats", id, cgroup->stats_json()));
            return {};
        }
        TRY_ASSIGN(pidfd, open_init_pidfd(c.rec));
    }
    // Without the memory controller there is nothing to watch: then only
    // the interval and the exit wake us.
    UniqueFd mev = cgroup->watch_oom();
    uint64_t ooms = cgroup->oom_count();
    int64_t next = monotonic_ms();
    for (;;) {
        int64_t now = monotonic_ms();
        if (now >= next) {
            emit(event("stats", id, cgroup->stats_json()));
            next = now + interval_ms;
        }
        pollfd p[2] = {{pidfd.get(), POLLIN, 0}, {mev.get(), POLLPRI, 0}};
        int n = poll(p, mev ? 2 : 1, int(next - monotonic_ms() > 0 ? next - monotonic_ms() : 0));
        if (n < 0 && errno != EINTR) return Error::sys("events: poll", errno);
        if (p[0].revents & POLLIN) return {};  // the init exited
        uint64_t o = cgroup->oom_count();
        if (o > ooms) emit(event("oom", id));
        ooms = o;
    }
}

}  // namespace skiff::core
