// The child half, for real: a forked child applies a plan and reports what
// the kernel says about it (/proc/self/status, getrlimit, ...) through a
// pipe.  Forked so this test process keeps its own credentials.  Needs root
// (unit-kernel-tests).
#include <fcntl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "linux/process_impl.hpp"

using namespace skiff::linux;
using Catch::Matchers::Contains;

namespace {

struct ChildResult {
    int status = -1;
    std::string out;
};

// Runs body(report_fd) in a forked child; its exit status is 0 unless body
// returns false.  The child never returns into Catch.
ChildResult run_child(const std::function<bool(int)>& body) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        bool ok = false;
        try {
            ok = body(fds[1]);
        } catch (...) {
        }
        _exit(ok ? 0 : 1);
    }
    ::close(fds[1]);
    ChildResult r;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) r.out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    return r;
}

void say(int fd, const std::string& s) {
    std::string line = s + "\n";
    (void)!::write(fd, line.data(), line.size());
}

// The lines of /proc/self/status that describe credentials.
void report_status(int fd) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        for (const char* k : {"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:",
                              "CapAmb:", "NoNewPrivs:"})
            if (line.rfind(k, 0) == 0) say(fd, line);
}

// Whitespace-normalised value of "Key:" in a report.
std::string field(const std::string& out, const std::string& key) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) != 0) continue;
        std::istringstream words(line.substr(key.size() + 1));
        std::string w, v;
        while (words >> w) v += (v.empty() ? "" : " ") + w;
        return v;
    }
    return "<missing " + key + ">";
}

oci::Config base_config() {
    oci::Config c;
    c.ociVersion = "1.3.0";
    oci::Process p;
    p.cwd = "/";
    p.args = oci::Strings{"true"};
    p.env = oci::Strings{"PATH=/usr/bin:/bin"};
    c.process = p;
    c.linux = oci::Linux{};
    return c;
}

