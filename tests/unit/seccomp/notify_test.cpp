// SCMP_ACT_NOTIFY end to end: the child loads a filter with a listener and
// hands the fd to the test (as the container init hands it to the runtime);
// send_listener() passes it to an "agent" socket the test listens on; the
// test, as the agent, answers the child's mkdir with a fake success.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <yajl/yajl_tree.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "helpers.hpp"

using namespace skiff;
using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;

namespace {

bool wait_readable(int fd, int timeout_ms = 5000) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

bool send_fd(int sock, int fd) {
    char byte = 'f';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return ::sendmsg(sock, &mh, MSG_NOSIGNAL) == 1;
}

// Reads until EOF (the runtime closes after one message); the fd comes with
// the first bytes.
std::string recv_all(int sock, UniqueFd& fd_out) {
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

const std::string kState =
    R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":4242,"bundle":"/b","annotations":{"k":"v"}})";

}  // namespace

TEST_CASE("seccomp notify: listener fd reaches the agent, which answers mkdir", "[seccomp][root]") {
    Agent agent;
    REQUIRE(agent.sock);
    std::string target = agent.dir.path + "/made-by-child";
    auto s = profile(A::Allow, {rule({"mkdir", "mkdirat"}, A::Notify)});
    s.listenerPath = agent.path;
    s.listenerMetadata = "MKNOD=/dev/null";
    auto p = compile(s, "");
    REQUIRE(p.ok());
    REQUIRE(p->needs_listener());

    int sp[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
    UniqueFd ours(sp[0]), theirs(sp[1]);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ours.reset();
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto fd = load(*p);
        if (!fd || !*fd) ::_exit(kLoadFailed);
        if (!send_fd(theirs.get(), fd->get())) ::_exit(101);
        fd->reset();
        long rc = ::syscall(SYS_mkdir, target.c_str(), 0700);
        ::_exit(rc == 0 ? 0 : 102);
    }
    Child child(pid);
    theirs.reset();

    UniqueFd from_child;
    REQUIRE(wait_readable(ours.get()));
    recv_all(ours.get(), from_child);
    REQUIRE(from_child);

    auto sent = send_listener(s, from_child.get(), pid, kState);
    REQUIRE(sent.ok());
    from_child.reset();

    UniqueFd notify_fd;
    std::string msg = agent.receive(notify_fd);
    REQUIRE(notify_fd);
    Json j(msg);
    REQUIRE(j.v);
    CHECK(j.str({"ociVersion"}) == "1.3.0");
    yajl_val fds = j.get({"fds"}, yajl_t_array);
    REQUIRE(fds);
    REQUIRE(YAJL_GET_ARRAY(fds)->len == 1);
    CHECK(std::string(YAJL_GET_STRING(YAJL_GET_ARRAY(fds)->values[0])) == "seccompFd");
    CHECK(j.integer({"pid"}) == pid);
    CHECK(j.str({"metadata"}) == "MKNOD=/dev/null");
    CHECK(j.str({"state", "id"}) == "c1");
    CHECK(j.integer({"state", "pid"}) == 4242);
    CHECK(j.str({"state", "annotations", "k"}) == "v");

    REQUIRE(wait_readable(notify_fd.get()));
    seccomp_notif req{};
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    CHECK(req.pid == static_cast<uint32_t>(pid));
    CHECK((req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat));
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.val = 0;
    resp.error = 0;
    REQUIRE(::ioctl(notify_fd.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);

    int st = child.wait();
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    CHECK_FALSE(std::filesystem::exists(target));
}

TEST_CASE("seccomp notify: send_listener takes the pid from the state", "[seccomp]") {
    Agent agent;
    REQUIRE(agent.sock);
    auto s = profile(A::Allow);
    s.listenerPath = agent.path;
    int pipefd[2];
    REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    UniqueFd r(pipefd[0]), w(pipefd[1]);
    REQUIRE(send_listener(s, r.get(), kState).ok());
    UniqueFd got;
    Json j(agent.receive(got));
    REQUIRE(j.v);
    CHECK(got);
    CHECK(j.integer({"pid"}) == 4242);
    CHECK(j.get({"metadata"}, yajl_t_any) == nullptr);
}

TEST_CASE("seccomp notify: send_listener errors", "[seccomp]") {
    TempDir tmp;
    auto s = profile(A::Allow);
    s.listenerPath = tmp.path + "/nobody.sock";
    auto r = send_listener(s, 0, kState);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "send seccomp listener to \"" + *s.listenerPath +
                                   "\": connect: No such file or directory");
    auto no_pid = send_listener(s, 0, R"({"id":"c1"})");
    REQUIRE_FALSE(no_pid.ok());
    CHECK(no_pid.error().message == "send seccomp listener: state has no integer \"pid\"");
    auto bad = send_listener(s, 0, 1, "[1,2");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("\": state: ") != std::string::npos);
    s.listenerPath.reset();
    CHECK_FALSE(send_listener(s, 0, 1, kState).ok());
}
