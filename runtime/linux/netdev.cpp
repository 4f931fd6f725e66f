#include "linux/netdev.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <map>
#include <set>

#include "common/log.hpp"
#include "linux/netlink.hpp"

namespace skiff::linux {

using oci::Error;
using oci::Result;

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// A netlink socket in another network namespace: the calling thread
// enters it just long enough to create the socket (which stays bound to
// it) and goes back.  Also keeps an fd of the namespace it came from.
struct TargetSocket {
    UniqueFd home;  // the caller's own network namespace
    nl::NetlinkSocket sock;
};

Result<TargetSocket> open_socket_in(int netns_fd) {
    UniqueFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!home) return Error::sys("open /proc/thread-self/ns/net", errno);
    if (setns(netns_fd, CLONE_NEWNET) < 0) return Error::sys("enter the container's network namespace", errno);
    auto s = nl::NetlinkSocket::open();
    if (setns(home.get(), CLONE_NEWNET) < 0)
        return Error::sys("return to skiff's network namespace", errno);
    if (!s) return std::move(s).error().wrap("in the container's network namespace");
    return TargetSocket{std::move(home), std::move(*s)};
}

// What a device was on the host: enough to put it back.
struct HostDevice {
    const NetDevicePlan* plan = nullptr;
    nl::Link link;
    std::vector<nl::Address> kept;  // re-added after the move
};

Result<void> add_addresses(nl::NetlinkSocket& s, int index, const HostDevice& d, const std::string& where) {
    for (const auto& a : d.kept)
        TRY(s.call(nl::add_address(index, a), d.plan->json_path + ": add address " + a.describe() + " " + where));
    return {};
}

// Best effort, in reverse: the devices already moved go back to the host
// under their own names, with their addresses and up state.
void move_back(std::vector<std::pair<const HostDevice*, int>>& moved, TargetSocket& target,
               nl::NetlinkSocket& host) {
    for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
        const HostDevice& d = *it->first;
        const std::string& name = d.link.name;
        auto back = target.sock.call(nl::move_link(it->second, target.home.get(), name),
                                     "move " + quoted(name) + " back to the host");
        if (!back) {
            log::warn(back.error().message);
            continue;
        }
        auto l = nl::find_link(host, name);
        if (!l) {
            log::warn(l.error().message);
            continue;
        }
        if (auto r = add_addresses(host, l->index, d, "on the host"); !r) log::warn(r.error().message);
        if (d.link.flags & IFF_UP)
            if (auto r = host.call(nl::set_link_flags(l->index, IFF_UP, IFF_UP), "set " + quoted(name) + " up");
                !r)
                log::warn(r.error().message);
    }
    moved.clear();
}

// The host's device of an entry; a missing one named as such.
Result<nl::Link> find_host_device(nl::NetlinkSocket& s, const NetDevicePlan& d) {
    auto l = nl::find_link(s, d.host_name);
    if (!l && l.error().err == ENODEV)
        return Error::msg(d.json_path + ": no network device " + quoted(d.host_name) + " on the host");
    return std::move(l).wrap(d.json_path);
}

// The moved device in the target namespace: by name, or (a template) the
// one link that was not there before.
Result<nl::Link> find_moved(nl::NetlinkSocket& s, const NetDevicePlan& p, std::set<int>& known) {
    if (!p.is_template()) return nl::find_link(s, p.target_name).wrap(p.json_path);
    TRY_ASSIGN(std::vector<nl::Link> links, nl::list_links(s).wrap(p.json_path));
    for (const auto& l : links)
        if (!known.count(l.index)) return l;
    return Error::msg(p.json_path + ": the moved device is not in the container's network namespace");
}

}  // namespace

bool valid_ifname(std::string_view name, bool allow_template) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
    int percent = 0;
    for (size_t i = 0; i < name.size(); ++i) {
        const char ch = name[i];
        if (ch == '/' || ch == ':' || std::isspace(static_cast<unsigned char>(ch))) return false;
        if (ch == '%') {
            if (!allow_template || ++percent > 1 || i + 1 >= name.size() || name[i + 1] != 'd') return false;
        }
    }
    return true;
}

