// Resources on the container's cgroup: create (before clone3) and update.
#include <fcntl.h>

#include "cgroups/cgroup.hpp"
#include "cgroups/devices_bpf.hpp"
#include "cgroups/resources.hpp"
#include "common/fd.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

namespace {

Result<void> apply_devices(int cgroup_fd, const oci::Resources& r, const linux::HostFacts& host, bool fresh) {
    TRY_ASSIGN(auto rules, device_rules(r.devices ? &*r.devices : nullptr));
    return install_device_filter(cgroup_fd, compile_device_filter(rules), host, fresh);
}

}  // namespace

Result<void> apply_resources(const Cgroup& cg, const oci::Resources& r, const linux::HostFacts& host) {
    if (cg.path().empty()) return {};
    // A cgroup skiff just made: its files are written through its fd, with
    // nothing to put back on failure (the cgroup goes), and no device
    // program is attached to it yet.
    TRY(apply_resources_at(cg.root(), cg.path(), r, false, cg.fresh() ? cg.fd() : -1));
    return apply_devices(cg.fd(), r, host, cg.fresh());
}

Result<void> update_resources(const std::string& path, const oci::Resources& r, const linux::HostFacts& host,
                              const std::string& root) {
    if (path.empty()) return Error::msg("the container has no cgroup (cgroup v2 is needed to update resources)");
    // Device rules are checked with the rest before anything is written.
    TRY(device_rules(r.devices ? &*r.devices : nullptr));
    TRY(apply_resources_at(root, path, r, true));
    UniqueFd fd(open(path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open cgroup \"" + path + "\"", errno);
    return apply_devices(fd.get(), r, host, false);
}

}  // namespace skiff::cgroups
