// The OCI runtime-spec v1.3.0 container configuration (config.md,
// config-linux.md) as plain typed structs.  An absent optional property is
// std::nullopt, so a document round-trips exactly.  Knows nothing about Linux
// system calls: the runtime maps these values onto the kernel.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ocispec/enums.hpp"

namespace oci {

template <class T>
using Opt = std::optional<T>;
using Strings = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;

struct IdMapping {
    uint32_t containerID = 0;  // required
    uint32_t hostID = 0;       // required
    uint32_t size = 0;         // required
    bool operator==(const IdMapping&) const = default;
};

struct Root {
    std::string path;  // required
    Opt<bool> readonly;
    bool operator==(const Root&) const = default;
};

struct Mount {
    std::string destination;  // required
    Opt<std::string> source;
    Opt<std::string> type;
    Opt<Strings> options;
    Opt<std::vector<IdMapping>> uidMappings;
    Opt<std::vector<IdMapping>> gidMappings;
    bool operator==(const Mount&) const = default;
};

struct ConsoleSize {
    uint64_t height = 0;  // required
    uint64_t width = 0;   // required
    bool operator==(const ConsoleSize&) const = default;
};

struct User {
    Opt<uint32_t> uid;
    Opt<uint32_t> gid;
    Opt<uint32_t> umask;
    Opt<std::vector<uint32_t>> additionalGids;
    Opt<std::string> username;
    bool operator==(const User&) const = default;
};

struct Capabilities {
    Opt<Strings> bounding, permitted, effective, inheritable, ambient;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // required, "RLIMIT_[A-Z]+"; validated against the known set
    uint64_t soft = 0; // required
    uint64_t hard = 0; // required
    bool operator==(const Rlimit&) const = default;
};

struct IoPriority {
    IoPrioClass klass = IoPrioClass::Be;  // JSON "class", required
    Opt<int32_t> priority;
    bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
    SchedPolicy policy = SchedPolicy::Other;  // required
    Opt<int32_t> nice;
    Opt<int32_t> priority;
    Opt<std::vector<SchedFlag>> flags;
    Opt<uint64_t> runtime, deadline, period;
    bool operator==(const Scheduler&) const = default;
};

struct ExecCpuAffinity {
    Opt<std::string> initial;  // cpu list "0-3,7"
    Opt<std::string> final_;   // JSON "final"
    bool operator==(const ExecCpuAffinity&) const = default;
};

struct Process {
    Opt<bool> terminal;
    Opt<ConsoleSize> consoleSize;
    std::string cwd;  // required
    Opt<Strings> env;
    Opt<Strings> args;          // required on Linux when process is present
    Opt<std::string> commandLine;  // Windows only; carried, unused
    Opt<User> user;
    Opt<Capabilities> capabilities;
    Opt<std::vector<Rlimit>> rlimits;
    Opt<bool> noNewPrivileges;
    Opt<std::string> apparmorProfile;
    Opt<int64_t> oomScoreAdj;  // schema: integer; runtime checks -1000..1000
    Opt<Scheduler> scheduler;
    Opt<std::string> selinuxLabel;
    Opt<IoPriority> ioPriority;
    Opt<ExecCpuAffinity> execCPUAffinity;
    bool operator==(const Process&) const = default;
};

struct Hook {
    std::string path;  // required, absolute
    Opt<Strings> args;
    Opt<Strings> env;
    Opt<int64_t> timeout;  // seconds, >= 1
    bool operator==(const Hook&) const = default;
};

struct Hooks {
    Opt<std::vector<Hook>> prestart;  // deprecated, still run (as runc)
    Opt<std::vector<Hook>> createRuntime;
    Opt<std::vector<Hook>> createContainer;
    Opt<std::vector<Hook>> startContainer;
    Opt<std::vector<Hook>> poststart;
    Opt<std::vector<Hook>> poststop;
    bool operator==(const Hooks&) const = default;
};

// ---- linux ----------------------------------------------------------------

struct Namespace {
    NamespaceType type = NamespaceType::Mount;  // required
    Opt<std::string> path;                      // join instead of create
    bool operator==(const Namespace&) const = default;
};

struct TimeOffset {
    Opt<int64_t> secs;
    Opt<uint32_t> nanosecs;
    bool operator==(const TimeOffset&) const = default;
};

struct TimeOffsets {
    Opt<TimeOffset> boottime;
    Opt<TimeOffset> monotonic;
    bool operator==(const TimeOffsets&) const = default;
};

struct Device {
    std::string type;  // required: "c", "b", "u" or "p"
    std::string path;  // required, absolute
    Opt<int64_t> major, minor;
    Opt<uint32_t> fileMode;  // 0..0777
    Opt<uint32_t> uid, gid;
    bool operator==(const Device&) const = default;
};

struct NetDevice {
    Opt<std::string> name;
    bool operator==(const NetDevice&) const = default;
};

struct DeviceCgroup {
    bool allow = false;  // required
    Opt<std::string> type;  // "a", "c", "b"
    Opt<int64_t> major, minor;
    Opt<std::string> access;  // subset of "rwm"
    bool operator==(const DeviceCgroup&) const = default;
};

struct MemoryResources {
    Opt<int64_t> limit, reservation, swap, kernel, kernelTCP;
    Opt<uint64_t> swappiness;
    Opt<bool> disableOOMKiller, useHierarchy, checkBeforeUpdate;
    bool operator==(const MemoryResources&) const = default;
};

struct CpuResources {
    Opt<uint64_t> shares;
    Opt<int64_t> quota;
    Opt<uint64_t> burst;
    Opt<uint64_t> period;
    Opt<int64_t> realtimeRuntime;
    Opt<uint64_t> realtimePeriod;
    Opt<std::string> cpus, mems;
    Opt<int64_t> idle;
    bool operator==(const CpuResources&) const = default;
};

struct PidsResources {
    int64_t limit = 0;  // required
    bool operator==(const PidsResources&) const = default;
};

struct BlockIODeviceWeight {
    int64_t major = 0, minor = 0;  // required
    Opt<uint16_t> weight, leafWeight;
    bool operator==(const BlockIODeviceWeight&) const = default;
};

struct BlockIODeviceThrottle {
    int64_t major = 0, minor = 0;  // required
    Opt<uint64_t> rate;
    bool operator==(const BlockIODeviceThrottle&) const = default;
};

struct BlockIOResources {
    Opt<uint16_t> weight, leafWeight;
    Opt<std::vector<BlockIODeviceWeight>> weightDevice;
    Opt<std::vector<BlockIODeviceThrottle>> throttleReadBpsDevice, throttleWriteBpsDevice,
        throttleReadIOPSDevice, throttleWriteIOPSDevice;
    bool operator==(const BlockIOResources&) const = default;
};

struct HugepageLimit {
    std::string pageSize;  // required, "^[1-9][0-9]*[KMG]B$"
    uint64_t limit = 0;    // required
    bool operator==(const HugepageLimit&) const = default;
};

struct InterfacePriority {
    std::string name;       // required
    uint32_t priority = 0;  // required
    bool operator==(const InterfacePriority&) const = default;
};

struct NetworkResources {
    Opt<uint32_t> classID;
    Opt<std::vector<InterfacePriority>> priorities;
    bool operator==(const NetworkResources&) const = default;
};

struct RdmaLimit {
    Opt<uint32_t> hcaHandles, hcaObjects;
    bool operator==(const RdmaLimit&) const = default;
};

struct Resources {
    Opt<std::vector<DeviceCgroup>> devices;
    Opt<MemoryResources> memory;
    Opt<CpuResources> cpu;
    Opt<PidsResources> pids;
    Opt<BlockIOResources> blockIO;
    Opt<std::vector<HugepageLimit>> hugepageLimits;
    Opt<NetworkResources> network;
    Opt<std::map<std::string, RdmaLimit>> rdma;
    Opt<StringMap> unified;
    bool operator==(const Resources&) const = default;
};

struct SeccompArg {
    uint32_t index = 0;  // required
    uint64_t value = 0;  // required
    Opt<uint64_t> valueTwo;
    SeccompOperator op = SeccompOperator::Equal;  // required
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    Strings names;  // required, at least one
    SeccompAction action = SeccompAction::Allow;  // required
    Opt<uint32_t> errnoRet;
    Opt<std::vector<SeccompArg>> args;
    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    SeccompAction defaultAction = SeccompAction::Allow;  // required
    Opt<uint32_t> defaultErrnoRet;
    Opt<std::vector<SeccompArch>> architectures;
    Opt<std::vector<SeccompFlag>> flags;
    Opt<std::string> listenerPath;
    Opt<std::string> listenerMetadata;
    Opt<std::vector<SeccompSyscall>> syscalls;
    bool operator==(const Seccomp&) const = default;
};

struct IntelRdt {
    Opt<std::string> closID;
    Opt<Strings> schemata;
    Opt<std::string> l3CacheSchema;
    Opt<std::string> memBwSchema;
    Opt<bool> enableMonitoring;
    bool operator==(const IntelRdt&) const = default;
};

struct MemoryPolicy {
    Opt<MemoryPolicyMode> mode;
    Opt<std::string> nodes;
    Opt<std::vector<MemoryPolicyFlag>> flags;
    bool operator==(const MemoryPolicy&) const = default;
};

struct Personality {
    Opt<PersonalityDomain> domain;
    Opt<Strings> flags;
    bool operator==(const Personality&) const = default;
};

struct Linux {
    Opt<std::vector<Namespace>> namespaces;
    Opt<std::vector<IdMapping>> uidMappings;
    Opt<std::vector<IdMapping>> gidMappings;
    Opt<TimeOffsets> timeOffsets;
    Opt<std::vector<Device>> devices;
    Opt<std::map<std::string, NetDevice>> netDevices;
    Opt<std::string> cgroupsPath;
    Opt<Resources> resources;
    Opt<RootfsPropagation> rootfsPropagation;
    Opt<Seccomp> seccomp;
    Opt<StringMap> sysctl;
    Opt<Strings> maskedPaths;
    Opt<Strings> readonlyPaths;
    Opt<std::string> mountLabel;
    Opt<IntelRdt> intelRdt;
    Opt<MemoryPolicy> memoryPolicy;
    Opt<Personality> personality;
    bool operator==(const Linux&) const = default;
};

struct Config {
    std::string ociVersion;  // required
    Opt<Root> root;          // required on Linux (validation)
    Opt<std::vector<Mount>> mounts;
    Opt<Process> process;
    Opt<std::string> hostname;
    Opt<std::string> domainname;
    Opt<Hooks> hooks;
    Opt<StringMap> annotations;
    Opt<Linux> linux;
    bool operator==(const Config&) const = default;
};

// Helpers the runtime uses often.
inline const Namespace* find_namespace(const Config& c, NamespaceType t) {
    if (!c.linux || !c.linux->namespaces) return nullptr;
    for (const auto& n : *c.linux->namespaces)
        if (n.type == t) return &n;
    return nullptr;
}

}  // namespace oci
