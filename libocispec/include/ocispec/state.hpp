// state.md (the JSON `state` prints and hooks read on stdin) and
// features.md / features-linux.md (the document `features` prints).
#pragma once

#include <cstdint>
#include <string>

#include "ocispec/config.hpp"

namespace oci {

struct State {
    std::string ociVersion;  // required
    std::string id;          // required
    Status status = Status::Creating;  // required
    Opt<int64_t> pid;        // >= 0
    std::string bundle;      // required
    Opt<StringMap> annotations;
    bool operator==(const State&) const = default;
};

struct EnabledFlag {
    Opt<bool> enabled;
    bool operator==(const EnabledFlag&) const = default;
};

struct CgroupFeatures {
    Opt<bool> v1, v2, systemd, systemdUser, rdma;
    bool operator==(const CgroupFeatures&) const = default;
};

struct SeccompFeatures {
    Opt<bool> enabled;
    Opt<std::vector<SeccompAction>> actions;
    Opt<std::vector<SeccompOperator>> operators;
    Opt<std::vector<SeccompArch>> archs;
    Opt<std::vector<SeccompFlag>> knownFlags;
    Opt<std::vector<SeccompFlag>> supportedFlags;
    bool operator==(const SeccompFeatures&) const = default;
};

struct MountExtensions {
    Opt<EnabledFlag> idmap;
    bool operator==(const MountExtensions&) const = default;
};

struct LinuxFeatures {
    Opt<std::vector<NamespaceType>> namespaces;
    Opt<Strings> capabilities;
    Opt<CgroupFeatures> cgroup;
    Opt<SeccompFeatures> seccomp;
    Opt<EnabledFlag> apparmor;
    Opt<EnabledFlag> selinux;
    Opt<EnabledFlag> intelRdt;
    Opt<MountExtensions> mountExtensions;
    Opt<EnabledFlag> netDevices;
    bool operator==(const LinuxFeatures&) const = default;
};

struct Features {
    std::string ociVersionMin;  // required
    std::string ociVersionMax;  // required
    Opt<Strings> hooks;
    Opt<Strings> mountOptions;
    Opt<StringMap> annotations;
    Opt<Strings> potentiallyUnsafeConfigAnnotations;
    Opt<LinuxFeatures> linux;
    bool operator==(const Features&) const = default;
};

}  // namespace oci