ProcessPlan plan_ok(const oci::Config& c) {
    auto r = plan_process(c, *c.process);
    INFO((r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

bool fail(int fd, const oci::Error& e) {
    say(fd, "error: " + e.message);
    return false;
}

}  // namespace

TEST_CASE("apply: non-root user with all five capability sets", "[process][root]") {
    auto c = base_config();
    auto& p = *c.process;
    p.user = oci::User{};
    p.user->uid = 1000;
    p.user->gid = 1001;
    p.user->additionalGids = std::vector<uint32_t>{10, 20};
    p.user->umask = 077;
    p.noNewPrivileges = true;
    p.capabilities = oci::Capabilities{};
    p.capabilities->bounding = oci::Strings{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    p.capabilities->permitted = oci::Strings{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    p.capabilities->effective = oci::Strings{"CAP_CHOWN", "CAP_KILL"};
    p.capabilities->inheritable = oci::Strings{"CAP_NET_BIND_SERVICE"};
    p.capabilities->ambient = oci::Strings{"CAP_NET_BIND_SERVICE"};
    p.rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 100, 200}, {"RLIMIT_CORE", 0, 0}};
    auto plan = plan_ok(c);

    auto r = run_child([&](int fd) {
        if (auto e = apply_early(plan); !e) return fail(fd, e.error());
        if (auto e = apply_identity(plan); !e) return fail(fd, e.error());
        report_status(fd);
        mode_t m = umask(0);
        say(fd, "Umask: " + std::to_string(m));
        struct rlimit nofile, core;
        getrlimit(RLIMIT_NOFILE, &nofile);
        getrlimit(RLIMIT_CORE, &core);
        say(fd, "Nofile: " + std::to_string(nofile.rlim_cur) + " " + std::to_string(nofile.rlim_max));
        say(fd, "Core: " + std::to_string(core.rlim_cur) + " " + std::to_string(core.rlim_max));
        return true;
    });
    INFO(r.out);
    REQUIRE(WIFEXITED(r.status));
    REQUIRE(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "Uid") == "1000 1000 1000 1000");
    CHECK(field(r.out, "Gid") == "1001 1001 1001 1001");
    CHECK(field(r.out, "Groups") == "10 20");
    // CAP_CHOWN = 0, CAP_KILL = 5, CAP_NET_BIND_SERVICE = 10
    CHECK(field(r.out, "CapBnd") == "0000000000000421");
    CHECK(field(r.out, "CapPrm") == "0000000000000421");
    CHECK(field(r.out, "CapEff") == "0000000000000021");
    CHECK(field(r.out, "CapInh") == "0000000000000400");
    CHECK(field(r.out, "CapAmb") == "0000000000000400");
    CHECK(field(r.out, "NoNewPrivs") == "1");
    CHECK(field(r.out, "Umask") == std::to_string(077));
    CHECK(field(r.out, "Nofile") == "100 200");
    CHECK(field(r.out, "Core") == "0 0");
}

TEST_CASE("apply: after execve a non-root process keeps only its ambient caps", "[process][root]") {
    auto c = base_config();
    auto& p = *c.process;
    p.args = oci::Strings{"cat", "/proc/self/status"};
    p.user = oci::User{};
    p.user->uid = 1000;
    p.user->gid = 1000;
    p.capabilities = oci::Capabilities{};
    p.capabilities->bounding = oci::Strings{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
    p.capabilities->permitted = oci::Strings{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
    p.capabilities->effective = oci::Strings{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
    p.capabilities->inheritable = oci::Strings{"CAP_NET_BIND_SERVICE"};
    p.capabilities->ambient = oci::Strings{"CAP_NET_BIND_SERVICE"};
    auto plan = plan_ok(c);

    auto r = run_child([&](int fd) {
        if (auto e = apply_identity(plan); !e) return fail(fd, e.error());
        auto exe = resolve_executable(plan);
        if (!exe) return fail(fd, exe.error());
        if (chdir(exec_cwd(plan)) != 0 || dup2(fd, 1) != 1) return false;
        execve(*exe, const_cast<char* const*>(exec_argv(plan)), const_cast<char* const*>(exec_envp(plan)));
        return false;
    });
    INFO(r.out);
    REQUIRE(WIFEXITED(r.status));
    REQUIRE(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "Uid") == "1000 1000 1000 1000");
    CHECK(field(r.out, "CapBnd") == "0000000000000401");
    CHECK(field(r.out, "CapPrm") == "0000000000000400");
    CHECK(field(r.out, "CapEff") == "0000000000000400");
    CHECK(field(r.out, "CapAmb") == "0000000000000400");
    CHECK(field(r.out, "NoNewPrivs") == "0");
}

TEST_CASE("apply: absent capabilities leave root with none", "[process][root]") {
    auto plan = plan_ok(base_config());
    auto r = run_child([&](int fd) {
        if (auto e = apply_identity(plan); !e) return fail(fd, e.error());
        report_status(fd);
        mode_t m = umask(0);
        say(fd, "Umask: " + std::to_string(m));
        return true;
    });
    INFO(r.out);
    REQUIRE(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "Uid") == "0 0 0 0");
    CHECK(field(r.out, "Groups") == "");
    for (const char* k : {"CapBnd", "CapPrm", "CapEff", "CapInh", "CapAmb"})
        CHECK(field(r.out, k) == "0000000000000000");
    CHECK(field(r.out, "Umask") == std::to_string(022));
}

TEST_CASE("apply: an rlimit the kernel refuses names the rlimit", "[process][root]") {
    auto c = base_config();
    struct rlimit cur;
    REQUIRE(getrlimit(RLIMIT_NOFILE, &cur) == 0);
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", cur.rlim_max, cur.rlim_max}};
    auto plan = plan_ok(c);
    // Lower the hard limit in the child first, so the prepared step must raise it.
    auto r = run_child([&](int fd) {
        struct rlimit lower = {10, 10};
        setrlimit(RLIMIT_NOFILE, &lower);
        if (auto e = apply_early(plan); !e) return fail(fd, e.error());
        return true;
    });
    ProcessHost host = probe_process_host(c);
    if (host.caps.sys_resource) {
        CHECK(WEXITSTATUS(r.status) == 0);
    } else {
        CHECK(WEXITSTATUS(r.status) == 1);
        CHECK_THAT(r.out, Contains("setrlimit RLIMIT_NOFILE"));
        CHECK_THAT(r.out, Contains("Operation not permitted"));
    }
}

TEST_CASE("apply: scheduler, ioprio, affinity, personality, oom score and memory policy", "[process][root]") {
    bool two_cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    auto c = base_config();
    auto& p = *c.process;
    oci::Scheduler s;
    s.policy = oci::SchedPolicy::Batch;
    s.nice = 7;
    p.scheduler = s;
    p.ioPriority = oci::IoPriority{oci::IoPrioClass::Be, 6};
    p.execCPUAffinity = oci::ExecCpuAffinity{std::string(two_cpus ? "1" : "0"), std::string("0")};
    p.oomScoreAdj = 500;
    c.linux->personality = oci::Personality{oci::PersonalityDomain::Linux32, std::nullopt};
    c.linux->memoryPolicy = oci::MemoryPolicy{oci::MemoryPolicyMode::Bind, std::string("0"), std::nullopt};
    auto plan = plan_ok(c);

    auto r = run_child([&](int fd) {
        if (auto e = apply_early(plan); !e) return fail(fd, e.error());
        cpu_set_t set;
        sched_getaffinity(0, sizeof set, &set);
        say(fd, "Initial: " + std::to_string(CPU_COUNT(&set)) + " " + std::to_string(CPU_ISSET(two_cpus ? 1 : 0, &set)));
        SchedAttr a{};
        syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
        say(fd, "Sched: " + std::to_string(a.sched_policy) + " " + std::to_string(a.sched_nice));
        say(fd, "Ioprio: " + std::to_string(syscall(SYS_ioprio_get, 1, 0)));
        say(fd, "Personality: " + std::to_string(personality(0xffffffff)));
        std::ifstream oom("/proc/self/oom_score_adj");
        std::string v;
        oom >> v;
        say(fd, "Oom: " + v);
        int mode = -1;
        unsigned long mask[1024 / 64] = {};
        syscall(SYS_get_mempolicy, &mode, mask, 1025, nullptr, 0);
        say(fd, "Mempolicy: " + std::to_string(mode) + " " + std::to_string(mask[0]));
        if (auto e = apply_final(plan); !e) return fail(fd, e.error());
        sched_getaffinity(0, sizeof set, &set);
        say(fd, "Final: " + std::to_string(CPU_COUNT(&set)) + " " + std::to_string(CPU_ISSET(0, &set)));
        return true;
    });
    INFO(r.out);
    REQUIRE(WIFEXITED(r.status));
    REQUIRE(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "Initial") == "1 1");
    CHECK(field(r.out, "Final") == "1 1");
    CHECK(field(r.out, "Sched") == std::to_string(SCHED_BATCH) + " 7");
    CHECK(field(r.out, "Ioprio") == std::to_string((2 << 13) | 6));
    CHECK(field(r.out, "Personality") == std::to_string(PER_LINUX32));
    CHECK(field(r.out, "Oom") == "500");
    CHECK(field(r.out, "Mempolicy") == "2 1");  // MPOL_BIND, node 0
}

TEST_CASE("apply: sysctl is written in the container's namespaces only", "[process][root]") {
    auto c = base_config();
    c.linux->namespaces = std::vector<oci::Namespace>{{oci::NamespaceType::Network, std::nullopt},
                                                      {oci::NamespaceType::Ipc, std::nullopt}};
    auto read = [](const char* path) {
        std::ifstream f(path);
        std::string v;
        f >> v;
        return v;
    };
    std::string host_fwd = read("/proc/sys/net/ipv4/ip_forward");
    std::string host_shm = read("/proc/sys/kernel/shmmni");
    std::string want_fwd = host_fwd == "1" ? "0" : "1";
    c.linux->sysctl = oci::StringMap{{"net.ipv4.ip_forward", want_fwd}, {"kernel/shmmni", "1234"}};
    auto plan = plan_ok(c);
    auto r = run_child([&](int fd) {
        if (unshare(CLONE_NEWNET | CLONE_NEWIPC) != 0) return false;
        if (auto e = apply_sysctl(plan); !e) return fail(fd, e.error());
        say(fd, "Fwd: " + read("/proc/sys/net/ipv4/ip_forward"));
        say(fd, "Shm: " + read("/proc/sys/kernel/shmmni"));
        return true;
    });
    INFO(r.out);
    REQUIRE(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "Fwd") == want_fwd);
    CHECK(field(r.out, "Shm") == "1234");
    CHECK(read("/proc/sys/net/ipv4/ip_forward") == host_fwd);
    CHECK(read("/proc/sys/kernel/shmmni") == host_shm);

    // A key the kernel does not have fails in the child with the key named.
    c.linux->sysctl = oci::StringMap{{"net.ipv4.no_such_knob", "1"}};
    auto plan2 = plan_ok(c);
    auto r2 = run_child([&](int fd) {
        if (unshare(CLONE_NEWNET) != 0) return false;
        if (auto e = apply_sysctl(plan2); !e) return fail(fd, e.error());
        return true;
    });
    CHECK(WEXITSTATUS(r2.status) == 1);
    CHECK_THAT(r2.out, Contains("linux.sysctl \"net.ipv4.no_such_knob\": open /proc/sys/net/ipv4/no_such_knob: No such file or directory"));
}

