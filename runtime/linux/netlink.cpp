#include "linux/netlink.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <optional>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace skiff::linux::nl {

using oci::Error;
using oci::Result;

namespace {

nlmsghdr* hdr(std::vector<char>& b) { return reinterpret_cast<nlmsghdr*>(b.data()); }

std::string_view attr_bytes(const rtattr* a) {
    return {static_cast<const char*>(RTA_DATA(a)), size_t(RTA_PAYLOAD(a))};
}

// The IFA_F_* flags that describe how an address was configured (and
// that RTM_NEWADDR accepts back); the rest is state the kernel keeps.
constexpr uint32_t kConfigFlags =
    IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE | IFA_F_MANAGETEMPADDR | IFA_F_MCAUTOJOIN;

struct KernelError {
    int err = 0;
    std::string text;  // the extended ack's message, if any
};

// NLMSG_ERROR with the extended ack (NETLINK_EXT_ACK, NETLINK_CAP_ACK: no
// copy of the request, the attributes right after nlmsgerr).
Result<KernelError> parse_kernel_error(const nlmsghdr* h) {
    if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
        return Error::msg("netlink: malformed error message");
    auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    KernelError k{-e->error, {}};
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return k;
    size_t off = NLMSG_LENGTH(sizeof(nlmsgerr));
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
    if (off > h->nlmsg_len) return k;
    int left = int(h->nlmsg_len - off);
    auto* a = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(h) + off);
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        if (a->rta_type != NLMSGERR_ATTR_MSG) continue;
        std::string_view s = attr_bytes(a);
        k.text.assign(s.data(), strnlen(s.data(), s.size()));
    }
    return k;
}

Error kernel_error(const std::string& what, const KernelError& k) {
    Error e = Error::sys(what, k.err);
    if (!k.text.empty()) e.message += " (" + k.text + ")";
    return e;
}

std::string ip_text(uint8_t family, const std::string& raw) {
    char buf[INET6_ADDRSTRLEN] = {};
    const bool v4 = family == AF_INET && raw.size() == 4, v6 = family == AF_INET6 && raw.size() == 16;
    if ((!v4 && !v6) || !inet_ntop(family, raw.data(), buf, sizeof buf)) return "?";
    return buf;
}

}  // namespace

Message::Message(uint16_t type, uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_len = NLMSG_HDRLEN;
    h.nlmsg_type = type;
    h.nlmsg_flags = uint16_t(flags | NLM_F_REQUEST);
    buf_.resize(NLMSG_HDRLEN);
    std::memcpy(buf_.data(), &h, sizeof h);
}

void Message::append(const void* data, size_t len) {
    const size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(len));
    std::memcpy(buf_.data() + at, data, len);
    hdr(buf_)->nlmsg_len = uint32_t(buf_.size());
}

void Message::attr(uint16_t type, const void* data, size_t len) {
    rtattr a{};
    a.rta_len = uint16_t(RTA_LENGTH(len));
    a.rta_type = type;
    const size_t at = buf_.size();
    buf_.resize(at + RTA_SPACE(len));
    std::memcpy(buf_.data() + at, &a, sizeof a);
    if (len) std::memcpy(buf_.data() + at + RTA_LENGTH(0), data, len);
    hdr(buf_)->nlmsg_len = uint32_t(buf_.size());
}

void Message::attr_str(uint16_t type, std::string_view s) {
    std::string z(s);
    attr(type, z.c_str(), z.size() + 1);
}

void Message::set_seq(uint32_t seq) { hdr(buf_)->nlmsg_seq = seq; }

bool Address::kept_on_move() const { return (flags & IFA_F_PERMANENT) && scope == RT_SCOPE_UNIVERSE; }

std::string Address::describe() const {
    return ip_text(family, local.empty() ? address : local) + "/" + std::to_string(prefixlen);
}

Message get_link(std::string_view name) {
    Message m(RTM_GETLINK, 0);
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    m.header(i);
    m.attr_str(IFLA_IFNAME, name);
    return m;
}

Message dump_links() {
    Message m(RTM_GETLINK, NLM_F_DUMP);
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    m.header(i);
    return m;
}

