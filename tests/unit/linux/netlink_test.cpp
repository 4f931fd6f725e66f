// The rtnetlink messages skiff builds and the replies it parses, byte by
// byte, without a socket.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cstring>
#include <map>
#include <string>

#include "linux/netlink.hpp"

using namespace skiff::linux;

namespace {

const nlmsghdr* head(const std::vector<char>& b) { return reinterpret_cast<const nlmsghdr*>(b.data()); }

// type -> payload of every attribute after a family header of `hdr` bytes
std::map<int, std::string> attrs(const std::vector<char>& b, size_t hdr) {
    std::map<int, std::string> out;
    size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdr);
    int left = int(head(b)->nlmsg_len - off);
    auto* a = reinterpret_cast<const rtattr*>(b.data() + off);
    for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
        out[a->rta_type] = std::string(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a));
    REQUIRE(left == 0);
    return out;
}

std::string u32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

std::string raw4(const char* text) {
    in_addr a{};
    REQUIRE(inet_pton(AF_INET, text, &a) == 1);
    return std::string(reinterpret_cast<const char*>(&a), 4);
}

// A reply as the kernel would send it: header, family header, attributes.
template <class H>
std::vector<char> reply(uint16_t type, const H& h, const std::vector<std::pair<int, std::string>>& as) {
    nl::Message m(type, 0);
    m.header(h);
    for (const auto& [t, v] : as) m.attr(uint16_t(t), v.data(), v.size());
    return m.bytes();
}

}  // namespace

TEST_CASE("move_link: index, target namespace fd and new name in one RTM_NEWLINK", "[netlink]") {
    nl::Message m = nl::move_link(7, 42, "eth0");
    m.set_seq(9);
    const auto& b = m.bytes();
    const nlmsghdr* h = head(b);
    CHECK(h->nlmsg_len == b.size());
    CHECK(h->nlmsg_type == RTM_NEWLINK);
    CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
    CHECK(h->nlmsg_seq == 9);
    auto* i = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    CHECK(i->ifi_index == 7);
    CHECK(i->ifi_change == 0);  // no flags touched
    auto a = attrs(b, sizeof(ifinfomsg));
    CHECK(a.size() == 2);
    CHECK(a[IFLA_NET_NS_FD] == u32(42));
    CHECK(a[IFLA_IFNAME] == std::string("eth0\0", 5));
}

