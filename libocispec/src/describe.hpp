// One field list per struct, shared by the reader and the writer, so the JSON
// spelling of every property exists exactly once.  A visitor sees
//   v("name", field)            optional property
//   v.req("name", field)        property the schema lists as required
// and optionally a check run by the reader on the decoded value (schema
// patterns and bounds that the type alone does not express).
#pragma once

#include <optional>
#include <string>

#include "ocispec/config.hpp"
#include "ocispec/state.hpp"

namespace oci::detail {

template <class X>
struct Unwrap {
    using type = X;
};
template <class X>
struct Unwrap<std::optional<X>> {
    using type = X;
};
template <class X> struct IsOpt : std::false_type {};
template <class X> struct IsOpt<std::optional<X>> : std::true_type {};
template <class X> struct IsVec : std::false_type {};
template <class X> struct IsVec<std::vector<X>> : std::true_type {};
template <class X> struct IsMap : std::false_type {};
template <class X> struct IsMap<std::map<std::string, X>> : std::true_type {};

// Returns an empty string when the value is acceptable, else the reason.
template <class X>
using CheckFor = std::string (*)(const typename Unwrap<X>::type&);

// Schema constraints (checks.cpp).
std::string check_page_size(const std::string& s);
std::string check_device_type(const std::string& s);
std::string check_file_mode(const uint32_t& m);
std::string check_rlimit_type(const std::string& s);
std::string check_hook_timeout(const int64_t& t);
std::string check_min_one(const Strings& v);
std::string check_membw_schema(const std::string& s);
std::string check_cpu_affinity(const std::string& s);
std::string check_non_negative(const int64_t& v);
std::string check_cap_names(const Strings& v);

// Marks the types the reader fills as JSON objects through describe().
template <class T>
struct Described : std::false_type {};
#define OCI_DESCRIBED(T) \
    template <>          \
    struct Described<T> : std::true_type {};

template <class V> void describe(V& v, IdMapping& m) {
    v.req("containerID", m.containerID);
    v.req("hostID", m.hostID);
    v.req("size", m.size);
}
template <class V> void describe(V& v, Root& r) {
    v.req("path", r.path);
    v("readonly", r.readonly);
}
template <class V> void describe(V& v, Mount& m) {
    v.req("destination", m.destination);
    v("type", m.type);
    v("source", m.source);
    v("options", m.options);
    v("uidMappings", m.uidMappings);
    v("gidMappings", m.gidMappings);
}
template <class V> void describe(V& v, ConsoleSize& c) {
    v.req("height", c.height);
    v.req("width", c.width);
}
template <class V> void describe(V& v, User& u) {
    v("uid", u.uid);
    v("gid", u.gid);
    v("umask", u.umask);
    v("additionalGids", u.additionalGids);
    v("username", u.username);
}
template <class V> void describe(V& v, Capabilities& c) {
    v("bounding", c.bounding);
    v("effective", c.effective);
    v("inheritable", c.inheritable);
    v("permitted", c.permitted);
    v("ambient", c.ambient);
}
template <class V> void describe(V& v, Rlimit& r) {
    v.req("type", r.type, check_rlimit_type);
    v.req("hard", r.hard);
    v.req("soft", r.soft);
}
template <class V> void describe(V& v, IoPriority& p) {
    v.req("class", p.klass);
    v("priority", p.priority);
}
template <class V> void describe(V& v, Scheduler& s) {
    v.req("policy", s.policy);
    v("nice", s.nice);
    v("priority", s.priority);
    v("flags", s.flags);
    v("runtime", s.runtime);
    v("deadline", s.deadline);
    v("period", s.period);
}
template <class V> void describe(V& v, ExecCpuAffinity& a) {
    v("initial", a.initial, check_cpu_affinity);
    v("final", a.final_, check_cpu_affinity);
}
template <class V> void describe(V& v, Process& p) {
    v("terminal", p.terminal);
    v("consoleSize", p.consoleSize);
    v("user", p.user);
    v("args", p.args);
    v("commandLine", p.commandLine);
    v("env", p.env);
    v.req("cwd", p.cwd);
    v("capabilities", p.capabilities);
    v("rlimits", p.rlimits);
    v("noNewPrivileges", p.noNewPrivileges);
    v("apparmorProfile", p.apparmorProfile);
    v("oomScoreAdj", p.oomScoreAdj);
    v("scheduler", p.scheduler);
    v("selinuxLabel", p.selinuxLabel);
    v("ioPriority", p.ioPriority);
    v("execCPUAffinity", p.execCPUAffinity);
}
template <class V> void describe(V& v, Hook& h) {
    v.req("path", h.path);
    v("args", h.args);
    v("env", h.env);
    v("timeout", h.timeout, check_hook_timeout);
}
template <class V> void describe(V& v, Hooks& h) {
    v("prestart", h.prestart);
    v("createRuntime", h.createRuntime);
    v("createContainer", h.createContainer);
    v("startContainer", h.startContainer);
    v("poststart", h.poststart);
    v("poststop", h.poststop);
}
template <class V> void describe(V& v, Namespace& n) {
    v.req("type", n.type);
    v("path", n.path);
}
template <class V> void describe(V& v, TimeOffset& t) {
    v("secs", t.secs);
    v("nanosecs", t.nanosecs);
}
template <class V> void describe(V& v, TimeOffsets& t) {
    v("boottime", t.boottime);
    v("monotonic", t.monotonic);
}
template <class V> void describe(V& v, Device& d) {
    v.req("path", d.path);
    v.req("type", d.type, check_device_type);
    v("major", d.major);
    v("minor", d.minor);
    v("fileMode", d.fileMode, check_file_mode);
    v("uid", d.uid);
    v("gid", d.gid);
}
template <class V> void describe(V& v, NetDevice& d) { v("name", d.name); }
template <class V> void describe(V& v, DeviceCgroup& d) {
    v.req("allow", d.allow);
    v("type", d.type);
    v("major", d.major);
    v("minor", d.minor);
    v("access", d.access);
}
template <class V> void describe(V& v, MemoryResources& m) {
    v("limit", m.limit);
    v("reservation", m.reservation);
    v("swap", m.swap);
    v("kernel", m.kernel);
    v("kernelTCP", m.kernelTCP);
    v("swappiness", m.swappiness);
    v("disableOOMKiller", m.disableOOMKiller);
    v("useHierarchy", m.useHierarchy);
    v("checkBeforeUpdate", m.checkBeforeUpdate);
}
template <class V> void describe(V& v, CpuResources& c) {
    v("shares", c.shares);
    v("quota", c.quota);
    v("burst", c.burst);
    v("period", c.period);
    v("realtimeRuntime", c.realtimeRuntime);
    v("realtimePeriod", c.realtimePeriod);
    v("cpus", c.cpus);
    v("mems", c.mems);
    v("idle", c.idle);
}
template <class V> void describe(V& v, PidsResources& p) { v.req("limit", p.limit); }
template <class V> void describe(V& v, BlockIODeviceWeight& w) {
    v.req("major", w.major);
    v.req("minor", w.minor);
    v("weight", w.weight);
    v("leafWeight", w.leafWeight);
}
template <class V> void describe(V& v, BlockIODeviceThrottle& t) {
    v.req("major", t.major);
    v.req("minor", t.minor);
    v("rate", t.rate);
}
template <class V> void describe(V& v, BlockIOResources& b) {
    v("weight", b.weight);
    v("leafWeight", b.leafWeight);
    v("weightDevice", b.weightDevice);
    v("throttleReadBpsDevice", b.throttleReadBpsDevice);
    v("throttleWriteBpsDevice", b.throttleWriteBpsDevice);
    v("throttleReadIOPSDevice", b.throttleReadIOPSDevice);
    v("throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
}
template <class V> void describe(V& v, HugepageLimit& h) {
    v.req("pageSize", h.pageSize, check_page_size);
    v.req("limit", h.limit);
}
template <class V> void describe(V& v, InterfacePriority& p) {
    v.req("name", p.name);
    v.req("priority", p.priority);
}
template <class V> void describe(V& v, NetworkResources& n) {
    v("classID", n.classID);
    v("priorities", n.priorities);
}
template <class V> void describe(V& v, RdmaLimit& r) {
    v("hcaHandles", r.hcaHandles);
    v("hcaObjects", r.hcaObjects);
}
template <class V> void describe(V& v, Resources& r) {
    v("devices", r.devices);
    v("memory", r.memory);
    v("cpu", r.cpu);
    v("pids", r.pids);
    v("blockIO", r.blockIO);
    v("hugepageLimits", r.hugepageLimits);
    v("network", r.network);
    v("rdma", r.rdma);
    v("unified", r.unified);
}
template <class V> void describe(V& v, SeccompArg& a) {
    v.req("index", a.index);
    v.req("value", a.value);
    v("valueTwo", a.valueTwo);
    v.req("op", a.op);
}
template <class V> void describe(V& v, SeccompSyscall& s) {
    v.req("names", s.names, check_min_one);
    v.req("action", s.action);
    v("errnoRet", s.errnoRet);
    v("args", s.args);
}
template <class V> void describe(V& v, Seccomp& s) {
    v.req("defaultAction", s.defaultAction);
    v("defaultErrnoRet", s.defaultErrnoRet);
    v("architectures", s.architectures);
    v("flags", s.flags);
    v("listenerPath", s.listenerPath);
    v("listenerMetadata", s.listenerMetadata);
    v("syscalls", s.syscalls);
}
template <class V> void describe(V& v, IntelRdt& r) {
    v("closID", r.closID);
    v("schemata", r.schemata);
    v("l3CacheSchema", r.l3CacheSchema);
    v("memBwSchema", r.memBwSchema, check_membw_schema);
    v("enableMonitoring", r.enableMonitoring);
}
template <class V> void describe(V& v, MemoryPolicy& m) {
    v("mode", m.mode);
    v("nodes", m.nodes);
    v("flags", m.flags);
}
template <class V> void describe(V& v, Personality& p) {
    v("domain", p.domain);
    v("flags", p.flags);
}
template <class V> void describe(V& v, Linux& l) {
    v("namespaces", l.namespaces);
    v("uidMappings", l.uidMappings);
    v("gidMappings", l.gidMappings);
    v("timeOffsets", l.timeOffsets);
    v("devices", l.devices);
    v("netDevices", l.netDevices);
    v("cgroupsPath", l.cgroupsPath);
    v("resources", l.resources);
    v("rootfsPropagation", l.rootfsPropagation);
    v("seccomp", l.seccomp);
    v("sysctl", l.sysctl);
    v("maskedPaths", l.maskedPaths);
    v("readonlyPaths", l.readonlyPaths);
    v("mountLabel", l.mountLabel);
    v("intelRdt", l.intelRdt);
    v("memoryPolicy", l.memoryPolicy);
    v("personality", l.personality);
}
template <class V> void describe(V& v, Config& c) {
    v.req("ociVersion", c.ociVersion);
    v("root", c.root);
    v("mounts", c.mounts);
    v("process", c.process);
    v("hostname", c.hostname);
    v("domainname", c.domainname);
    v("hooks", c.hooks);
    v("annotations", c.annotations);
    v("linux", c.linux);
}

template <class V> void describe(V& v, State& s) {
    v.req("ociVersion", s.ociVersion);
    v.req("id", s.id);
    v.req("status", s.status);
    v("pid", s.pid, check_non_negative);
    v.req("bundle", s.bundle);
    v("annotations", s.annotations);
}
template <class V> void describe(V& v, EnabledFlag& f) { v("enabled", f.enabled); }
template <class V> void describe(V& v, CgroupFeatures& c) {
    v("v1", c.v1);
    v("v2", c.v2);
    v("systemd", c.systemd);
    v("systemdUser", c.systemdUser);
    v("rdma", c.rdma);
}
template <class V> void describe(V& v, SeccompFeatures& s) {
    v("enabled", s.enabled);
    v("actions", s.actions);
    v("operators", s.operators);
    v("archs", s.archs);
    v("knownFlags", s.knownFlags);
    v("supportedFlags", s.supportedFlags);
}
template <class V> void describe(V& v, MountExtensions& m) { v("idmap", m.idmap); }
template <class V> void describe(V& v, LinuxFeatures& l) {
    v("namespaces", l.namespaces);
    v("capabilities", l.capabilities, check_cap_names);
    v("cgroup", l.cgroup);
    v("seccomp", l.seccomp);
    v("apparmor", l.apparmor);
    v("selinux", l.selinux);
    v("intelRdt", l.intelRdt);
    v("mountExtensions", l.mountExtensions);
    v("netDevices", l.netDevices);
}
template <class V> void describe(V& v, Features& f) {
    v.req("ociVersionMin", f.ociVersionMin);
    v.req("ociVersionMax", f.ociVersionMax);
    v("hooks", f.hooks);
    v("mountOptions", f.mountOptions);
    v("annotations", f.annotations);
    v("potentiallyUnsafeConfigAnnotations", f.potentiallyUnsafeConfigAnnotations);
    v("linux", f.linux);
}

OCI_DESCRIBED(IdMapping) OCI_DESCRIBED(Root) OCI_DESCRIBED(Mount) OCI_DESCRIBED(ConsoleSize)
OCI_DESCRIBED(User) OCI_DESCRIBED(Capabilities) OCI_DESCRIBED(Rlimit) OCI_DESCRIBED(IoPriority)
OCI_DESCRIBED(Scheduler) OCI_DESCRIBED(ExecCpuAffinity) OCI_DESCRIBED(Process) OCI_DESCRIBED(Hook)
OCI_DESCRIBED(Hooks) OCI_DESCRIBED(Namespace) OCI_DESCRIBED(TimeOffset) OCI_DESCRIBED(TimeOffsets)
OCI_DESCRIBED(Device) OCI_DESCRIBED(NetDevice) OCI_DESCRIBED(DeviceCgroup)
OCI_DESCRIBED(MemoryResources) OCI_DESCRIBED(CpuResources) OCI_DESCRIBED(PidsResources)
OCI_DESCRIBED(BlockIODeviceWeight) OCI_DESCRIBED(BlockIODeviceThrottle)
OCI_DESCRIBED(BlockIOResources) OCI_DESCRIBED(HugepageLimit) OCI_DESCRIBED(InterfacePriority)
OCI_DESCRIBED(NetworkResources) OCI_DESCRIBED(RdmaLimit) OCI_DESCRIBED(Resources)
OCI_DESCRIBED(SeccompArg) OCI_DESCRIBED(SeccompSyscall) OCI_DESCRIBED(Seccomp)
OCI_DESCRIBED(IntelRdt) OCI_DESCRIBED(MemoryPolicy) OCI_DESCRIBED(Personality) OCI_DESCRIBED(Linux)
OCI_DESCRIBED(Config) OCI_DESCRIBED(State) OCI_DESCRIBED(EnabledFlag) OCI_DESCRIBED(CgroupFeatures)
OCI_DESCRIBED(SeccompFeatures) OCI_DESCRIBED(MountExtensions) OCI_DESCRIBED(LinuxFeatures)
OCI_DESCRIBED(Features)
#undef OCI_DESCRIBED

}  // namespace oci::detail
