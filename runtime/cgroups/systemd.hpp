// The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
// transient scope unit that systemd creates with Delegate=yes, so systemd
// knows about it and leaves its inside to skiff.  cgroupsPath has runc's
// form "slice:prefix:name".  The resource properties systemd understands
// are passed to it; everything in linux.resources is then also written with
// the fs driver to the delegated cgroup, so limits hold even where systemd
// lacks a property.
//
// systemd needs a pid to create a scope, but the init must be born in its
// cgroup (clone3 CLONE_INTO_CGROUP: its cgroup namespace is rooted where it
// is born).  So the scope is started with a placeholder: a forked child that
// only waits to be killed; the init is cloned into the scope's cgroup; then the
// placeholder goes (release_placeholder).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

typedef struct sd_bus sd_bus;

namespace skiff::cgroups::systemd {

// ---- pure: parsing and properties (unit-tested without a bus) ----

struct UnitPlan {
    std::string slice;       // "system.slice"
    std::string unit;        // "skiff-ID.scope"
    std::string slice_path;  // "/system.slice": the slice's cgroup below the manager's root
};

// "slice:prefix:name"; empty -> "system.slice:skiff:<id>" ("user.slice" for
// the user manager).  An empty slice is system.slice / user.slice; the unit
// is "prefix-name.scope", or name itself when it ends in ".scope"/".slice".
oci::Result<UnitPlan> parse_cgroups_path(const std::string& cgroups_path, const std::string& id, bool user_manager);

// systemd's slice expansion: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" -> "" (the root).
oci::Result<std::string> expand_slice(const std::string& slice);

// A unit name systemd accepts: [A-Za-z0-9:_.\-@] (and "\" escapes), at most 255.
bool valid_unit_name(const std::string& name);

// One D-Bus property of StartTransientUnit's a(sv).
using Value = std::variant<bool, uint64_t, std::string, std::vector<uint32_t>, std::vector<uint8_t>>;
struct Property {
    std::string name;
    Value value;
    bool operator==(const Property&) const = default;
};
const char* signature(const Value& v);  // "b", "t", "s", "au", "ay"

constexpr uint64_t kInfinity = UINT64_MAX;

// The properties systemd 252 understands for linux.resources (MemoryMax,
// MemoryLow, MemorySwapMax, TasksMax, CPUWeight, CPUQuotaPerSecUSec,
// CPUQuotaPeriodUSec, AllowedCPUs, AllowedMemoryNodes, IOWeight), converted
// as runc does.  Invalid values are errors naming the field.
oci::Result<std::vector<Property>> resource_properties(const oci::Resources& r);

// "0-3,8" -> little-endian bitmask bytes (systemd's AllowedCPUs "ay").
oci::Result<std::vector<uint8_t>> cpu_list_to_mask(const std::string& list, const std::string& field);

// ---- the bus ----

class Bus {
  public:
    // The user manager for a rootless caller, else the system manager:
    // DBUS_SYSTEM_BUS_ADDRESS if set, else systemd's private socket (root),
    // else the system bus.
    static oci::Result<Bus> connect(bool user_manager);
    Bus() = default;
    Bus(Bus&& o) noexcept : bus_(o.bus_), address_(std::move(o.address_)) { o.bus_ = nullptr; }
    Bus& operator=(Bus&& o) noexcept;
    ~Bus();
    sd_bus* get() const { return bus_; }
    const std::string& address() const { return address_; }

  private:
    sd_bus* bus_ = nullptr;
    std::string address_;
};

// StartTransientUnit / StopUnit, waiting (at most timeout_ms) for the job's
// JobRemoved and checking its result is "done".  *created: systemd
// accepted the unit (it exists now, whatever the job's result).
oci::Result<void> start_unit(Bus& bus, const std::string& unit, const std::vector<Property>& props, bool* created,
                             int timeout_ms = 30000);
// A unit that is not loaded counts as stopped.
oci::Result<void> stop_unit(Bus& bus, const std::string& unit, int timeout_ms = 30000);
void reset_failed_unit(Bus& bus, const std::string& unit);  // best-effort
// update, after the fs driver wrote the (merged) resources: their
// properties, SetUnitProperties with runtime=true, so systemd's record
// matches what is in force.
oci::Result<void> update_unit(const std::string& unit, const oci::Resources& r, bool user_manager);

// The transient scope during create: stopped again (with its cgroup gone)
// unless commit() is called.
class Scope {
  public:
    static oci::Result<Scope> start(const oci::Config& c, const std::string& id, bool user_manager);
    Scope() = default;
    Scope(Scope&& o) noexcept { *this = std::move(o); }
    Scope& operator=(Scope&& o) noexcept;
    ~Scope();

    const std::string& unit() const { return unit_; }
    const std::string& cgroup_path() const { return path_; }  // absolute, under /sys/fs/cgroup
    // The init is in the scope now: the placeholder process can go.
    void release_placeholder();
    void commit() { committed_ = true; }

  private:
    void undo();
    Bus bus_;
    std::string unit_, path_;
    pid_t placeholder_ = -1;
    bool committed_ = false;
};

// delete: kill what is left in the scope's cgroup, StopUnit, ResetFailedUnit,
// and check the cgroup is gone (removing it if systemd did not).
oci::Result<void> destroy_scope(const std::string& unit, const std::string& cgroup_path, bool user_manager);

}  // namespace skiff::cgroups::systemd