TEST_CASE("apply: setgroups denied in a user namespace", "[process][root]") {
    auto c = base_config();
    c.linux->namespaces = std::vector<oci::Namespace>{{oci::NamespaceType::User, std::nullopt}};
    auto run = [&](const ProcessPlan& plan) {
        return run_child([&](int fd) {
            if (unshare(CLONE_NEWUSER) != 0) return false;
            auto put = [](const char* path, const char* v) {
                int f = open(path, O_WRONLY | O_CLOEXEC);
                bool ok = f >= 0 && write(f, v, strlen(v)) == static_cast<ssize_t>(strlen(v));
                if (f >= 0) close(f);
                return ok;
            };
            if (!put("/proc/self/setgroups", "deny") || !put("/proc/self/uid_map", "0 0 1") ||
                !put("/proc/self/gid_map", "0 0 1"))
                return false;
            if (auto e = apply_identity(plan); !e) return fail(fd, e.error());
            report_status(fd);
            return true;
        });
    };
    auto r = run(plan_ok(c));
    INFO(r.out);
    CHECK(WEXITSTATUS(r.status) == 0);
    CHECK(field(r.out, "CapEff") == "0000000000000000");

    c.process->user = oci::User{};
    c.process->user->additionalGids = std::vector<uint32_t>{0};
    auto r2 = run(plan_ok(c));
    CHECK(WEXITSTATUS(r2.status) == 1);
    CHECK_THAT(r2.out, Contains("process.user.additionalGids: setgroups is denied"));
}