TEST_CASE("set_link_flags and get_link", "[netlink]") {
    nl::Message up = nl::set_link_flags(3, IFF_UP, IFF_UP);
    auto* i = static_cast<const ifinfomsg*>(NLMSG_DATA(head(up.bytes())));
    CHECK(i->ifi_index == 3);
    CHECK(i->ifi_flags == IFF_UP);
    CHECK(i->ifi_change == IFF_UP);
    CHECK(head(up.bytes())->nlmsg_len == NLMSG_LENGTH(sizeof(ifinfomsg)));

    nl::Message g = nl::get_link("dummy0");
    CHECK(head(g.bytes())->nlmsg_type == RTM_GETLINK);
    CHECK(head(g.bytes())->nlmsg_flags == NLM_F_REQUEST);
    CHECK(attrs(g.bytes(), sizeof(ifinfomsg))[IFLA_IFNAME] == std::string("dummy0\0", 7));
    // every attribute padded: a 5-byte name takes 8 bytes of payload space
    nl::Message five = nl::get_link("abcd");
    CHECK(five.bytes().size() == NLMSG_LENGTH(sizeof(ifinfomsg)) + RTA_SPACE(5));

    nl::Message d = nl::dump_links();
    CHECK(head(d.bytes())->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
}

TEST_CASE("add_address: what a dumped address becomes", "[netlink]") {
    nl::Address a;
    a.family = AF_INET;
    a.prefixlen = 24;
    a.scope = RT_SCOPE_UNIVERSE;
    a.flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE | IFA_F_TENTATIVE;
    a.index = 5;
    a.local = raw4("10.1.2.3");
    a.address = raw4("10.1.2.3");
    a.broadcast = raw4("10.1.2.255");
    nl::Message m = nl::add_address(9, a);
    const nlmsghdr* h = head(m.bytes());
    CHECK(h->nlmsg_type == RTM_NEWADDR);
    CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
    auto* i = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    CHECK(i->ifa_index == 9);  // the device's index in the container, not the host's
    CHECK(i->ifa_prefixlen == 24);
    CHECK(i->ifa_family == AF_INET);
    auto at = attrs(m.bytes(), sizeof(ifaddrmsg));
    CHECK(at[IFA_LOCAL] == raw4("10.1.2.3"));
    CHECK(at[IFA_ADDRESS] == raw4("10.1.2.3"));
    CHECK(at[IFA_BROADCAST] == raw4("10.1.2.255"));
    // configuration flags travel; state (permanent, tentative) is the kernel's
    CHECK(at[IFA_FLAGS] == u32(IFA_F_NOPREFIXROUTE));
    CHECK(a.describe() == "10.1.2.3/24");
}

TEST_CASE("parse_link and parse_address read the kernel's replies", "[netlink]") {
    ifinfomsg li{};
    li.ifi_index = 12;
    li.ifi_flags = IFF_UP | IFF_NOARP;
    auto lb = reply(RTM_NEWLINK, li, {{IFLA_MTU, u32(1500)}, {IFLA_IFNAME, std::string("skfd1\0", 6)}});
    auto l = nl::parse_link(head(lb));
    REQUIRE(l.ok());
    CHECK(l->index == 12);
    CHECK(l->name == "skfd1");
    CHECK(l->flags == (IFF_UP | IFF_NOARP));
    CHECK_FALSE(nl::parse_link(head(reply(RTM_NEWLINK, li, {}))).ok());  // no name

    ifaddrmsg ai{};
    ai.ifa_family = AF_INET6;
    ai.ifa_prefixlen = 64;
    ai.ifa_scope = RT_SCOPE_UNIVERSE;
    ai.ifa_flags = IFA_F_PERMANENT;
    ai.ifa_index = 12;
    std::string v6(16, '\0');
    REQUIRE(inet_pton(AF_INET6, "fd00::5", v6.data()) == 1);
    auto ab = reply(RTM_NEWADDR, ai, {{IFA_ADDRESS, v6}, {IFA_FLAGS, u32(IFA_F_PERMANENT | IFA_F_NODAD)}});
    auto a = nl::parse_address(head(ab));
    REQUIRE(a.ok());
    CHECK(a->index == 12);
    CHECK(a->flags == (IFA_F_PERMANENT | IFA_F_NODAD));  // IFA_FLAGS wins over the 8-bit field
    CHECK(a->local.empty());
    CHECK(a->describe() == "fd00::5/64");
    CHECK(a->kept_on_move());

    CHECK_FALSE(nl::parse_address(head(lb)).ok());  // a link is not an address
    CHECK_FALSE(nl::parse_link(head(ab)).ok());
}

TEST_CASE("Address::kept_on_move: permanent and global only", "[netlink]") {
    nl::Address a;
    a.flags = IFA_F_PERMANENT;
    a.scope = RT_SCOPE_UNIVERSE;
    CHECK(a.kept_on_move());
    a.scope = RT_SCOPE_LINK;  // fe80::, 169.254/16 configured as link scope
    CHECK_FALSE(a.kept_on_move());
    a.scope = RT_SCOPE_HOST;
    CHECK_FALSE(a.kept_on_move());
    a.scope = RT_SCOPE_UNIVERSE;
    a.flags = IFA_F_TEMPORARY;  // SLAAC privacy address, DHCP lease
    CHECK_FALSE(a.kept_on_move());
    a.flags = 0;
    CHECK_FALSE(a.kept_on_move());
}

TEST_CASE("parse_error: acks, errnos and the extended ack text", "[netlink]") {
    nlmsgerr e{};
    e.error = 0;
    nl::Message ack(NLMSG_ERROR, 0);
    ack.header(e);
    auto ok = nl::parse_error(head(ack.bytes()));
    REQUIRE(ok.ok());
    CHECK(*ok == 0);

    e.error = -EEXIST;
    nl::Message ex(NLMSG_ERROR, 0);
    ex.header(e);
    auto r = nl::parse_error(head(ex.bytes()));
    REQUIRE(r.ok());
    CHECK(*r == EEXIST);

    nl::Message short_msg(NLMSG_ERROR, 0);  // no nlmsgerr
    CHECK_FALSE(nl::parse_error(head(short_msg.bytes())).ok());
}

TEST_CASE("for_each_message walks a datagram and spots a broken one", "[netlink]") {
    nl::Message a = nl::get_link("a"), b = nl::dump_links();
    std::vector<char> both(a.bytes());
    both.insert(both.end(), b.bytes().begin(), b.bytes().end());
    int n = 0;
    CHECK(nl::for_each_message(both.data(), both.size(), [&](const nlmsghdr*) { return ++n, true; }));
    CHECK(n == 2);
    n = 0;  // stopping early is not an error
    CHECK(nl::for_each_message(both.data(), both.size(), [&](const nlmsghdr*) { return ++n, false; }));
    CHECK(n == 1);
    // a length beyond the datagram
    CHECK_FALSE(nl::for_each_message(both.data(), both.size() - 3, [&](const nlmsghdr*) { return true; }));
}
