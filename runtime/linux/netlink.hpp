// A minimal rtnetlink client (NETLINK_ROUTE): the few link and address
// requests linux.netDevices needs, built and parsed here rather than with
// libnl.  The message building and parsing are pure (unit-tested without
// root); NetlinkSocket does the I/O.  A netlink socket stays bound to the
// network namespace it was created in, whatever its owner does later.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fd.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux::nl {

// One request being built: nlmsghdr, the family header, then attributes,
// each padded to NLA_ALIGNTO; nlmsg_len is kept up to date.
class Message {
  public:
    Message(uint16_t type, uint16_t flags);
    template <class Header>
    void header(const Header& h) { append(&h, sizeof h); }
    void attr(uint16_t type, const void* data, size_t len);
    void attr_u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
    void attr_str(uint16_t type, std::string_view s);  // NUL-terminated
    void set_seq(uint32_t seq);
    const std::vector<char>& bytes() const { return buf_; }

  private:
    void append(const void* data, size_t len);
    std::vector<char> buf_;
};

struct Link {
    int index = 0;
    std::string name;
    unsigned flags = 0;  // IFF_*
};

// One address as RTM_GETADDR reports it, and as much as re-adding it needs.
struct Address {
    uint8_t family = 0;
    uint8_t prefixlen = 0;
    uint8_t scope = 0;
    uint32_t flags = 0;  // IFA_F_*: IFA_FLAGS when present (it has all 32 bits), else ifa_flags
    int index = 0;
    std::string local, address, broadcast;  // raw bytes of IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST

    // What the spec keeps on a moved device: permanent, global scope.
    bool kept_on_move() const;
    std::string describe() const;  // "10.1.2.3/24", "fd00::1/64"
};

// Requests (sequence number set by NetlinkSocket).
Message get_link(std::string_view name);
Message dump_links();
Message dump_addresses(int index);
// Moves the link into the network namespace of netns_fd, renamed to
// new_name in the same step (may hold a "%d" template: the kernel picks
// the number).
Message move_link(int index, int netns_fd, std::string_view new_name);
Message set_link_flags(int index, unsigned flags, unsigned change);
Message add_address(int index, const Address& a);

// Parsers of one reply message (the whole nlmsghdr).  A message of another
// type, or one too short, gives an Error.
oci::Result<Link> parse_link(const nlmsghdr* h);
oci::Result<Address> parse_address(const nlmsghdr* h);
// NLMSG_ERROR: the (positive) errno it carries, 0 for an ack.
oci::Result<int> parse_error(const nlmsghdr* h);

// Walks the messages of one datagram; false when it is malformed.
bool for_each_message(const char* data, size_t len, const auto& fn) {
    auto* h = reinterpret_cast<const nlmsghdr*>(data);
    int left = int(len);
    for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
        if (!fn(h)) return true;
    return left == 0;
}

class NetlinkSocket {
  public:
    // A NETLINK_ROUTE socket in the caller's current network namespace.
    static oci::Result<NetlinkSocket> open();
    // A request acknowledged by NLMSG_ERROR: 0 or the errno as an Error
    // ("what: strerror").
    oci::Result<void> call(Message m, const std::string& what);
    // A dump (NLM_F_DUMP): every reply message, copied.
    oci::Result<std::vector<std::vector<char>>> dump(Message m, const std::string& what);
    // A request answered by one message (RTM_GETLINK by name), or an Error
    // whose err is the kernel's errno (ENODEV for a missing link).
    oci::Result<std::vector<char>> get(Message m, const std::string& what);

  private:
    explicit NetlinkSocket(UniqueFd fd) : fd_(std::move(fd)) {}
    oci::Result<void> send(Message& m, const std::string& what);
    oci::Result<std::vector<char>> recv(const std::string& what);
    // Feeds fn the replies to the last request (by sequence number) until
    // it returns false.
    oci::Result<void> replies(const std::string& what, const std::function<bool(const nlmsghdr*)>& fn);
    UniqueFd fd_;
    uint32_t seq_ = 0;
};

// Convenience on top of the socket.
oci::Result<Link> find_link(NetlinkSocket& s, std::string_view name);  // err ENODEV when absent
oci::Result<std::vector<Link>> list_links(NetlinkSocket& s);
oci::Result<std::vector<Address>> list_addresses(NetlinkSocket& s, int index);

}  // namespace skiff::linux::nl
