// Shared by the seccomp notify tests: an "agent" that listens on a unix
// socket as a seccomp agent would, and a small reader for what it receives.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <yajl/yajl_tree.h>

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "helpers.hpp"

namespace skiff::seccomp::test {

inline bool wait_readable(int fd, int timeout_ms = 5000) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

// Reads until EOF (the runtime closes after one message); the fd comes with
// the first bytes.
inline std::string recv_all(int sock, UniqueFd& fd_out) {
    std::string data;
    for (;;) {
        if (!wait_readable(sock)) break;
        char buf[4096];
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n <= 0) break;
        for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                fd_out.reset(fd);
            }
        }
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

struct Agent {
    TempDir dir;
    std::string path;
    UniqueFd sock;
    Agent() : path(dir.path + "/agent.sock") {
        sock.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path.c_str());
        if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(sock.get(), 4) < 0)
            sock.reset();
    }
    // One connection's payload and fd.
    std::string receive(UniqueFd& fd) {
        if (!wait_readable(sock.get())) return {};
        UniqueFd conn(::accept4(sock.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) return {};
        return recv_all(conn.get(), fd);
    }
};

struct Json {
    yajl_val v = nullptr;
    explicit Json(const std::string& s) {
        char err[128];
        v = yajl_tree_parse(s.c_str(), err, sizeof err);
    }
    ~Json() { yajl_tree_free(v); }
    Json(const Json&) = delete;
    Json& operator=(const Json&) = delete;
    yajl_val get(std::initializer_list<const char*> path, yajl_type t) const {
        std::vector<const char*> p(path);
        p.push_back(nullptr);
        return yajl_tree_get(v, p.data(), t);
    }
    std::string str(std::initializer_list<const char*> path) const {
        yajl_val s = get(path, yajl_t_string);
        return s ? YAJL_GET_STRING(s) : "<missing>";
    }
    long long integer(std::initializer_list<const char*> path) const {
        yajl_val n = get(path, yajl_t_number);
        return n && YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : -1;
    }
};

inline const std::string kState =
    R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":4242,"bundle":"/b","annotations":{"k":"v"}})";

}  // namespace skiff::seccomp::test
