// The systemd driver's bus half: sd-bus calls to the manager, the transient
// scope's lifetime during create, and its removal on delete.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "cgroups/cgroup.hpp"
#include "cgroups/resources.hpp"
#include "cgroups/systemd.hpp"
#include "common/clock.hpp"
#include "common/libsystemd.hpp"
#include "common/log.hpp"

namespace skiff::cgroups::systemd {

using oci::Error;
using oci::Result;

namespace {

// libsystemd, loaded by Bus::connect: every bus operation starts there.
const sd::Functions* sdf = nullptr;

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

struct MessageRef {
    sd_bus_message* m = nullptr;
    MessageRef() = default;
    MessageRef(const MessageRef&) = delete;
    MessageRef& operator=(const MessageRef&) = delete;
    ~MessageRef() { if (m) sdf->sd_bus_message_unref(m); }
};
struct ErrorRef {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ErrorRef() = default;
    ErrorRef(const ErrorRef&) = delete;
    ErrorRef& operator=(const ErrorRef&) = delete;
    ~ErrorRef() { if (sdf) sdf->sd_bus_error_free(&e); }
};
struct SlotRef {
    sd_bus_slot* s = nullptr;
    SlotRef() = default;
    SlotRef(SlotRef&& o) noexcept : s(o.s) { o.s = nullptr; }
    SlotRef(const SlotRef&) = delete;
    SlotRef& operator=(const SlotRef&) = delete;
    ~SlotRef() { if (s) sdf->sd_bus_slot_unref(s); }
};

Error call_error(const char* method, const std::string& unit, const sd_bus_error& e, int r) {
    std::string why = e.message ? e.message : std::strerror(-r);
    return Error{std::string("systemd: ") + method + " \"" + unit + "\": " + why, -r};
}

Error build_error(const char* method, const std::string& unit, int r) {
    return Error::sys(std::string("systemd: ") + method + " \"" + unit + "\": build message", -r);
}

// JobRemoved(u id, o job, s unit, s result) for every job, recorded by path:
// the match is installed before the call, so a job that finishes before its
// path is known is not missed.
struct JobResults {
    std::map<std::string, std::string> done;
};

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    uint32_t id;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sdf->sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0 && job && result)
        static_cast<JobResults*>(userdata)->done[job] = result;
    return 0;
}

Result<void> wait_job(Bus& bus, JobResults& jobs, const std::string& job, const char* method,
                      const std::string& unit, int timeout_ms) {
    const uint64_t deadline = monotonic_ms() + uint64_t(timeout_ms);
    for (;;) {
        if (auto it = jobs.done.find(job); it != jobs.done.end()) {
            if (it->second == "done") return {};
            return Error::msg(std::string("systemd: ") + method + " \"" + unit + "\": job " + job + " finished with result \"" +
                              it->second + "\"");
        }
        int r = sdf->sd_bus_process(bus.get(), nullptr);
        if (r < 0) return Error::sys(std::string("systemd: ") + method + " \"" + unit + "\": waiting for job " + job, -r);
        if (r > 0) continue;
        const uint64_t now = monotonic_ms();
        if (now >= deadline)
            return Error::msg(std::string("systemd: ") + method + " \"" + unit + "\": job " + job + " did not finish within " +
                              std::to_string(timeout_ms / 1000) + " s");
        r = sdf->sd_bus_wait(bus.get(), (deadline - now) * 1000);
        if (r < 0 && r != -EINTR)
            return Error::sys(std::string("systemd: ") + method + " \"" + unit + "\": waiting for job " + job, -r);
    }
}

Result<SlotRef> watch_jobs(Bus& bus, JobResults& jobs) {
    SlotRef slot;
    // No sender filter: on systemd's private socket messages carry none.
    int r = sdf->sd_bus_match_signal(bus.get(), &slot.s, nullptr, kPath, kManager, "JobRemoved", on_job_removed, &jobs);
    if (r < 0) return Error::sys("systemd: subscribe to JobRemoved", -r);
    // The system bus only forwards manager signals to subscribed clients.
    ErrorRef e;
    r = sdf->sd_bus_call_method(bus.get(), kService, kPath, kManager, "Subscribe", &e.e, nullptr, "");
    if (r < 0) log::debug(std::string("systemd: Subscribe: ") + (e.e.message ? e.e.message : std::strerror(-r)));
    return slot;
}

