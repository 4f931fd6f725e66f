// The parent's serve loop (proc/serve.hpp) against a scripted child on a
// socketpair: dispatch, replies, and every way the loop ends.
#include "helpers.hpp"
#include "proc/serve.hpp"

using namespace skiff;
using namespace skiff::proc;
using namespace skiff::proc::test;

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
    REQUIRE(expect_msg(s.child.get(), Msg::Taken));  // the console master
    REQUIRE(expect_msg(s.child.get(), Msg::Taken));  // forked
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
    s.child.reset();  // the child died before its first message
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
