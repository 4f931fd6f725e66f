// The device cgroup on v2: linux.resources.devices (plus the devices runc
// always allows) compiled into a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup.
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "linux/host.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::cgroups {

struct DeviceRule {
    bool allow = false;
    char type = 'a';     // 'a', 'c' or 'b'
    int64_t major = -1;  // -1: any
    int64_t minor = -1;
    unsigned access = 7;  // BPF_DEVCG_ACC_{MKNOD,READ,WRITE} bits
    bool operator==(const DeviceRule&) const = default;
};

// The rules in evaluation order (the last matching rule decides): the
// config's, then runc's default allow list (mknod of any char/block device,
// null, zero, full, random, urandom, tty, console, ptmx, pts/*, net/tun).
// linux.devices nodes are not allowed by being listed: creating a node and
// granting access to it are separate decisions, and access is
// linux.resources.devices' (as runc; a filter that denies all must deny a
// listed /dev/kmsg too).
oci::Result<std::vector<DeviceRule>> device_rules(const std::vector<oci::DeviceCgroup>* rules);

// The program deciding as the rules do: the last matching rule wins, no
// match is denied (a rule matches when its type, major and minor are 'a'/-1
// or the request's and every requested access bit is in its access).  Rules
// that cannot decide anything are left out and the rest share their
// compares (devices_bpf_compile.cpp); the default list is 27 instructions (69 one rule at a time).
std::vector<bpf_insn> compile_device_filter(const std::vector<DeviceRule>& rules);

// Loads the program and attaches it to cgroup_fd (BPF_F_ALLOW_MULTI),
// atomically replacing skiff's previous program when there is one (fresh:
// the cgroup was just made, so there is none to look for).  An
// unprivileged caller (host.unprivileged()) that may not load BPF goes
// without a filter.
oci::Result<void> install_device_filter(int cgroup_fd, const std::vector<bpf_insn>& prog,
                                        const linux::HostFacts& host, bool fresh = false);

}  // namespace skiff::cgroups
