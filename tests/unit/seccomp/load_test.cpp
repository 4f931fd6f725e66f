// load(): real filters, each in a forked child (a filter cannot be removed
// from the test process).  Probes use raw syscalls so libc cannot pick a
// different one (mkdir vs mkdirat).
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "helpers.hpp"
#include "seccomp/program.hpp"

using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;
using Op = oci::SeccompOperator;

namespace {

// errno of a failed syscall, 0 when it succeeded.
long errno_of(long rc) { return rc < 0 ? errno : 0; }

Program must_compile(const oci::Seccomp& s, const std::string& cache = "") {
    auto r = compile(s, cache);
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
}

}  // namespace

TEST_CASE("seccomp load: ERRNO(38) for mkdir, getpid still works", "[seccomp][root]") {
    TempDir tmp;
    std::string dir = tmp.path + "/d";
    auto p = must_compile(profile(A::Allow, {rule({"mkdir", "mkdirat"}, A::Errno, 38)}));
    int st = run_filtered(p, [&] {
        if (errno_of(::syscall(SYS_mkdir, dir.c_str(), 0700)) != 38) return 1;
        if (errno_of(::syscall(SYS_mkdirat, AT_FDCWD, dir.c_str(), 0700)) != 38) return 2;
        if (::syscall(SYS_getpid) <= 0) return 3;
        return 0;
    });
    CHECK(exited_ok(st));
    CHECK(WEXITSTATUS(st) == 0);
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("seccomp load: the cached program behaves the same", "[seccomp][root]") {
    TempDir tmp;
    auto s = profile(A::Allow, {rule({"mkdir", "mkdirat"}, A::Errno, 38)});
    must_compile(s, tmp.path + "/cache");
    auto p = must_compile(s, tmp.path + "/cache");
    REQUIRE(p.cache_hit());
    std::string dir = tmp.path + "/d";
    int st = run_filtered(p, [&] { return errno_of(::syscall(SYS_mkdir, dir.c_str(), 0700)) == 38 ? 0 : 1; });
    CHECK(exited_ok(st));
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("seccomp load: KILL_PROCESS and KILL end the child with SIGSYS", "[seccomp][root]") {
    auto action = GENERATE(A::KillProcess, A::Kill, A::KillThread);
    auto p = must_compile(profile(A::Allow, {rule({"getppid"}, action)}));
    int st = run_filtered(p, [] {
        ::syscall(SYS_getppid);
        return 1;  // must not get here
    });
    REQUIRE(WIFSIGNALED(st));
    CHECK(WTERMSIG(st) == SIGSYS);
}

TEST_CASE("seccomp load: argument conditions", "[seccomp][root]") {
    // lseek on a closed fd is harmless: EBADF when allowed, our errno when
    // the filter matches.
    constexpr long kDenied = 77;
    SECTION("personality(0xffffffff) denied, personality(PER_LINUX) allowed") {
        auto r = rule({"personality"}, A::Errno);
        r.args = std::vector{arg(0, Op::Equal, 0xffffffff)};
        auto p = must_compile(profile(A::Allow, {r}));
        int st = run_filtered(p, [] {
            if (errno_of(::syscall(SYS_personality, 0xffffffffUL)) != EPERM) return 1;
            if (::syscall(SYS_personality, PER_LINUX) < 0) return 2;
            return 0;
        });
        CHECK(WEXITSTATUS(st) == 0);
        CHECK(exited_ok(st));
    }
    SECTION("args on different indexes: all must match (AND)") {
        auto r = rule({"lseek"}, A::Errno, kDenied);
        r.args = std::vector{arg(0, Op::Equal, 1000), arg(2, Op::Equal, SEEK_CUR)};
        auto p = must_compile(profile(A::Allow, {r}));
        int st = run_filtered(p, [] {
            if (errno_of(::syscall(SYS_lseek, 1000, 0, SEEK_CUR)) != kDenied) return 1;
            if (errno_of(::syscall(SYS_lseek, 1000, 0, SEEK_SET)) != EBADF) return 2;
            if (errno_of(::syscall(SYS_lseek, 1001, 0, SEEK_CUR)) != EBADF) return 3;
            return 0;
        });
        CHECK(WEXITSTATUS(st) == 0);
        CHECK(exited_ok(st));
    }
    SECTION("args on the same index: any may match (OR)") {
        auto r = rule({"lseek"}, A::Errno, kDenied);
        r.args = std::vector{arg(0, Op::Equal, 1000), arg(0, Op::Equal, 1001)};
        auto p = must_compile(profile(A::Allow, {r}));
        int st = run_filtered(p, [] {
            if (errno_of(::syscall(SYS_lseek, 1000, 0, SEEK_SET)) != kDenied) return 1;
            if (errno_of(::syscall(SYS_lseek, 1001, 0, SEEK_SET)) != kDenied) return 2;
            if (errno_of(::syscall(SYS_lseek, 1002, 0, SEEK_SET)) != EBADF) return 3;
            return 0;
        });
        CHECK(WEXITSTATUS(st) == 0);
        CHECK(exited_ok(st));
    }
    SECTION("MASKED_EQ: value is the mask, valueTwo the expected bits") {
        auto r = rule({"lseek"}, A::Errno, kDenied);
        r.args = std::vector{arg(2, Op::MaskedEqual, 0x2, 0x2)};
        auto p = must_compile(profile(A::Allow, {r}));
        int st = run_filtered(p, [] {
            if (errno_of(::syscall(SYS_lseek, 1000, 0, 3)) != kDenied) return 1;  // 3 & 2 == 2
            if (errno_of(::syscall(SYS_lseek, 1000, 0, 1)) != EBADF) return 2;    // 1 & 2 == 0
            return 0;
        });
        CHECK(WEXITSTATUS(st) == 0);
        CHECK(exited_ok(st));
    }
    SECTION("GT / LE") {
        auto r = rule({"lseek"}, A::Errno, kDenied);
        r.args = std::vector{arg(0, Op::GreaterThan, 2000)};
        auto p = must_compile(profile(A::Allow, {r}));
        int st = run_filtered(p, [] {
            if (errno_of(::syscall(SYS_lseek, 2001, 0, SEEK_SET)) != kDenied) return 1;
            if (errno_of(::syscall(SYS_lseek, 2000, 0, SEEK_SET)) != EBADF) return 2;
            return 0;
        });
        CHECK(WEXITSTATUS(st) == 0);
        CHECK(exited_ok(st));
    }
}

TEST_CASE("seccomp load: default ERRNO with an allow-list", "[seccomp][root]") {
    auto s = profile(A::Errno, {rule({"exit_group", "exit", "getpid"}, A::Allow)});
    s.defaultErrnoRet = 77;
    auto p = must_compile(s);
    int st = run_filtered(p, [] {
        if (::syscall(SYS_getpid) <= 0) return 1;
        if (errno_of(::syscall(SYS_getppid)) != 77) return 2;
        if (errno_of(::syscall(SYS_mkdir, "/nonexistent/x", 0700)) != 77) return 3;
        return 0;
    });
    CHECK(WEXITSTATUS(st) == 0);
    CHECK(exited_ok(st));
}

TEST_CASE("seccomp load: errors", "[seccomp]") {
    Program empty;
    auto r = load(empty);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "load seccomp filter: no program was compiled");

    // Flags the kernel does not know: rejected before anything is
    // installed, but still tried in a child to keep the test process clean.
    auto p = must_compile(profile(A::Allow, {rule({"mkdir"}, A::Errno)}));
    p.impl->flags |= 1u << 30;
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto l = load(p);
        ::_exit(!l.ok() && l.error().message == "load seccomp filter: Invalid argument" ? 0 : 1);
    }
    Child c(pid);
    CHECK(exited_ok(c.wait()));
}

