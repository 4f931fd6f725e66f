// Test helpers for the protocol over a real SOCK_SEQPACKET socketpair.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "common/fd.hpp"
#include "proc/protocol.hpp"

namespace skiff::proc::test {

struct Pair {
    UniqueFd parent, child;
    Pair() {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
        parent.reset(sv[0]);
        child.reset(sv[1]);
    }
};

struct Pipe {
    UniqueFd r, w;
    Pipe() {
        int p[2];
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        r.reset(p[0]);
        w.reset(p[1]);
    }
};

// The received fd is the pipe's write end: what goes in comes out of r.
inline void check_usable(const UniqueFd& received, const Pipe& p) {
    REQUIRE(received);
    CHECK(received.get() != p.w.get());
    CHECK((fcntl(received.get(), F_GETFD) & FD_CLOEXEC) != 0);
    REQUIRE(write(received.get(), "x", 1) == 1);
    char c = 0;
    REQUIRE(read(p.r.get(), &c, 1) == 1);
    CHECK(c == 'x');
}

inline Message recv_one(int sock) {
    auto m = recv_msg(sock);
    REQUIRE(m);
    REQUIRE(m->has_value());
    return std::move(**m);
}

// A raw packet, bypassing the typed senders (what a broken peer could send).
inline void send_raw(int sock, const void* data, size_t len, int fd = -1) {
    iovec iov{const_cast<void*>(data), len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    skiff::OneFdControl control;
    if (fd >= 0) control.attach(mh, fd);
    REQUIRE(sendmsg(sock, &mh, 0) == ssize_t(len));
}

struct RawHeader {
    uint32_t type;
    int32_t err;
    int32_t pid;
    uint32_t first;
};

inline bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}


}  // namespace skiff::proc::test