Result<std::vector<NetDevicePlan>> plan_net_devices(const oci::Config& c, const NamespacePlan& ns,
                                                    const HostFacts& host) {
    std::vector<NetDevicePlan> out;
    if (!c.linux || !c.linux->netDevices || c.linux->netDevices->empty()) return out;
    if (host.rootless)
        return Error::msg("linux.netDevices: skiff runs rootless and cannot move host network devices "
                          "(that needs CAP_NET_ADMIN in the host's network namespace)");
    const oci::Namespace* net = oci::find_namespace(c, oci::NamespaceType::Network);
    if (!net)
        return Error::msg("linux.netDevices: needs a network namespace of the container's own "
                          "(a \"network\" entry in linux.namespaces); the container shares skiff's");
    const bool joined = net->path && !net->path->empty();
    if (!joined && !(ns.clone_flags & CLONE_NEWNET))
        return Error::msg("linux.netDevices: not supported when the new network namespace is unshared after "
                          "joining another namespace by path; join a network namespace by path instead");
    std::map<std::string, std::string> targets;  // target name -> json path
    for (const auto& [key, dev] : *c.linux->netDevices) {
        NetDevicePlan p;
        p.host_name = key;
        p.json_path = "linux.netDevices[\"" + key + "\"]";
        if (!valid_ifname(key, false))
            return Error::msg(p.json_path + ": " + quoted(key) + " is not a valid network device name");
        p.target_name = dev.name && !dev.name->empty() ? *dev.name : key;
        if (dev.name && !valid_ifname(*dev.name, true))
            return Error::msg(p.json_path + ".name: " + quoted(*dev.name) +
                              " is not a valid network device name (1-15 bytes, no '/', ':' or space; "
                              "at most one \"%d\")");
        if (!p.is_template()) {
            auto [it, fresh] = targets.emplace(p.target_name, p.json_path);
            if (!fresh)
                return Error::msg(p.json_path + ": the name " + quoted(p.target_name) + " is also that of " +
                                  it->second + " in the container");
        }
        out.push_back(std::move(p));
    }
    return out;
}

Result<void> check_net_devices(const std::vector<NetDevicePlan>& p, const NamespacePlan& ns) {
    if (p.empty()) return {};
    for (const auto& j : ns.joins) {
        if (j.type != oci::NamespaceType::Network) continue;
        struct stat own{}, joined{};
        if (stat("/proc/self/ns/net", &own) < 0) return Error::sys("stat /proc/self/ns/net", errno);
        if (fstat(j.fd.get(), &joined) < 0) return Error::sys("stat " + quoted(j.path), errno);
        if (own.st_dev == joined.st_dev && own.st_ino == joined.st_ino)
            return Error::msg("linux.netDevices: the network namespace " + quoted(j.path) +
                              " is skiff's own: the devices would not leave it");
    }
    TRY_ASSIGN(nl::NetlinkSocket s, nl::NetlinkSocket::open());
    for (const auto& d : p) TRY(find_host_device(s, d));
    return {};
}

Result<UniqueFd> open_target_netns(const NamespacePlan& ns, pid_t init_pid) {
    for (const auto& j : ns.joins) {
        if (j.type != oci::NamespaceType::Network) continue;
        UniqueFd fd(fcntl(j.fd.get(), F_DUPFD_CLOEXEC, 0));
        if (!fd) return Error::sys("dup the network namespace fd", errno);
        return fd;
    }
    const std::string path = "/proc/" + std::to_string(init_pid) + "/ns/net";
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open " + path, errno);
    return fd;
}

Result<void> move_net_devices(const std::vector<NetDevicePlan>& p, int netns_fd) {
    if (p.empty()) return {};
    TRY_ASSIGN(nl::NetlinkSocket host, nl::NetlinkSocket::open());
    // Everything read and checked first.
    std::vector<HostDevice> devs;
    for (const auto& d : p) {
        HostDevice h;
        h.plan = &d;
        TRY_ASSIGN(h.link, find_host_device(host, d));
        TRY_ASSIGN(std::vector<nl::Address> all, nl::list_addresses(host, h.link.index).wrap(d.json_path));
        for (auto& a : all)
            if (a.kept_on_move()) h.kept.push_back(std::move(a));
        devs.push_back(std::move(h));
    }
    TRY_ASSIGN(TargetSocket target, open_socket_in(netns_fd));
    TRY_ASSIGN(std::vector<nl::Link> present, nl::list_links(target.sock).wrap("linux.netDevices"));
    std::set<int> known;
    for (const auto& l : present) {
        known.insert(l.index);
        for (const auto& d : p)
            if (!d.is_template() && d.target_name == l.name)
                return Error::msg(d.json_path + ": a network device named " + quoted(l.name) +
                                  " already exists in the container's network namespace");
    }

    std::vector<std::pair<const HostDevice*, int>> moved;  // and its index in the container
    auto fail = [&](Error e) {
        move_back(moved, target, host);
        return e;
    };
    for (const auto& h : devs) {
        const NetDevicePlan& d = *h.plan;
        auto mv = host.call(nl::move_link(h.link.index, netns_fd, d.target_name),
                            d.json_path + ": move " + quoted(d.host_name) + " into the container's network namespace" +
                                (d.target_name != d.host_name ? " as " + quoted(d.target_name) : ""));
        if (!mv) return fail(std::move(mv).error());
        auto l = find_moved(target.sock, d, known);
        if (!l) return fail(std::move(l).error());
        known.insert(l->index);
        moved.emplace_back(&h, l->index);
        if (auto r = add_addresses(target.sock, l->index, h, "in the container"); !r) return fail(std::move(r).error());
        if (auto r = target.sock.call(nl::set_link_flags(l->index, IFF_UP, IFF_UP),
                                      d.json_path + ": set " + quoted(l->name) + " up");
            !r)
            return fail(std::move(r).error());
        log::debug("linux.netDevices: " + quoted(d.host_name) + " is " + quoted(l->name) + " in the container");
    }
    return {};
}

}  // namespace skiff::linux
