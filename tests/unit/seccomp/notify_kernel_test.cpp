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

#include "agent.hpp"

using namespace skiff;
using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;

namespace {

bool send_fd(int sock, int fd) {
    char byte = 'f';
    iovec iov{&byte, 1};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    skiff::OneFdControl control;
    control.attach(mh, fd);
    return ::sendmsg(sock, &mh, MSG_NOSIGNAL) == 1;
}

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
