// Shared by the seccomp unit tests: profile builders and a
// forked child that loads a filter before running a probe.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "seccomp/seccomp.hpp"
#include "support.hpp"

namespace skiff::seccomp::test {

inline oci::SeccompSyscall rule(std::vector<std::string> names, oci::SeccompAction a,
                                oci::Opt<uint32_t> errno_ret = std::nullopt) {
    oci::SeccompSyscall c;
    c.names = std::move(names);
    c.action = a;
    c.errnoRet = errno_ret;
    return c;
}

inline oci::SeccompArg arg(uint32_t index, oci::SeccompOperator op, uint64_t v,
                           oci::Opt<uint64_t> v2 = std::nullopt) {
    oci::SeccompArg a;
    a.index = index;
    a.op = op;
    a.value = v;
    a.valueTwo = v2;
    return a;
}

inline oci::Seccomp profile(oci::SeccompAction def, std::vector<oci::SeccompSyscall> calls = {}) {
    oci::Seccomp s;
    s.defaultAction = def;
    if (!calls.empty()) s.syscalls = std::move(calls);
    return s;
}

using unit::TempDir;

// A child this test started; killed and reaped if the test fails early.
struct Child {
    pid_t pid = -1;
    explicit Child(pid_t p) : pid(p) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    int wait() {
        int st = 0;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        pid = -1;
        return st;
    }
};

// Exit code of a child whose load() failed.
constexpr int kLoadFailed = 100;

// Forks; the child loads `p` (no_new_privs set, so this also works without
// CAP_SYS_ADMIN) and exits with probe()'s result: 0 when every check held,
// else the number of the first check that failed.  Returns the wait status.
template <class Probe>
int run_filtered(const Program& p, Probe probe) {
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        rlimit no_core{0, 0};  // SIGSYS would dump core
        ::setrlimit(RLIMIT_CORE, &no_core);
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto fd = load(p);
        if (!fd) ::_exit(kLoadFailed);
        // exit_group directly: sanitizers hook _exit with syscalls a strict
        // allow-list denies.
        ::syscall(SYS_exit_group, probe());
    }
    Child c(pid);
    return c.wait();
}

inline bool exited_ok(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

}  // namespace skiff::seccomp::test