Message dump_addresses(int index) {
    Message m(RTM_GETADDR, NLM_F_DUMP);
    ifaddrmsg a{};
    a.ifa_family = AF_UNSPEC;
    a.ifa_index = uint32_t(index);  // a hint only: replies are filtered by the reader
    m.header(a);
    return m;
}

Message move_link(int index, int netns_fd, std::string_view new_name) {
    Message m(RTM_NEWLINK, NLM_F_ACK);
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    i.ifi_index = index;
    m.header(i);
    m.attr_u32(IFLA_NET_NS_FD, uint32_t(netns_fd));
    m.attr_str(IFLA_IFNAME, new_name);
    return m;
}

Message set_link_flags(int index, unsigned flags, unsigned change) {
    Message m(RTM_NEWLINK, NLM_F_ACK);
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    i.ifi_index = index;
    i.ifi_flags = flags;
    i.ifi_change = change;
    m.header(i);
    return m;
}

Message add_address(int index, const Address& a) {
    Message m(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    ifaddrmsg h{};
    h.ifa_family = a.family;
    h.ifa_prefixlen = a.prefixlen;
    h.ifa_flags = uint8_t(a.flags & kConfigFlags & 0xff);
    h.ifa_scope = a.scope;
    h.ifa_index = uint32_t(index);
    m.header(h);
    if (!a.local.empty()) m.attr(IFA_LOCAL, a.local.data(), a.local.size());
    if (!a.address.empty()) m.attr(IFA_ADDRESS, a.address.data(), a.address.size());
    if (!a.broadcast.empty()) m.attr(IFA_BROADCAST, a.broadcast.data(), a.broadcast.size());
    m.attr_u32(IFA_FLAGS, a.flags & kConfigFlags);
    return m;
}

Result<Link> parse_link(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg)))
        return Error::msg("netlink: not a link message (type " + std::to_string(h->nlmsg_type) + ")");
    auto* i = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    Link l;
    l.index = i->ifi_index;
    l.flags = i->ifi_flags;
    int left = int(IFLA_PAYLOAD(h));
    for (auto* a = IFLA_RTA(i); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        if (a->rta_type != IFLA_IFNAME) continue;
        std::string_view s = attr_bytes(a);
        l.name.assign(s.data(), strnlen(s.data(), s.size()));
    }
    if (l.name.empty()) return Error::msg("netlink: link " + std::to_string(l.index) + " without a name");
    return l;
}

Result<Address> parse_address(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg)))
        return Error::msg("netlink: not an address message (type " + std::to_string(h->nlmsg_type) + ")");
    auto* i = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    Address r;
    r.family = i->ifa_family;
    r.prefixlen = i->ifa_prefixlen;
    r.scope = i->ifa_scope;
    r.flags = i->ifa_flags;
    r.index = int(i->ifa_index);
    int left = int(IFA_PAYLOAD(h));
    for (auto* a = IFA_RTA(i); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        std::string_view s = attr_bytes(a);
        switch (a->rta_type) {
            case IFA_LOCAL: r.local = s; break;
            case IFA_ADDRESS: r.address = s; break;
            case IFA_BROADCAST: r.broadcast = s; break;
            case IFA_FLAGS:
                if (s.size() == sizeof(uint32_t)) std::memcpy(&r.flags, s.data(), sizeof r.flags);
                break;
            default: break;
        }
    }
    return r;
}

Result<int> parse_error(const nlmsghdr* h) {
    TRY_ASSIGN(KernelError k, parse_kernel_error(h));
    return k.err;
}

// --- the socket ---

Result<NetlinkSocket> NetlinkSocket::open() {
    UniqueFd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return Error::sys("netlink socket", errno);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return Error::sys("bind netlink socket", errno);
    // The kernel's reason in the error (best effort: older kernels lack it).
    int one = 1;
    (void)setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void)setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return NetlinkSocket(std::move(fd));
}

