#include "proc/protocol.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

namespace skiff::proc {

namespace {
struct Header {
    Msg type;
    int32_t err;
};
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
    }
    return "unknown";
}

oci::Result<void> send_msg(int sock, Msg type, std::string_view payload, int fd, int32_t err) {
    Header h{type, err};
    iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = payload.empty() ? 1 : 2;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    if (fd >= 0) {
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof cbuf;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    for (;;) {
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0) return {};
        if (errno != EINTR) return oci::Error::sys(std::string("send ") + msg_name(type), errno);
    }
}

oci::Result<Message> recv_msg(int sock) {
    // Peek the size first so a large payload (state JSON) is read whole.
    ssize_t size;
    do {
        size = recv(sock, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    } while (size < 0 && errno == EINTR);
    if (size < 0) return oci::Error::sys("receive from container init", errno);
    if (size == 0) return oci::Error::msg("EOF");
    if (size_t(size) < sizeof(Header)) return oci::Error::msg("receive from container init: short message");

    Message m;
    Header h{};
    m.payload.resize(size_t(size) - sizeof h);
    iovec iov[2] = {{&h, sizeof h}, {m.payload.data(), m.payload.size()}};
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
    if (n < 0) return oci::Error::sys("receive from container init", errno);
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            m.fd.reset(fd);
        }
    }
    m.type = h.type;
    m.err = h.err;
    return m;
}

oci::Result<Message> expect_msg(int sock, Msg type) {
    TRY_ASSIGN(Message m, recv_msg(sock));
    if (m.type == Msg::Fail) return oci::Error{m.payload, m.err};
    if (m.type != type)
        return oci::Error::msg(std::string("protocol: expected ") + msg_name(type) + ", got " +
                               msg_name(m.type));
    return m;
}

}  // namespace skiff::proc
