// linux.resources.unified: cgroup v2 files written verbatim.  A key names a
// file in the container's own cgroup, never a path; its controller is the
// part before the first dot ("memory.high" -> memory).
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<void> plan_unified(const oci::StringMap& u, const PlanContext&, Writes& out) {
    for (const auto& [key, value] : u) {
        std::string f = "linux.resources.unified[\"" + key + "\"]";
        if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos ||
            key.front() == '.')
            return Error::msg(f + ": invalid key: must be a file name in the container's cgroup");
        auto dot = key.find('.');
        if (dot == std::string::npos) return Error::msg(f + ": invalid key: expected <controller>.<file>");
        std::string controller = key.substr(0, dot);
        if (controller == "cgroup" && key != "cgroup.freeze" && key != "cgroup.max.depth" &&
            key != "cgroup.max.descendants")
            return Error::msg(f + ": skiff manages " + key + " itself");
        // Pressure files (cpu.pressure...) are core files, not the controller's.
        bool core = controller == "cgroup" || (key.size() > 9 && key.compare(key.size() - 9, 9, ".pressure") == 0);
        out.push_back({key, value, f, core ? "" : controller});
    }
    return {};
}

}  // namespace skiff::cgroups