Result<void> NetlinkSocket::send(Message& m, const std::string& what) {
    m.set_seq(++seq_);
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    const auto& b = m.bytes();
    if (sendto(fd_.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        return Error::sys(what + ": netlink send", errno);
    return {};
}

Result<std::vector<char>> NetlinkSocket::recv(const std::string& what) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
        sockaddr_nl from{};
        iovec iov{buf.data(), buf.size()};
        msghdr mh{};
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = recvmsg(fd_.get(), &mh, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys(what + ": netlink receive", errno);
        if (mh.msg_flags & MSG_TRUNC) return Error::msg(what + ": netlink reply truncated");
        if (from.nl_pid != 0) continue;  // not from the kernel
        buf.resize(size_t(n));
        return buf;
    }
}

Result<void> NetlinkSocket::replies(const std::string& what, const std::function<bool(const nlmsghdr*)>& fn) {
    for (;;) {
        TRY_ASSIGN(std::vector<char> d, recv(what));
        bool more = true;
        const bool ok = for_each_message(d.data(), d.size(), [&](const nlmsghdr* h) {
            return h->nlmsg_seq != seq_ || (more = fn(h));
        });
        if (!ok) return Error::msg(what + ": malformed netlink reply");
        if (!more) return {};
    }
}

Result<void> NetlinkSocket::call(Message m, const std::string& what) {
    TRY(send(m, what));
    Result<void> out;
    TRY(replies(what, [&](const nlmsghdr* h) {
        if (h->nlmsg_type != NLMSG_ERROR) return true;
        auto k = parse_kernel_error(h);
        if (!k) out = std::move(k).error().wrap(what);
        else if (k->err) out = kernel_error(what, *k);
        return false;
    }));
    return out;
}

Result<std::vector<std::vector<char>>> NetlinkSocket::dump(Message m, const std::string& what) {
    TRY(send(m, what));
    std::vector<std::vector<char>> out;
    std::optional<Error> err;
    TRY(replies(what, [&](const nlmsghdr* h) {
        if (h->nlmsg_type == NLMSG_DONE) return false;
        if (h->nlmsg_type == NLMSG_ERROR) {
            auto k = parse_kernel_error(h);
            err = k ? kernel_error(what, *k) : std::move(k).error().wrap(what);
            return false;
        }
        auto* p = reinterpret_cast<const char*>(h);
        out.emplace_back(p, p + h->nlmsg_len);
        return true;
    }));
    if (err) return std::move(*err);
    return out;
}

Result<std::vector<char>> NetlinkSocket::get(Message m, const std::string& what) {
    TRY(send(m, what));
    std::optional<Result<std::vector<char>>> out;
    TRY(replies(what, [&](const nlmsghdr* h) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            auto k = parse_kernel_error(h);
            if (!k) out = std::move(k).error().wrap(what);
            else out = kernel_error(what, k->err ? *k : KernelError{EPROTO, "ack without a reply"});
        } else {
            auto* p = reinterpret_cast<const char*>(h);
            out = std::vector<char>(p, p + h->nlmsg_len);
        }
        return false;
    }));
    return std::move(*out);
}

Result<Link> find_link(NetlinkSocket& s, std::string_view name) {
    TRY_ASSIGN(std::vector<char> m, s.get(get_link(name), "find link \"" + std::string(name) + "\""));
    return parse_link(reinterpret_cast<const nlmsghdr*>(m.data()));
}

Result<std::vector<Link>> list_links(NetlinkSocket& s) {
    TRY_ASSIGN(auto msgs, s.dump(dump_links(), "list links"));
    std::vector<Link> out;
    for (const auto& m : msgs) {
        TRY_ASSIGN(Link l, parse_link(reinterpret_cast<const nlmsghdr*>(m.data())));
        out.push_back(std::move(l));
    }
    return out;
}

Result<std::vector<Address>> list_addresses(NetlinkSocket& s, int index) {
    TRY_ASSIGN(auto msgs, s.dump(dump_addresses(index), "list addresses"));
    std::vector<Address> out;
    for (const auto& m : msgs) {
        TRY_ASSIGN(Address a, parse_address(reinterpret_cast<const nlmsghdr*>(m.data())));
        if (a.index == index) out.push_back(std::move(a));
    }
    return out;
}

}  // namespace skiff::linux::nl
