// compile(): translation errors, skipped entries, flags.  No filter is
// loaded here (see load_test.cpp).
#include <linux/seccomp.h>
#include <seccomp.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "seccomp/program.hpp"

using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;
using Op = oci::SeccompOperator;

namespace {

std::string error_of(const oci::Seccomp& s) {
    auto r = compile(s, "");
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("seccomp: unknown syscall names are skipped", "[seccomp]") {
    auto plain = compile(profile(A::Allow, {rule({"mkdir"}, A::Errno)}), "");
    auto with_unknown = compile(profile(A::Allow, {rule({"no_such_syscall_xyz", "mkdir"}, A::Errno)}), "");
    REQUIRE(plain.ok());
    REQUIRE(with_unknown.ok());
    CHECK(with_unknown->instructions() == plain->instructions());
    CHECK_FALSE(with_unknown->cache_hit());
}

TEST_CASE("seccomp: rules repeating the default action are skipped", "[seccomp]") {
    // A permissive default: with a deny default a named syscall also moves
    // the ENOSYS stub's bound, which adds instructions of its own.
    auto none = compile(profile(A::Allow), "");
    auto same = compile(profile(A::Allow, {rule({"getpid"}, A::Allow)}), "");
    auto other = compile(profile(A::Allow, {rule({"getpid"}, A::Errno, 38)}), "");
    REQUIRE(none.ok());
    REQUIRE(same.ok());
    REQUIRE(other.ok());
    CHECK(same->instructions() == none->instructions());
    CHECK(other->instructions() > none->instructions());
}

TEST_CASE("seccomp: architectures", "[seccomp]") {
    auto native = compile(profile(A::Allow, {rule({"mkdir"}, A::Errno)}), "");
    REQUIRE(native.ok());
    auto s = profile(A::Allow, {rule({"mkdir"}, A::Errno)});
    s.architectures = {oci::SeccompArch::X86_64, oci::SeccompArch::X86, oci::SeccompArch::X32};
    auto multi = compile(s, "");
    REQUIRE(multi.ok());
    CHECK(multi->instructions() > native->instructions());
#ifndef SCMP_ARCH_LOONGARCH64
    s.architectures = {oci::SeccompArch::X86, oci::SeccompArch::Loongarch64};
    std::string e = error_of(s);
    CHECK(e.find("linux.seccomp.architectures[1]: SCMP_ARCH_LOONGARCH64 is not supported by libseccomp") == 0);
#endif
}

TEST_CASE("seccomp: errno values only with ERRNO and TRACE", "[seccomp]") {
    CHECK(error_of(profile(A::Allow, {rule({"mkdir"}, A::Errno), rule({"rmdir"}, A::KillProcess, 1)})) ==
          "linux.seccomp.syscalls[1]: SCMP_ACT_KILL_PROCESS does not take an errno return value");
    auto s = profile(A::Kill);
    s.defaultErrnoRet = 5;
    CHECK(error_of(s) == "linux.seccomp.defaultAction: SCMP_ACT_KILL does not take an errno return value");
    CHECK(error_of(profile(A::Allow, {rule({"mkdir"}, A::Errno, 70000)})) ==
          "linux.seccomp.syscalls[0]: 70000 is out of range (0-65535)");
    CHECK(compile(profile(A::Allow, {rule({"mkdir"}, A::Trace, 5)}), "").ok());
}

TEST_CASE("seccomp: argument errors name the field", "[seccomp]") {
    auto r = rule({"lseek"}, A::Errno);
    r.args = std::vector{arg(0, Op::Equal, 1), arg(6, Op::Equal, 1)};
    CHECK(error_of(profile(A::Allow, {r})) == "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0-5)");
    auto empty = rule({}, A::Errno);
    CHECK(error_of(profile(A::Allow, {empty})) == "linux.seccomp.syscalls[0].names: empty");
}

TEST_CASE("seccomp: argument rules AND vs OR change the program", "[seccomp]") {
    auto and_rule = rule({"lseek"}, A::Errno);
    and_rule.args = std::vector{arg(0, Op::Equal, 1000), arg(2, Op::Equal, 1)};
    auto or_rule = rule({"lseek"}, A::Errno);
    or_rule.args = std::vector{arg(0, Op::Equal, 1000), arg(0, Op::Equal, 1001)};
    auto a = compile(profile(A::Allow, {and_rule}), "");
    auto o = compile(profile(A::Allow, {or_rule}), "");
    REQUIRE(a.ok());
    REQUIRE(o.ok());
    CHECK(a->instructions() > 5);
    CHECK(o->instructions() > 5);
}

TEST_CASE("seccomp: SCMP_ACT_NOTIFY checks", "[seccomp]") {
    CHECK(error_of(profile(A::Notify)) ==
          "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    CHECK(error_of(profile(A::Allow, {rule({"mkdir"}, A::Notify)})) ==
          "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    auto s = profile(A::Allow, {rule({"mkdir", "sendmsg"}, A::Notify)});
    s.listenerPath = "/run/agent.sock";
    CHECK(error_of(s).find("linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for \"sendmsg\"") == 0);
    auto m = profile(A::Allow);
    m.listenerMetadata = "x";
    CHECK(error_of(m) == "linux.seccomp.listenerMetadata: set without listenerPath");
}

TEST_CASE("seccomp: flags", "[seccomp]") {
    auto s = profile(A::Allow, {rule({"mkdir"}, A::Errno)});
    s.flags = {oci::SeccompFlag::Log, oci::SeccompFlag::SpecAllow, oci::SeccompFlag::WaitKillableRecv};
    auto p = compile(s, "");
    REQUIRE(p.ok());
    // WAIT_KILLABLE_RECV means nothing without a listener and is dropped.
    CHECK(p->flags() == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    CHECK_FALSE(p->needs_listener());

    auto n = profile(A::Allow, {rule({"mkdir"}, A::Notify)});
    n.listenerPath = "/run/agent.sock";
    n.flags = {oci::SeccompFlag::Tsync, oci::SeccompFlag::WaitKillableRecv};
    auto q = compile(n, "");
    REQUIRE(q.ok());
    CHECK(q->needs_listener());
    CHECK(q->flags() == (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
                         SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
}

TEST_CASE("seccomp: the ENOSYS stub is added for deny defaults only", "[seccomp]") {
    auto calls = std::vector<oci::SeccompSyscall>{rule({"getpid"}, A::Allow)};
    auto deny = compile(profile(A::Errno, calls), "");
    auto kill = compile(profile(A::KillProcess, calls), "");
    auto allow = compile(profile(A::Allow, {rule({"getpid"}, A::Errno)}), "");
    REQUIRE(deny.ok());
    REQUIRE(kill.ok());
    REQUIRE(allow.ok());
    CHECK(skiff::seccomp::wants_enosys_stub(A::Errno));
    CHECK(skiff::seccomp::wants_enosys_stub(A::Trap));
    CHECK_FALSE(skiff::seccomp::wants_enosys_stub(A::Allow));
    CHECK_FALSE(skiff::seccomp::wants_enosys_stub(A::Log));
    // x86_64 (native): ld arch, jeq, ld nr, jset, 2 checks, ja, ret = 8
    auto stub = skiff::seccomp::enosys_stub(profile(A::Errno, calls), {seccomp_arch_native()});
    CHECK(stub.size() == 8);
    CHECK(deny->instructions() >= stub.size() + 1);
    // no name resolves: no stub
    CHECK(skiff::seccomp::enosys_stub(profile(A::Errno, {rule({"no_such_syscall"}, A::Allow)}),
                                      {seccomp_arch_native()}).empty());
}
