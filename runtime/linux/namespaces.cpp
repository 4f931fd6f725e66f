#include "linux/namespaces.hpp"
#include "linux/userns_map.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace skiff::linux {

using oci::Error;
using oci::NamespaceType;
using oci::Result;

int clone_flag(NamespaceType t) {
    switch (t) {
        case NamespaceType::Pid: return CLONE_NEWPID;
        case NamespaceType::Network: return CLONE_NEWNET;
        case NamespaceType::Mount: return CLONE_NEWNS;
        case NamespaceType::Ipc: return CLONE_NEWIPC;
        case NamespaceType::Uts: return CLONE_NEWUTS;
        case NamespaceType::User: return CLONE_NEWUSER;
        case NamespaceType::Cgroup: return CLONE_NEWCGROUP;
        case NamespaceType::Time: return CLONE_NEWTIME;
    }
    return 0;
}

namespace {

std::string format_maps(const std::vector<oci::IdMapping>& maps) {
    std::string s;
    for (const auto& m : maps) {
        char line[64];
        std::snprintf(line, sizeof line, "%u %u %u\n", m.containerID, m.hostID, m.size);
        s += line;
    }
    return s;
}

void add_offset(std::string& s, const char* clock, const std::optional<oci::TimeOffset>& o) {
    if (!o) return;
    char line[80];
    std::snprintf(line, sizeof line, "%s %lld %u\n", clock, (long long)o->secs.value_or(0),
                  o->nanosecs.value_or(0));
    s += line;
}

Result<void> write_file(const std::string& path, const std::string& data) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Error::sys("open " + path, errno);
    UniqueFd guard(fd);
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) return Error::sys("write " + path, errno);
    if (size_t(n) != data.size()) return Error::msg("write " + path + ": short write");
    return {};
}

}  // namespace

Result<NamespacePlan> plan_namespaces(const oci::Config& c, const HostFacts& host) {
    NamespacePlan p;
    p.unprivileged_maps = host.unprivileged();
    p.hostname = c.hostname;
    p.domainname = c.domainname;
    bool any_join = false;
    if (c.linux && c.linux->namespaces) {
        const auto& list = *c.linux->namespaces;
        for (size_t i = 0; i < list.size(); ++i) {
            const auto& ns = list[i];
            if (ns.path && !ns.path->empty() && ns.type != NamespaceType::Pid) any_join = true;
        }
        for (size_t i = 0; i < list.size(); ++i) {
            const auto& ns = list[i];
            const int flag = clone_flag(ns.type);
            if (ns.path && !ns.path->empty()) {
                int fd = open(ns.path->c_str(), O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                    return Error::sys("linux.namespaces[" + std::to_string(i) + "].path: open \"" +
                                          *ns.path + "\"",
                                      errno);
                if (ns.type == NamespaceType::Pid) {
                    p.pid_join.reset(fd);
                } else {
                    if (ns.type == NamespaceType::Time) p.joins_time = true;
                    NamespaceJoin j{ns.type, *ns.path, UniqueFd(fd)};
                    if (ns.type == NamespaceType::User)
                        p.joins.insert(p.joins.begin(), std::move(j));
                    else
                        p.joins.push_back(std::move(j));
                }
                continue;
            }
            switch (ns.type) {
                case NamespaceType::User: p.new_user = true; break;
                case NamespaceType::Mount: p.new_mount = true; break;
                case NamespaceType::Pid: p.new_pid = true; break;
                case NamespaceType::Uts: p.new_uts = true; break;
                case NamespaceType::Network: p.new_net = true; break;
                case NamespaceType::Time: p.new_time = true; continue;  // always unshared by the child
                default: break;
            }
            if (ns.type == NamespaceType::Pid || !any_join)
                p.clone_flags |= uint64_t(flag);
            else
                p.unshare_flags |= uint64_t(flag);
        }
    }
    if (c.linux && c.linux->uidMappings) p.uid_map = format_maps(*c.linux->uidMappings);
    if (c.linux && c.linux->gidMappings) p.gid_map = format_maps(*c.linux->gidMappings);
    if (p.new_user && (p.uid_map.empty() || p.gid_map.empty()))
        return Error::msg("linux.uidMappings/gidMappings: a new user namespace needs both mappings");
    if (c.linux && c.linux->timeOffsets) {
        if (!p.new_time)
            return Error::msg("linux.timeOffsets: requires a new time namespace in linux.namespaces");
        add_offset(p.time_offsets, "monotonic", c.linux->timeOffsets->monotonic);
        add_offset(p.time_offsets, "boottime", c.linux->timeOffsets->boottime);
    }
    // An empty name is set only in a UTS namespace of the container's own:
    // in the host's (or a joined one) it would blank that namespace's name.
    if (!p.new_uts) {
        if (p.hostname && p.hostname->empty()) p.hostname.reset();
        if (p.domainname && p.domainname->empty()) p.domainname.reset();
    }
    return p;
}

Result<UniqueFd> enter_pid_namespace(const NamespacePlan& p) {
    if (!p.pid_join) return UniqueFd();
    int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own < 0) return Error::sys("open /proc/self/ns/pid", errno);
    UniqueFd own_fd(own);
    if (setns(p.pid_join.get(), CLONE_NEWPID) < 0) return Error::sys("join pid namespace", errno);
    return own_fd;
}

