// send_listener() over a unix socket: what the agent receives (the
// state's pid, no metadata) and the errors that name the listener path.
#include <catch2/catch.hpp>

#include "agent.hpp"

using namespace skiff;
using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;

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
