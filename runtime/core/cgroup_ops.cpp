// pause, resume, ps, update and events: the commands that work on a live
// container's cgroup.
#include <poll.h>
#include <time.h>

#include "cgroups/cgroup.hpp"
#include "cgroups/resources.hpp"
#include "cgroups/systemd.hpp"
#include "common/log.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"
#include "ocispec/json.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;
using oci::Status;

namespace {


Result<void> need_cgroup(const ContainerRecord& r, const char* what) {
    if (r.cgroup_path.empty())
        return Error::msg(std::string(what) + ": container " + r.id +
                          " has no cgroup (skiff needs cgroup v2; see `skiff check`)");
    return {};
}

std::string status_name(Status s) { return std::string(oci::enum_name(s)); }

}  // namespace

Result<void> pause(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    // runc pauses created containers too: the init waits in the fifo.
    if (c.status != Status::Running && c.status != Status::Created)
        return Error::msg("cannot pause container " + id + ": container is " + status_name(c.status));
    TRY(need_cgroup(c.rec, "pause"));
    return cgroups::freeze(c.rec.cgroup_path, true);
}

Result<void> resume(const GlobalOptions& g, const std::string& id) {
    // No lock: `exec --ignore-paused` holds it while its new process sits
    // frozen in the cgroup, and only a resume can let it finish.
    TRY_ASSIGN(Opened c, open_container(g, id, false));
    if (c.status != Status::Paused)
        return Error::msg("cannot resume container " + id + ": container is not paused (" + status_name(c.status) + ")");
    return cgroups::freeze(c.rec.cgroup_path, false);
}

Result<std::vector<pid_t>> container_pids(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id, false));
    if (c.status == Status::Stopped) return std::vector<pid_t>{};
    TRY(need_cgroup(c.rec, "ps"));
    return cgroups::pids(c.rec.cgroup_path);
}

Result<void> update(const GlobalOptions& g, const std::string& id, const oci::Resources& patch) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    if (c.status == Status::Stopped || c.status == Status::Creating)
        return Error::msg("cannot update container " + id + ": container is " + status_name(c.status));
    TRY(need_cgroup(c.rec, "update"));
    TRY_ASSIGN(oci::Config cfg, oci::parse_config(c.rec.config_json, "state.json: config"));
    auto& lx = cfg.linux ? *cfg.linux : cfg.linux.emplace();
    oci::Resources merged = cgroups::merge_resources(lx.resources.value_or(oci::Resources{}), patch);
    TRY(cgroups::update_resources(c.rec.cgroup_path, merged, g.host));
    // systemd driver: the limits are in force; systemd's record of them follows.
    if (!c.rec.systemd_unit.empty())
        if (auto u = cgroups::systemd::update_unit(c.rec.systemd_unit, merged, c.rec.owner_uid != 0); !u)
            log::warn(u.error().message);
    lx.resources = merged;
    c.rec.config_json = oci::write_config(cfg, false);
    return c.dir.save(c.rec).wrap("update: save state");
}

namespace {

int64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string event(const char* type, const std::string& id, const std::string& data = "") {
    std::string j = std::string("{\"type\":\"") + type + "\",\"id\":\"" + id + "\"";
    if (!data.empty()) j += ",\"data\":" + data;
    return j + "}";
}

}  // namespace

Result<void> events(const GlobalOptions& g, const std::string& id, bool stats_once, int interval_ms,
                    const std::function<void(const std::string&)>& emit) {
    // No lock: events runs for the container's lifetime.
    std::string path;
    UniqueFd pidfd;
    {
        TRY_ASSIGN(Opened c, open_container(g, id, false));
        if (c.status == Status::Stopped) return Error::msg("container " + id + " is not running");
        TRY(need_cgroup(c.rec, "events"));
        path = c.rec.cgroup_path;
        if (stats_once) {
            emit(event("stats", id, cgroups::stats_json(path)));
            return {};
        }
        TRY_ASSIGN(pidfd, open_init_pidfd(c.rec));
    }
    // memory.events signals changes with POLLPRI; absent without the
    // memory controller, then only the interval and the exit wake us.
    UniqueFd mev(open((path + "/memory.events").c_str(), O_RDONLY | O_CLOEXEC));
    uint64_t ooms = cgroups::oom_count(path);
    int64_t next = now_ms();
    for (;;) {
        int64_t now = now_ms();
        if (now >= next) {
            emit(event("stats", id, cgroups::stats_json(path)));
            next = now + interval_ms;
        }
        pollfd p[2] = {{pidfd.get(), POLLIN, 0}, {mev.get(), POLLPRI, 0}};
        int n = poll(p, mev ? 2 : 1, int(next - now_ms() > 0 ? next - now_ms() : 0));
        if (n < 0 && errno != EINTR) return Error::sys("events: poll", errno);
        if (p[0].revents & POLLIN) return {};  // the init exited
        uint64_t o = cgroups::oom_count(path);
        if (o > ooms) emit(event("oom", id));
        ooms = o;
    }
}

}  // namespace skiff::core
