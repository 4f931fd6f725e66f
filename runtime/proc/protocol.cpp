#include "proc/protocol.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

namespace skiff::proc {

using oci::Error;
using oci::Result;

namespace {

struct Header {
    uint32_t type;
    int32_t err;     // Fail: errno
    int32_t pid;     // Forked
    uint32_t first;  // HooksDone: the length of the first document
};

constexpr uint32_t kLastMsg = uint32_t(Msg::Begin);

Result<void> send_iov(int sock, Msg type, iovec* iov, int n, int fd) {
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += iov[i].iov_len;
    if (total > kMaxPacket)
        return Error::msg(std::string("send ") + msg_name(type) + ": " + std::to_string(total) +
                          " bytes, more than the protocol's " + std::to_string(kMaxPacket));
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = size_t(n);
    OneFdControl control;
    if (fd >= 0) control.attach(mh, fd);
    for (;;) {
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return Error::sys(std::string("send ") + msg_name(type), errno);
    }
}

Result<void> send_packet(int sock, const Header& h, std::string_view a, std::string_view b = {}, int fd = -1) {
    const Msg type = Msg(h.type);
    if ((fd >= 0) != carries_fd(type))
        return Error::msg(std::string("send ") + msg_name(type) + (fd >= 0 ? ": carries no fd" : ": needs an fd"));
    iovec iov[3] = {{const_cast<Header*>(&h), sizeof h},
                    {const_cast<char*>(a.data()), a.size()},
                    {const_cast<char*>(b.data()), b.size()}};
    return send_iov(sock, type, iov, 3, fd);
}

Error malformed(const std::string& why) { return Error::msg("receive from the child: " + why); }

}  // namespace

const char* msg_name(Msg m) {
    switch (m) {
        case Msg::MapRequest: return "map-request";
        case Msg::MapsWritten: return "maps-written";
        case Msg::HookRequest: return "hook-request";
        case Msg::HooksDone: return "hooks-done";
        case Msg::ConsoleMaster: return "console-master";
        case Msg::SeccompListener: return "seccomp-listener";
        case Msg::Ready: return "ready";
        case Msg::Fail: return "fail";
        case Msg::Forked: return "forked";
        case Msg::Recorded: return "recorded";
        case Msg::Detached: return "detached";
        case Msg::Taken: return "taken";
        case Msg::Start: return "start";
        case Msg::Begin: return "begin";
    }
    return "unknown";
}

bool carries_fd(Msg m) { return m == Msg::ConsoleMaster || m == Msg::SeccompListener || m == Msg::Forked; }

Result<void> send_msg(int sock, Msg type, int fd) { return send_packet(sock, Header{uint32_t(type), 0, 0, 0}, {}, {}, fd); }

Result<void> send_ready(int sock, std::string_view timings) {
    return send_packet(sock, Header{uint32_t(Msg::Ready), 0, 0, 0}, timings);
}

Result<void> send_fail(int sock, const Error& e) {
    return send_packet(sock, Header{uint32_t(Msg::Fail), e.err, 0, 0}, e.message);
}

Result<void> send_forked(int sock, pid_t pid, int pidfd) {
    return send_packet(sock, Header{uint32_t(Msg::Forked), 0, pid, 0}, {}, {}, pidfd);
}

Result<void> send_hooks_done(int sock, const HookStates& s) {
    if (s.creating.size() > kMaxPacket) return Error::msg("send hooks-done: state too large");
    return send_packet(sock, Header{uint32_t(Msg::HooksDone), 0, 0, uint32_t(s.creating.size())}, s.creating,
                       s.created);
}

Result<void> wait_eof(int sock) {
    auto m = recv_msg(sock);
    if (!m) return std::move(m).error().wrap("wait for the child's execve");
    if (!*m) return {};
    if ((*m)->type == Msg::Fail) return (*m)->error();
    return Error::msg(std::string("protocol: expected EOF, got ") + msg_name((*m)->type));
}

Result<void> send_fd(int sock, std::string_view name, int fd) {
    iovec iov{const_cast<char*>(name.data()), name.size()};
    return send_iov(sock, Msg::ConsoleMaster, &iov, 1, fd);
}

Result<std::optional<Message>> recv_msg(int sock) {
    // Peek the size first so a large payload (the state JSON) is read whole.
    ssize_t size;
    do {
        size = recv(sock, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    } while (size < 0 && errno == EINTR);
    if (size < 0) return Error::sys("receive from the child", errno);
    if (size == 0) return std::optional<Message>{};
    if (size_t(size) > kMaxPacket)
        return malformed(std::to_string(size) + " bytes, more than the protocol's " + std::to_string(kMaxPacket));

    Header h{};
    std::string payload;
    payload.resize(size_t(size) > sizeof h ? size_t(size) - sizeof h : 0);
    iovec iov[2] = {{&h, sizeof h}, {payload.data(), payload.size()}};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Error::sys("receive from the child", errno);
    // Whatever fd came is owned (and closed) before anything is refused.
    UniqueFd fd;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int got;
            std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (fd) {
                close(got);  // more than one fd: refused below
                mh.msg_flags |= MSG_CTRUNC;
            } else {
                fd.reset(got);
            }
        }
    }
    if (n == 0) return std::optional<Message>{};  // the peer closed between peek and read
    if (size_t(n) < sizeof h) return malformed("short message (" + std::to_string(n) + " bytes)");
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return malformed("message truncated");
    if (h.type == 0 || h.type > kLastMsg) return malformed("unknown message type " + std::to_string(h.type));

    Message m;
    m.type = Msg(h.type);
    if (bool(fd) != carries_fd(m.type))
        return malformed(std::string(msg_name(m.type)) + (fd ? " carries an fd" : " without its fd"));
    m.fd = std::move(fd);
    m.err = h.err;
    payload.resize(size_t(n) - sizeof h);
    switch (m.type) {
        case Msg::Forked:
            if (h.pid <= 0) return malformed("forked: pid " + std::to_string(h.pid));
            m.pid = pid_t(h.pid);
            break;
        case Msg::HooksDone:
            if (h.first > payload.size()) return malformed("hooks-done: first document past the end");
            m.states.creating = payload.substr(0, h.first);
            m.states.created = payload.substr(h.first);
            break;
        default:
            m.text = std::move(payload);
    }
    return std::optional<Message>(std::move(m));
}

Result<Message> expect_msg(int sock, Msg type) {
    TRY_ASSIGN(std::optional<Message> m, recv_msg(sock));
    if (!m) return Error::msg(std::string("protocol: expected ") + msg_name(type) + ", got EOF");
    if (m->type == Msg::Fail && type != Msg::Fail) return m->error();
    if (m->type != type)
        return Error::msg(std::string("protocol: expected ") + msg_name(type) + ", got " + msg_name(m->type));
    return std::move(*m);
}

}  // namespace skiff::proc