int append_value(sd_bus_message* m, const Value& v) {
    if (auto* b = std::get_if<bool>(&v)) return sdf->sd_bus_message_append(m, "b", int(*b));
    if (auto* t = std::get_if<uint64_t>(&v)) return sdf->sd_bus_message_append(m, "t", *t);
    if (auto* s = std::get_if<std::string>(&v)) return sdf->sd_bus_message_append(m, "s", s->c_str());
    if (auto* au = std::get_if<std::vector<uint32_t>>(&v))
        return sdf->sd_bus_message_append_array(m, 'u', au->data(), au->size() * sizeof(uint32_t));
    const auto& ay = std::get<std::vector<uint8_t>>(v);
    return sdf->sd_bus_message_append_array(m, 'y', ay.data(), ay.size());
}

int append_properties(sd_bus_message* m, const std::vector<Property>& props) {
    int r = sdf->sd_bus_message_open_container(m, 'a', "(sv)");
    for (const auto& p : props) {
        if (r >= 0) r = sdf->sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0) r = sdf->sd_bus_message_append(m, "s", p.name.c_str());
        if (r >= 0) r = sdf->sd_bus_message_open_container(m, 'v', signature(p.value));
        if (r >= 0) r = append_value(m, p.value);
        if (r >= 0) r = sdf->sd_bus_message_close_container(m);
        if (r >= 0) r = sdf->sd_bus_message_close_container(m);
    }
    if (r >= 0) r = sdf->sd_bus_message_close_container(m);
    return r;
}

// Calls a Manager method that returns a job path and waits for that job.
Result<void> call_job(Bus& bus, const char* method, const std::string& unit, const std::vector<Property>* props,
                      int timeout_ms, bool missing_ok, bool* enqueued = nullptr) {
    JobResults jobs;
    TRY_ASSIGN(SlotRef slot, watch_jobs(bus, jobs));
    MessageRef m;
    int r = sdf->sd_bus_message_new_method_call(bus.get(), &m.m, kService, kPath, kManager, method);
    if (r >= 0) r = sdf->sd_bus_message_append(m.m, "ss", unit.c_str(), "replace");
    if (r >= 0 && props) r = append_properties(m.m, *props);
    if (r >= 0 && props) r = sdf->sd_bus_message_append(m.m, "a(sa(sv))", 0);  // no auxiliary units
    if (r < 0) return build_error(method, unit, r);
    ErrorRef e;
    MessageRef reply;
    r = sdf->sd_bus_call(bus.get(), m.m, uint64_t(timeout_ms) * 1000, &e.e, &reply.m);
    if (r < 0) {
        if (missing_ok && e.e.name && std::strcmp(e.e.name, "org.freedesktop.systemd1.NoSuchUnit") == 0) return {};
        return call_error(method, unit, e.e, r);
    }
    if (enqueued) *enqueued = true;
    const char* job = nullptr;
    r = sdf->sd_bus_message_read(reply.m, "o", &job);
    if (r < 0 || !job) return Error::sys(std::string("systemd: ") + method + " \"" + unit + "\": read the job path", -r);
    return wait_job(bus, jobs, job, method, unit, timeout_ms);
}

}  // namespace

Bus& Bus::operator=(Bus&& o) noexcept {
    if (this != &o) {
        if (bus_) sdf->sd_bus_flush_close_unref(bus_);
        bus_ = o.bus_;
        address_ = std::move(o.address_);
        o.bus_ = nullptr;
    }
    return *this;
}

Bus::~Bus() {
    if (bus_) sdf->sd_bus_flush_close_unref(bus_);
}

