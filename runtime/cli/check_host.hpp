// Host probing for `check` and `features`: what this kernel and machine
// offer a container, found without changing anything (no process, mount or
// cgroup is created by any probe).  `check` also judges a bundle against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "linux/host.hpp"
#include "ocispec/config.hpp"

namespace skiff::cli {

using linux::CgroupLayout;
using linux::detect_cgroup_layout;

struct IdRange {
    uint32_t start = 0, count = 0;
};

struct HostProbe {
    CgroupLayout layout = CgroupLayout::Legacy;
    std::string cgroup2_path;              // the v2 hierarchy, "" when there is none
    std::vector<std::string> controllers;  // its cgroup.controllers
    int kernel_major = 0, kernel_minor = 0;
    long max_user_namespaces = 0;
    std::vector<IdRange> subuid, subgid;   // for the effective user's name
    bool seccomp = false, seccomp_notify = false;
    std::vector<oci::SeccompFlag> seccomp_flags;  // flags this kernel accepts
    bool pidfd = false, clone3 = false, openat2 = false;
    bool cap_sys_resource = false;
    std::vector<std::string> lsms;         // /sys/kernel/security/lsm
    bool apparmor = false, selinux = false;

    bool kernel_at_least(int major, int minor) const {
        return kernel_major > major || (kernel_major == major && kernel_minor >= minor);
    }
    bool has_controller(const std::string& c) const;
};

HostProbe probe_host();

enum class Verdict { Ok, Warn, Fail };

struct CheckItem {
    std::string name;    // "cgroup layout", "process.rlimits[0]"
    Verdict verdict = Verdict::Ok;
    std::string detail;
};

std::vector<CheckItem> host_checks(const HostProbe& h);
// Loads and validates <bundle>/config.json, then judges each field against h.
std::vector<CheckItem> bundle_checks(const std::string& bundle, const HostProbe& h);

}  // namespace skiff::cli
