// linux.netDevices (OCI 1.3): host network devices moved into the
// container's network namespace, renamed when `name` is given, with their
// permanent global-scope addresses re-added there (a move drops them) and
// set up.  Nothing is moved back: when the namespace dies the kernel
// returns physical devices to the initial namespace and destroys virtual
// ones (config-linux.md, "Namespace Lifecycle").
//
// Everything that can be checked is checked before the first device moves
// (plan_net_devices without the kernel, check_net_devices on the host
// before clone, the names in the target namespace in move_net_devices):
// a device moved into a namespace that then dies with a failed create
// would come back only if it is physical.  A failure during the moves
// (the kernel refusing one device) moves back those already moved.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "linux/host.hpp"
#include "linux/namespaces.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

struct NetDevicePlan {
    std::string host_name;    // the entry's key
    std::string target_name;  // `name`, or the key; may hold one "%d"
    std::string json_path;    // linux.netDevices["eth0"], for messages
    bool is_template() const { return target_name.find('%') != std::string::npos; }
};

// A name the kernel accepts for a network device (dev_valid_name): 1..15
// bytes, not "." or "..", no '/', ':' or white space.  A template holds
// exactly one "%d" (the kernel numbers it).
bool valid_ifname(std::string_view name, bool allow_template);

// Pure checks: a network namespace of the container's own (created by
// clone, or joined by path), not rootless, valid names, no two entries
// with the same target name.  Empty when netDevices is absent or empty.
oci::Result<std::vector<NetDevicePlan>> plan_net_devices(const oci::Config& c, const NamespacePlan& ns,
                                                         const HostFacts& host);

// Parent, before clone: each host device exists, and a joined network
// namespace is not skiff's own.
oci::Result<void> check_net_devices(const std::vector<NetDevicePlan>& p, const NamespacePlan& ns);

// The fd of the network namespace the devices go to: the joined one's, or
// the init's (/proc/PID/ns/net, created by clone).
oci::Result<UniqueFd> open_target_netns(const NamespacePlan& ns, pid_t init_pid);

// Parent, after clone and before the init runs: move, rename, re-address
// and set up each device.  No target name may exist in the namespace yet
// (templates excepted).
oci::Result<void> move_net_devices(const std::vector<NetDevicePlan>& p, int netns_fd);

}  // namespace skiff::linux