Result<Bus> Bus::connect(bool user_manager) {
    TRY_ASSIGN(sdf, sd::load());
    Bus bus;
    auto open_address = [&bus](bool bus_client) {
        if (bus.bus_) bus.bus_ = sdf->sd_bus_flush_close_unref(bus.bus_);
        int r = sdf->sd_bus_new(&bus.bus_);
        if (r >= 0) r = sdf->sd_bus_set_address(bus.bus_, bus.address_.c_str());
        if (r >= 0) r = sdf->sd_bus_set_bus_client(bus.bus_, bus_client);
        if (r >= 0) r = sdf->sd_bus_start(bus.bus_);
        return r;
    };
    int r;
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    struct stat st;
    if (user_manager) {
        bus.address_ = "the user bus ($DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus)";
        r = sdf->sd_bus_open_user(&bus.bus_);
    } else if (!env && geteuid() == 0 && stat("/run/systemd/private", &st) == 0 && S_ISSOCK(st.st_mode)) {
        // As systemctl does for root: systemd's own socket needs no
        // dbus-daemon.  It is a direct connection, not a bus (no Hello).
        bus.address_ = "unix:path=/run/systemd/private";
        r = open_address(false);
    } else {
        bus.address_ = env ? env : "unix:path=/run/dbus/system_bus_socket";
        r = open_address(true);
        // The address may be systemd's private socket, which answers no
        // Hello: then talk to it directly.
        const char* unique = nullptr;
        if (r >= 0 && sdf->sd_bus_get_unique_name(bus.bus_, &unique) < 0) r = open_address(false);
    }
    if (r < 0)
        return Error{"systemd: cannot connect to " + bus.address_ + ": " + std::strerror(-r) +
                         " (--systemd-cgroup needs a running systemd reachable over D-Bus)", -r};
    return bus;
}

}  // namespace skiff::cgroups::systemd

namespace skiff::cgroups::systemd {

Result<void> start_unit(Bus& bus, const std::string& unit, const std::vector<Property>& props, bool* created,
                        int timeout_ms) {
    return call_job(bus, "StartTransientUnit", unit, &props, timeout_ms, false, created);
}

Result<void> stop_unit(Bus& bus, const std::string& unit, int timeout_ms) {
    return call_job(bus, "StopUnit", unit, nullptr, timeout_ms, true);
}

Result<void> update_unit(const std::string& unit, const oci::Resources& r, bool user_manager) {
    TRY_ASSIGN(std::vector<Property> props, resource_properties(r));
    if (props.empty()) return {};
    TRY_ASSIGN(Bus bus, Bus::connect(user_manager));
    MessageRef m;
    int r2 = sdf->sd_bus_message_new_method_call(bus.get(), &m.m, kService, kPath, kManager, "SetUnitProperties");
    if (r2 >= 0) r2 = sdf->sd_bus_message_append(m.m, "sb", unit.c_str(), 1);  // runtime: lost with the unit
    if (r2 >= 0) r2 = append_properties(m.m, props);
    if (r2 < 0) return build_error("SetUnitProperties", unit, r2);
    ErrorRef e;
    r2 = sdf->sd_bus_call(bus.get(), m.m, 30000000, &e.e, nullptr);
    if (r2 < 0) return call_error("SetUnitProperties", unit, e.e, r2);
    return {};
}

void reset_failed_unit(Bus& bus, const std::string& unit) {
    ErrorRef e;
    int r = sdf->sd_bus_call_method(bus.get(), kService, kPath, kManager, "ResetFailedUnit", &e.e, nullptr, "s", unit.c_str());
    if (r < 0) log::debug(call_error("ResetFailedUnit", unit, e.e, r).message);
}

namespace {

// The scope's first pid: a child that only waits to be killed (it also
// dies with skiff).  Only async-signal-safe calls after fork.
Result<pid_t> fork_placeholder() {
    pid_t pid = fork();
    if (pid < 0) return Error::sys("systemd: fork the scope's placeholder process", errno);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) pause();
    }
    return pid;
}

std::string cgroup_of(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    return "";
}

bool exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

// cgroup.kill, then wait (at most ~10 s) for cgroup.events "populated 0".
void kill_and_wait_empty(const std::string& path) {
    kill_all(path);
    for (int i = 0; i < 2000; ++i) {
        std::ifstream f(path + "/cgroup.events");
        if (!f) return;
        std::string k, v;
        bool populated = false;
        while (f >> k >> v)
            if (k == "populated") populated = v == "1";
        if (!populated) return;
        usleep(5000);
    }
}

// systemd removes the cgroup when the unit stops; give it a moment, then
// remove it ourselves (it is empty).
Result<void> ensure_gone(const std::string& path, const std::string& unit) {
    for (int i = 0; i < 200 && exists(path); ++i) usleep(5000);
    if (!exists(path)) return {};
    log::debug("systemd: \"" + unit + "\" stopped but its cgroup \"" + path + "\" is still there: removing it");
    return cgroups::destroy(path, {});
}

}  // namespace

