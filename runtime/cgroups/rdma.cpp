// rdma -> rdma.max "DEVICE hca_handle=N hca_object=M" (absent -> max).
#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<void> plan_rdma(const std::map<std::string, oci::RdmaLimit>& r, const PlanContext&, Writes& out) {
    for (const auto& [device, l] : r) {
        std::string f = "linux.resources.rdma." + device;
        if (device.empty() || device.find_first_of(" \n/") != std::string::npos)
            return Error::msg(f + ": invalid device name");
        auto v = [](const oci::Opt<uint32_t>& x) { return x ? std::to_string(*x) : std::string("max"); };
        out.push_back({"rdma.max", device + " hca_handle=" + v(l.hcaHandles) + " hca_object=" + v(l.hcaObjects), f,
                       "rdma"});
    }
    return {};
}

}  // namespace skiff::cgroups
