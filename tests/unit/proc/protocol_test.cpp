// The parent/child protocol (proc/protocol.hpp) and the parent's serve loop
// (proc/serve.hpp) over a real SOCK_SEQPACKET socketpair: no child process,
// no root.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "proc/protocol.hpp"
#include "proc/serve.hpp"

using namespace skiff;
using namespace skiff::proc;

namespace {

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
void check_usable(const UniqueFd& received, const Pipe& p) {
    REQUIRE(received);
    CHECK(received.get() != p.w.get());
    CHECK((fcntl(received.get(), F_GETFD) & FD_CLOEXEC) != 0);
    REQUIRE(write(received.get(), "x", 1) == 1);
    char c = 0;
    REQUIRE(read(p.r.get(), &c, 1) == 1);
    CHECK(c == 'x');
}

Message recv_one(int sock) {
    auto m = recv_msg(sock);
    REQUIRE(m);
    REQUIRE(m->has_value());
    return std::move(**m);
}

// A raw packet, bypassing the typed senders (what a broken peer could send).
void send_raw(int sock, const void* data, size_t len, int fd = -1) {
    iovec iov{const_cast<void*>(data), len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof cbuf;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    REQUIRE(sendmsg(sock, &mh, 0) == ssize_t(len));
}

struct RawHeader {
    uint32_t type;
    int32_t err;
    int32_t pid;
    uint32_t first;
};

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

}  // namespace

TEST_CASE("protocol: messages without payload round-trip", "[proc]") {
    Pair s;
    for (Msg t : {Msg::MapRequest, Msg::MapsWritten, Msg::HookRequest, Msg::Recorded, Msg::Detached}) {
        INFO(msg_name(t));
        REQUIRE(send_msg(s.child.get(), t));
        Message m = recv_one(s.parent.get());
        CHECK(m.type == t);
        CHECK(m.err == 0);
        CHECK(m.text.empty());
        CHECK(!m.fd);
    }
}

TEST_CASE("protocol: ConsoleMaster and SeccompListener carry a usable fd", "[proc]") {
    Pair s;
    for (Msg t : {Msg::ConsoleMaster, Msg::SeccompListener}) {
        INFO(msg_name(t));
        Pipe p;
        REQUIRE(send_msg(s.child.get(), t, p.w.get()));
        Message m = recv_one(s.parent.get());
        CHECK(m.type == t);
        check_usable(m.fd, p);
    }
}

TEST_CASE("protocol: a message that carries an fd is refused without one, and the others with one", "[proc]") {
    Pair s;
    Pipe p;
    auto a = send_msg(s.child.get(), Msg::ConsoleMaster);
    REQUIRE(!a);
    CHECK(a.error().message == "send console-master: needs an fd");
    auto b = send_msg(s.child.get(), Msg::Ready, p.w.get());
    REQUIRE(!b);
    CHECK(b.error().message == "send ready: carries no fd");
    CHECK(!readable(s.parent.get()));  // nothing went out
}

TEST_CASE("protocol: Ready carries the timing marks", "[proc]") {
    Pair s;
    REQUIRE(send_ready(s.child.get(), "child: cloned 12\nchild: pivot_root 40\n"));
    Message m = recv_one(s.parent.get());
    CHECK(m.type == Msg::Ready);
    CHECK(m.text == "child: cloned 12\nchild: pivot_root 40\n");
    REQUIRE(send_ready(s.child.get(), {}));
    CHECK(recv_one(s.parent.get()).text.empty());
}

TEST_CASE("protocol: Fail becomes an Error with its message and errno", "[proc]") {
    Pair s;
    REQUIRE(send_fail(s.child.get(), oci::Error::sys("mount \"proc\" on \"/proc\"", EPERM)));
    Message m = recv_one(s.parent.get());
    CHECK(m.type == Msg::Fail);
    CHECK(m.err == EPERM);
    CHECK(m.error().message == "mount \"proc\" on \"/proc\": Operation not permitted");

    REQUIRE(send_fail(s.child.get(), oci::Error::msg("no errno here")));
    auto e = expect_msg(s.parent.get(), Msg::MapsWritten);
    REQUIRE(!e);
    CHECK(e.error().message == "no errno here");
    CHECK(e.error().err == 0);
}

TEST_CASE("protocol: Forked carries the pid as a number and the pidfd", "[proc]") {
    Pair s;
    Pipe p;
    REQUIRE(send_forked(s.child.get(), 4194303, p.w.get()));
    Message m = recv_one(s.parent.get());
    CHECK(m.type == Msg::Forked);
    CHECK(m.pid == 4194303);
    CHECK(m.text.empty());
    check_usable(m.fd, p);
}

TEST_CASE("protocol: HooksDone carries the two states, whatever bytes they hold", "[proc]") {
    Pair s;
    HookStates st{std::string("{\"status\":\"creating\"}\0tail", 26), "{\"status\":\"created\"}"};
    REQUIRE(send_hooks_done(s.parent.get(), st));
    auto m = expect_msg(s.child.get(), Msg::HooksDone);
    REQUIRE(m);
    CHECK(m->states.creating == st.creating);
    CHECK(m->states.created == st.created);

    REQUIRE(send_hooks_done(s.parent.get(), HookStates{"", "only-created"}));
    m = expect_msg(s.child.get(), Msg::HooksDone);
    REQUIRE(m);
    CHECK(m->states.creating.empty());
    CHECK(m->states.created == "only-created");
}

TEST_CASE("protocol: EOF is recognised as EOF", "[proc]") {
    Pair s;
    s.child.reset();
    auto m = recv_msg(s.parent.get());
    REQUIRE(m);
    CHECK(!m->has_value());
    auto e = expect_msg(s.parent.get(), Msg::Detached);
    REQUIRE(!e);
    CHECK(e.error().message == "protocol: expected detached, got EOF");
}

TEST_CASE("protocol: expect_msg names what came instead", "[proc]") {
    Pair s;
    REQUIRE(send_msg(s.child.get(), Msg::HookRequest));
    auto e = expect_msg(s.parent.get(), Msg::MapRequest);
    REQUIRE(!e);
    CHECK(e.error().message == "protocol: expected map-request, got hook-request");
}

TEST_CASE("protocol: an oversized payload is refused before it is sent", "[proc]") {
    Pair s;
    auto r = send_ready(s.child.get(), std::string(kMaxPacket, 'x'));
    REQUIRE(!r);
    CHECK_THAT(r.error().message, Catch::StartsWith("send ready: "));
    CHECK(!readable(s.parent.get()));
}

TEST_CASE("protocol: malformed packets are errors", "[proc]") {
    Pair s;
    SECTION("truncated: shorter than the header") {
        send_raw(s.child.get(), "abc", 3);
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: short message (3 bytes)");
    }
    SECTION("unknown type") {
        RawHeader h{999, 0, 0, 0};
        send_raw(s.child.get(), &h, sizeof h);
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: unknown message type 999");
    }
    SECTION("HooksDone whose first document runs past the packet") {
        char buf[sizeof(RawHeader) + 4] = {};
        RawHeader h{uint32_t(Msg::HooksDone), 0, 0, 5};
        std::memcpy(buf, &h, sizeof h);
        send_raw(s.child.get(), buf, sizeof buf);
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: hooks-done: first document past the end");
    }
    SECTION("Forked without a pid") {
        Pipe p;
        RawHeader h{uint32_t(Msg::Forked), 0, 0, 0};
        send_raw(s.child.get(), &h, sizeof h, p.w.get());
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: forked: pid 0");
    }
    SECTION("an fd on a message that carries none is closed and refused") {
        Pipe p;
        RawHeader h{uint32_t(Msg::Ready), 0, 0, 0};
        send_raw(s.child.get(), &h, sizeof h, p.w.get());
        p.w.reset();  // the received copy, if leaked, would keep the pipe open
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: ready carries an fd");
        char c;
        CHECK(read(p.r.get(), &c, 1) == 0);  // EOF: no copy of the write end is left
    }
    SECTION("a message that needs an fd arrives without one") {
        RawHeader h{uint32_t(Msg::ConsoleMaster), 0, 0, 0};
        send_raw(s.child.get(), &h, sizeof h);
        auto m = recv_msg(s.parent.get());
        REQUIRE(!m);
        CHECK(m.error().message == "receive from the child: console-master without its fd");
    }
}

TEST_CASE("protocol: send_fd sends the name as the only data bytes, as runc", "[proc]") {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd a(sv[0]), b(sv[1]);
    Pipe p;
    REQUIRE(send_fd(a.get(), "/dev/ptmx", p.w.get()));
    a.reset();
    char data[64] = {};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{data, sizeof data};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t n = recvmsg(b.get(), &mh, MSG_CMSG_CLOEXEC);
    REQUIRE(n == 9);
    CHECK(std::string(data, size_t(n)) == "/dev/ptmx");
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    REQUIRE(c);
    REQUIRE(c->cmsg_type == SCM_RIGHTS);
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    check_usable(UniqueFd(fd), p);
    CHECK(recv(b.get(), data, sizeof data, 0) == 0);  // nothing else was sent
}

TEST_CASE("serve: dispatches each request, sends the replies, returns on Ready", "[proc]") {
    Pair s;
    Pipe console, pidfd;
    REQUIRE(send_msg(s.child.get(), Msg::MapRequest));
    REQUIRE(send_msg(s.child.get(), Msg::HookRequest));
    REQUIRE(send_msg(s.child.get(), Msg::ConsoleMaster, console.w.get()));
    REQUIRE(send_forked(s.child.get(), 77, pidfd.w.get()));
    REQUIRE(send_ready(s.child.get(), "marks"));
    std::string order;
    UniqueFd got_console, got_pidfd;
    pid_t got_pid = -1;
    Handlers h;
    h.map_request = [&]() -> oci::Result<void> {
        order += "map ";
        return {};
    };
    h.hook_request = [&]() -> oci::Result<HookStates> {
        order += "hooks ";
        return HookStates{"creating", "created"};
    };
    h.console_master = [&](UniqueFd fd) -> oci::Result<void> {
        order += "console ";
        got_console = std::move(fd);
        return {};
    };
    h.forked = [&](pid_t pid, UniqueFd fd) -> oci::Result<void> {
        order += "forked ";
        got_pid = pid;
        got_pidfd = std::move(fd);
        return {};
    };
    auto r = serve(s.parent.get(), h);
    REQUIRE(r);
    CHECK(*r == "marks");
    CHECK(order == "map hooks console forked ");
    CHECK(got_pid == 77);
    check_usable(got_console, console);
    check_usable(got_pidfd, pidfd);
    // the replies, in order, and nothing else
    REQUIRE(expect_msg(s.child.get(), Msg::MapsWritten));
    auto done = expect_msg(s.child.get(), Msg::HooksDone);
    REQUIRE(done);
    CHECK(done->states.creating == "creating");
    CHECK(done->states.created == "created");
    CHECK(!readable(s.child.get()));
}

TEST_CASE("serve: a message the flow has no handler for is an error naming it", "[proc]") {
    Pair s;
    Handlers h;  // exec without fork_in_pidns: no map, hook or forked handler
    h.console_master = [](UniqueFd) -> oci::Result<void> { return {}; };
    SECTION("a request") {
        REQUIRE(send_msg(s.child.get(), Msg::MapRequest));
        auto r = serve(s.parent.get(), h);
        REQUIRE(!r);
        CHECK(r.error().message == "protocol: unexpected map-request");
        CHECK(!readable(s.child.get()));  // no reply
    }
    SECTION("forked") {
        Pipe p;
        REQUIRE(send_forked(s.child.get(), 5, p.w.get()));
        auto r = serve(s.parent.get(), h);
        REQUIRE(!r);
        CHECK(r.error().message == "protocol: unexpected forked");
    }
    SECTION("a message only the parent sends") {
        REQUIRE(send_msg(s.child.get(), Msg::Recorded));
        auto r = serve(s.parent.get(), h);
        REQUIRE(!r);
        CHECK(r.error().message == "protocol: unexpected recorded");
    }
}

TEST_CASE("serve: a handler's error stops the loop", "[proc]") {
    Pair s;
    Pipe p;
    REQUIRE(send_msg(s.child.get(), Msg::ConsoleMaster, p.w.get()));
    REQUIRE(send_ready(s.child.get(), {}));
    Handlers h;
    h.console_master = [](UniqueFd) -> oci::Result<void> { return oci::Error::msg("console: refused"); };
    auto r = serve(s.parent.get(), h);
    REQUIRE(!r);
    CHECK(r.error().message == "console: refused");
    CHECK(readable(s.parent.get()));  // Ready was not consumed
}

TEST_CASE("serve: a failing request handler sends no reply", "[proc]") {
    Pair s;
    REQUIRE(send_msg(s.child.get(), Msg::HookRequest));
    Handlers h;
    h.hook_request = []() -> oci::Result<HookStates> { return oci::Error::msg("prestart hook failed"); };
    auto r = serve(s.parent.get(), h);
    REQUIRE(!r);
    CHECK(r.error().message == "prestart hook failed");
    CHECK(!readable(s.child.get()));
}

TEST_CASE("serve: Fail is the child's error", "[proc]") {
    Pair s;
    REQUIRE(send_fail(s.child.get(), oci::Error::sys("sethostname \"x\"", EPERM)));
    auto r = serve(s.parent.get(), Handlers{});
    REQUIRE(!r);
    CHECK(r.error().message == "sethostname \"x\": Operation not permitted");
    CHECK(r.error().err == EPERM);
}

TEST_CASE("serve: EOF before Ready reports the child's death", "[proc]") {
    Pair s;
    REQUIRE(send_msg(s.child.get(), Msg::ConsoleMaster, Pipe().w.get()));
    s.child.reset();  // the child died after its last message
    int reported = 0;
    Handlers h;
    h.console_master = [](UniqueFd) -> oci::Result<void> { return {}; };
    h.child_died = [&] {
        ++reported;
        return oci::Error::msg("container init exited with status 1");
    };
    auto r = serve(s.parent.get(), h);
    REQUIRE(!r);
    CHECK(r.error().message == "container init exited with status 1");
    CHECK(reported == 1);
}

TEST_CASE("serve: a reply to a child that is gone is an error", "[proc]") {
    Pair s;
    REQUIRE(send_msg(s.child.get(), Msg::MapRequest));
    s.child.reset();
    Handlers h;
    h.map_request = []() -> oci::Result<void> { return {}; };
    auto r = serve(s.parent.get(), h);
    REQUIRE(!r);
    CHECK(r.error().message == "send maps-written: Broken pipe");
}