Scope& Scope::operator=(Scope&& o) noexcept {
    if (this != &o) {
        undo();
        bus_ = std::move(o.bus_);
        unit_ = std::move(o.unit_);
        path_ = std::move(o.path_);
        placeholder_ = o.placeholder_;
        committed_ = o.committed_;
        o.placeholder_ = -1;
        o.unit_.clear();
    }
    return *this;
}

Scope::~Scope() { undo(); }

void Scope::release_placeholder() {
    if (placeholder_ <= 0) return;
    kill(placeholder_, SIGKILL);
    while (waitpid(placeholder_, nullptr, 0) < 0 && errno == EINTR) {
    }
    placeholder_ = -1;
}

void Scope::undo() {
    release_placeholder();
    if (committed_ || unit_.empty() || !bus_.get()) return;
    if (!path_.empty() && exists(path_)) kill_and_wait_empty(path_);
    if (auto r = stop_unit(bus_, unit_); !r) log::warn(r.error().message);
    reset_failed_unit(bus_, unit_);
    if (!path_.empty())
        if (auto r = ensure_gone(path_, unit_); !r) log::warn(r.error().message);
    unit_.clear();
}

Result<Scope> Scope::start(const oci::Config& c, const std::string& id, bool user_manager) {
    const Layout layout = detect_layout();
    if (layout != Layout::Unified)
        return Error::msg(std::string("--systemd-cgroup: skiff needs cgroup v2, and this host is ") + layout_name(layout));
    const std::string path_field = c.linux && c.linux->cgroupsPath ? *c.linux->cgroupsPath : "";
    TRY_ASSIGN(UnitPlan plan, parse_cgroups_path(path_field, id, user_manager));
    if (plan.unit.size() > 6 && plan.unit.compare(plan.unit.size() - 6, 6, ".slice") == 0)
        return Error::msg("linux.cgroupsPath \"" + path_field + "\": a slice (\"" + plan.unit +
                          "\") as the container's own unit is not supported: name a .scope");
    // Everything is validated before the unit exists.
    const oci::Resources res = c.linux && c.linux->resources ? *c.linux->resources : oci::Resources{};
    TRY(plan_resources(res, PlanContext{}));
    TRY_ASSIGN(std::vector<Property> limits, resource_properties(res));

    Scope s;
    TRY_ASSIGN(s.bus_, Bus::connect(user_manager));
    TRY_ASSIGN(s.placeholder_, fork_placeholder());
    std::vector<Property> props = {
        {"Description", std::string("skiff container ") + id},
        {"Slice", plan.slice},
        {"Delegate", true},
        {"PIDs", std::vector<uint32_t>{uint32_t(s.placeholder_)}},
        {"DefaultDependencies", false},
    };
    props.insert(props.end(), limits.begin(), limits.end());
    // Once systemd accepted the unit it is ours to stop, even if its job
    // then fails or times out; a unit that was there before is not.
    bool created = false;
    auto started = start_unit(s.bus_, plan.unit, props, &created);
    if (created) s.unit_ = plan.unit;
    if (!started) return std::move(started).error();
    const std::string cg = cgroup_of(s.placeholder_);
    if (cg.empty() || cg.size() < plan.unit.size() + 1 || cg.compare(cg.size() - plan.unit.size() - 1, std::string::npos, "/" + plan.unit) != 0)
        return Error::msg("systemd: StartTransientUnit \"" + plan.unit + "\": the scope's process is in cgroup \"" + cg +
                          "\", not in the scope's");
    s.path_ = std::string(kRoot) + cg;
    log::debug("systemd: started " + plan.unit + " in " + plan.slice + ", cgroup " + s.path_);
    return s;
}

Result<void> destroy_scope(const std::string& unit, const std::string& cgroup_path, bool user_manager) {
    if (!cgroup_path.empty() && exists(cgroup_path)) kill_and_wait_empty(cgroup_path);
    auto bus = Bus::connect(user_manager);
    if (!bus) {
        // The container must still be deletable when systemd went away.
        log::warn(bus.error().message + ": removing the cgroup of \"" + unit + "\" directly");
        return cgroups::destroy(cgroup_path, {});
    }
    TRY(stop_unit(*bus, unit));
    reset_failed_unit(*bus, unit);
    if (cgroup_path.empty()) return {};
    return ensure_gone(cgroup_path, unit);
}

}  // namespace skiff::cgroups::systemd