TEST_CASE("seccomp load: the ENOSYS stub answers syscalls above the highest named one", "[seccomp][root]") {
    // exit_group (231) is the highest named on x86_64; getpid (39) allowed.
    auto s = profile(A::Errno, {rule({"exit_group", "getpid"}, A::Allow), rule({"mkdir"}, A::Errno, 13)});
    auto p = must_compile(s);
    int st = run_filtered(p, [&] {
        if (errno_of(::syscall(1000)) != ENOSYS) return 1;
        if (errno_of(::syscall(SYS_exit_group + 1)) != ENOSYS) return 2;  // first above the highest
        if (errno_of(::syscall(SYS_umask, 022)) != EPERM) return 3;       // below: the default
        if (errno_of(::syscall(SYS_mkdir, "/nonexistent/x", 0700)) != 13) return 4;
        if (::syscall(SYS_getpid) <= 0) return 5;
        return 0;
    });
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);

    // A permissive default has no stub: the same profile with ALLOW lets
    // umask through and leaves unknown numbers to the kernel.
    auto allow = must_compile(profile(A::Allow, {rule({"mkdir"}, A::Errno, 13)}));
    st = run_filtered(allow, [&] {
        if (errno_of(::syscall(SYS_umask, 022)) != 0) return 1;
        if (errno_of(::syscall(SYS_mkdir, "/nonexistent/x", 0700)) != 13) return 2;
        return 0;
    });
    CHECK(exited_ok(st));
}