Result<void> restore_pid_namespace(int own_fd) {
    if (own_fd >= 0 && setns(own_fd, CLONE_NEWPID) < 0)
        return Error::sys("return to skiff's pid namespace", errno);
    return {};
}

Result<void> write_id_maps(pid_t pid, const NamespacePlan& p) {
    // rootless: without CAP_SETUID only the own id or newuidmap's.
    if (p.unprivileged_maps) return write_unprivileged_maps(pid, p.uid_map, p.gid_map);
    const std::string base = "/proc/" + std::to_string(pid);
    TRY(write_file(base + "/uid_map", p.uid_map).wrap("linux.uidMappings"));
    TRY(write_file(base + "/gid_map", p.gid_map).wrap("linux.gidMappings"));
    return {};
}

Result<void> set_uts_names(const NamespacePlan& p) {
    if (p.hostname && sethostname(p.hostname->data(), p.hostname->size()) < 0)
        return Error::sys("sethostname \"" + *p.hostname + "\"", errno);
    if (p.domainname && setdomainname(p.domainname->data(), p.domainname->size()) < 0)
        return Error::sys("setdomainname \"" + *p.domainname + "\"", errno);
    return {};
}

Result<void> join_namespaces(const NamespacePlan& p) {
    for (const auto& j : p.joins)
        if (setns(j.fd.get(), clone_flag(j.type)) < 0)
            return Error::sys("join " + std::string(oci::enum_name(j.type)) + " namespace \"" + j.path + "\"",
                              errno);
    return {};
}

Result<void> unshare_namespaces(const NamespacePlan& p) {
    if (p.unshare_flags && unshare(int(p.unshare_flags)) < 0)
        return Error::sys("unshare namespaces", errno);
    // Here the child holds every capability in the namespace's owner (a
    // new user namespace grants them even before its maps are written).
    if (p.new_net) TRY(bring_up_loopback());
    return {};
}

Result<void> bring_up_loopback() {
    UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return Error::sys("bring up \"lo\": socket", errno);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) return Error::sys("bring up \"lo\": SIOCGIFFLAGS", errno);
    if (ifr.ifr_flags & IFF_UP) return {};
    ifr.ifr_flags = short(ifr.ifr_flags | IFF_UP);
    if (ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0) return Error::sys("bring up \"lo\": SIOCSIFFLAGS", errno);
    return {};
}

Result<void> setup_time_namespace(const NamespacePlan& p) {
    if (!p.new_time) return {};
    if (unshare(CLONE_NEWTIME) < 0) return Error::sys("unshare time namespace", errno);
    if (!p.time_offsets.empty())
        TRY(write_file("/proc/self/timens_offsets", p.time_offsets).wrap("linux.timeOffsets"));
    return {};
}

Result<void> become_userns_root() {
    if (setresgid(0, 0, 0) < 0) return Error::sys("setresgid(0) in the user namespace", errno);
    if (setresuid(0, 0, 0) < 0) return Error::sys("setresuid(0) in the user namespace", errno);
    return {};
}

}  // namespace skiff::linux
