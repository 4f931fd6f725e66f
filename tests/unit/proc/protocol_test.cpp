// The parent/child protocol (proc/protocol.hpp) over a real
// SOCK_SEQPACKET socketpair: no child process, no root.
#include "helpers.hpp"

using namespace skiff;
using namespace skiff::proc;
using namespace skiff::proc::test;

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

