// plan_process validation: every rule rejects with the field path in the
// message, and the accepted values turn into the right syscall arguments.
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "linux/process_impl.hpp"
#include "support.hpp"

using namespace skiff::linux;

namespace {

oci::Config base_config() {
    oci::Config c;
    c.ociVersion = "1.3.0";
    oci::Process p;
    p.cwd = "/";
    p.args = oci::Strings{"sh"};
    p.env = oci::Strings{"PATH=/bin:/usr/bin", "TERM=xterm"};
    c.process = p;
    c.linux = oci::Linux{};
    return c;
}

ProcessHost fake_host() {
    ProcessHost h;
    h.caps.last_cap = 40;
    h.caps.grantable = (uint64_t{1} << 41) - 1;
    h.caps.sys_resource = false;
    for (auto& v : h.hard) v = 1000000;
    h.hard[RLIMIT_NOFILE] = 20000;
    return h;
}

// The error message of planning `c`, or "" when it plans.
std::string plan_error(const oci::Config& c, const ProcessHost& h = fake_host()) {
    auto r = plan_process(c, *c.process, h);
    return r.ok() ? std::string() : r.error().message;
}

ProcessPlan plan_ok(const oci::Config& c, const ProcessHost& h = fake_host()) {
    auto r = plan_process(c, *c.process, h);
    INFO((r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

void add_ns(oci::Config& c, oci::NamespaceType t) {
    if (!c.linux->namespaces) c.linux->namespaces.emplace();
    c.linux->namespaces->push_back(oci::Namespace{t, std::nullopt});
}

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

}  // namespace

TEST_CASE("process plan: args, cwd and env are checked", "[process]") {
    auto c = base_config();
    c.process->args = oci::Strings{};
    CHECK_THAT(plan_error(c), Contains("process.args: at least one argument is required"));
    c.process->args.reset();
    CHECK_THAT(plan_error(c), Contains("process.args"));

    c = base_config();
    c.process->cwd = "relative/dir";
    CHECK_THAT(plan_error(c), Equals("process.cwd: \"relative/dir\" is not an absolute path"));

    c = base_config();
    c.process->env = oci::Strings{"A=1", "NOEQUALS"};
    CHECK_THAT(plan_error(c), Equals("process.env[1]: \"NOEQUALS\" is not of the form KEY=VALUE"));
    c.process->env = oci::Strings{"=value"};
    CHECK_THAT(plan_error(c), Contains("process.env[0]"));
}

TEST_CASE("process plan: argv and envp are NULL-terminated copies", "[process]") {
    auto c = base_config();
    c.process->args = oci::Strings{"echo", "a b", ""};
    auto p = plan_ok(c);
    auto argv = exec_argv(p);
    CHECK(std::string(argv[0]) == "echo");
    CHECK(std::string(argv[1]) == "a b");
    CHECK(std::string(argv[2]).empty());
    CHECK(argv[3] == nullptr);
    auto envp = exec_envp(p);
    CHECK(std::string(envp[0]) == "PATH=/bin:/usr/bin");
    CHECK(std::string(envp[1]) == "TERM=xterm");
    CHECK(std::string(envp[2]) == "HOME=/");  // until resolve_home finds the user's
    CHECK(envp[3] == nullptr);
    CHECK(std::string(exec_cwd(p)) == "/");
    CHECK(p.impl->path == "/bin:/usr/bin");
    CHECK(p.impl->umask == 022);  // runc's default

    // Without PATH the lookup uses runc's default, but envp is not changed.
    c.process->env = oci::Strings{"A=1", "HOME=/home/x"};
    auto q = plan_ok(c);
    CHECK(q.impl->path == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    CHECK(std::string(exec_envp(q)[0]) == "A=1");
    CHECK(std::string(exec_envp(q)[1]) == "HOME=/home/x");
    CHECK(exec_envp(q)[2] == nullptr);
}

TEST_CASE("process plan: user", "[process]") {
    auto c = base_config();
    c.process->user = oci::User{};
    c.process->user->uid = 1000;
    c.process->user->gid = 100;
    c.process->user->additionalGids = std::vector<uint32_t>{5, 6};
    c.process->user->umask = 077;
    auto p = plan_ok(c);
    CHECK(p.impl->uid == 1000);
    CHECK(p.impl->gid == 100);
    CHECK(p.impl->groups == std::vector<gid_t>{5, 6});
    CHECK(p.impl->umask == 077);
    c.process->user->umask = 01000;
    CHECK_THAT(plan_error(c), Contains("process.user.umask"));
}

TEST_CASE("process plan: rlimits", "[process]") {
    auto c = base_config();
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1048576, 1048576}};
    CHECK_THAT(plan_error(c), Equals("process.rlimits[0]: RLIMIT_NOFILE hard limit 1048576 exceeds the "
                                     "current hard limit 20000 and skiff lacks CAP_SYS_RESOURCE"));
    auto h = fake_host();
    h.caps.sys_resource = true;
    CHECK(plan_error(c, h).empty());

    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_CORE", 0, 0}, {"RLIMIT_BOGUS", 1, 1}};
    CHECK_THAT(plan_error(c), Equals("process.rlimits[1]: unknown rlimit type \"RLIMIT_BOGUS\""));
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_CORE", 0, 0}, {"RLIMIT_CORE", 1, 1}};
    CHECK_THAT(plan_error(c), Contains("process.rlimits[1]: duplicate"));
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 2000, 1000}};
    CHECK_THAT(plan_error(c), Contains("process.rlimits[0]: RLIMIT_NOFILE soft limit 2000 exceeds"));

    // Lowering (or keeping) a hard limit needs no privilege.
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1024, 20000}, {"RLIMIT_CORE", 0, 0}};
    auto p = plan_ok(c);
    REQUIRE(p.impl->rlimits.size() == 2);
    CHECK(p.impl->rlimits[0].resource == RLIMIT_NOFILE);
    CHECK(p.impl->rlimits[0].limit.rlim_cur == 1024);
    CHECK(p.impl->rlimits[0].limit.rlim_max == 20000);
    CHECK(rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
    CHECK(rlimit_from_name("RLIMIT_SIGPENDING") == RLIMIT_SIGPENDING);
}

TEST_CASE("process plan: oomScoreAdj, scheduler and ioPriority ranges", "[process]") {
    auto c = base_config();
    c.process->oomScoreAdj = 1001;
    CHECK_THAT(plan_error(c), Contains("process.oomScoreAdj: 1001 is out of range"));
    c.process->oomScoreAdj = -1000;
    CHECK(*plan_ok(c).impl->oom_score_adj == "-1000");

    c = base_config();
    oci::Scheduler s;
    s.policy = oci::SchedPolicy::Other;
    s.nice = 20;
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("process.scheduler.nice: 20 is out of range"));
    s.nice = 5;
    s.priority = 10;
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("process.scheduler.priority: only SCHED_FIFO and SCHED_RR"));
    s.policy = oci::SchedPolicy::Fifo;
    s.priority = 0;
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("process.scheduler.priority: SCHED_FIFO needs a priority in 1..99"));
    s.policy = oci::SchedPolicy::Batch;
    s.priority.reset();
    s.runtime = 1000;
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("only for SCHED_DEADLINE"));
    s.policy = oci::SchedPolicy::Deadline;
    s.runtime = 2000000;
    s.deadline = 1000000;
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("process.scheduler: SCHED_DEADLINE needs 0 < runtime <= deadline"));
    s.policy = oci::SchedPolicy::Iso;
    s.runtime.reset();
    s.deadline.reset();
    c.process->scheduler = s;
    CHECK_THAT(plan_error(c), Contains("process.scheduler.policy: SCHED_ISO"));

    s = oci::Scheduler{};
    s.policy = oci::SchedPolicy::Rr;
    s.priority = 50;
    s.flags = std::vector<oci::SchedFlag>{oci::SchedFlag::ResetOnFork};
    c.process->scheduler = s;
    auto p = plan_ok(c);
    REQUIRE(p.impl->sched.sched);
    CHECK(p.impl->sched.sched->sched_policy == SCHED_RR);
    CHECK(p.impl->sched.sched->sched_priority == 50);
    CHECK(p.impl->sched.sched->sched_flags == 1);
    CHECK(p.impl->sched.sched->size == 56);

    c = base_config();
    c.process->ioPriority = oci::IoPriority{oci::IoPrioClass::Idle, 8};
    CHECK_THAT(plan_error(c), Contains("process.ioPriority.priority: 8 is out of range 0..7"));
    c.process->ioPriority = oci::IoPriority{oci::IoPrioClass::Rt, 3};
    CHECK(*plan_ok(c).impl->sched.ioprio == ((1 << 13) | 3));
}

TEST_CASE("process plan: id lists", "[process]") {
    auto r = parse_id_list("0-3,7", 1024, "CPU");
    REQUIRE(r.ok());
    CHECK(r->count() == 5);
    for (int i : {0, 1, 2, 3, 7}) CHECK(r->test(i));
    CHECK(parse_id_list("1023", 1024, "CPU").ok());
    CHECK_THAT(parse_id_list("1024", 1024, "CPU").error().message, Contains("CPU 1024 is out of range"));
    CHECK_THAT(parse_id_list("3-1", 1024, "CPU").error().message, Contains("ends before it starts"));
    CHECK_THAT(parse_id_list("0,,1", 1024, "CPU").error().message, Contains("empty element"));
    CHECK_THAT(parse_id_list("0,", 1024, "CPU").error().message, Contains("empty element"));
    CHECK_THAT(parse_id_list("a", 1024, "CPU").error().message, Contains("\"a\" is not a number"));
    CHECK_THAT(parse_id_list("1-", 1024, "CPU").error().message, Contains("is not a number"));
    CHECK_THAT(parse_id_list("-1", 1024, "CPU").error().message, Contains("is not a number"));

    auto c = base_config();
    c.process->execCPUAffinity = oci::ExecCpuAffinity{std::string("0-1"), std::string("5-2")};
    CHECK_THAT(plan_error(c), Contains("process.execCPUAffinity.final: invalid list \"5-2\""));
    c.process->execCPUAffinity = oci::ExecCpuAffinity{std::string("1,3"), std::string("")};
    auto p = plan_ok(c);
    REQUIRE(p.impl->sched.affinity_initial);
    CHECK(CPU_COUNT(&*p.impl->sched.affinity_initial) == 2);
    CHECK(CPU_ISSET(3, &*p.impl->sched.affinity_initial));
    CHECK_FALSE(p.impl->sched.affinity_final);  // empty: leave it to the kernel
}

TEST_CASE("process plan: personality and memory policy", "[process]") {
    auto c = base_config();
    c.linux->personality = oci::Personality{oci::PersonalityDomain::Linux32, std::nullopt};
    CHECK(*plan_ok(c).impl->sched.personality == PER_LINUX32);
    c.linux->personality = oci::Personality{oci::PersonalityDomain::Linux, std::nullopt};
    CHECK(*plan_ok(c).impl->sched.personality == PER_LINUX);
    c.linux->personality = oci::Personality{oci::PersonalityDomain::Linux, oci::Strings{"SHORT_INODE"}};
    CHECK_THAT(plan_error(c), Contains("linux.personality.flags: unsupported flag \"SHORT_INODE\""));
    c.linux->personality = oci::Personality{std::nullopt, std::nullopt};
    CHECK_THAT(plan_error(c), Contains("linux.personality.domain"));

    c = base_config();
    using M = oci::MemoryPolicyMode;
    c.linux->memoryPolicy = oci::MemoryPolicy{std::nullopt, std::nullopt, std::nullopt};
    CHECK_THAT(plan_error(c), Contains("linux.memoryPolicy.mode: required"));
    c.linux->memoryPolicy = oci::MemoryPolicy{M::Default, std::string("0"), std::nullopt};
    CHECK_THAT(plan_error(c), Contains("linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes"));
    c.linux->memoryPolicy = oci::MemoryPolicy{M::Local, std::string("1"), std::nullopt};
    CHECK_THAT(plan_error(c), Contains("MPOL_LOCAL takes no nodes"));
    c.linux->memoryPolicy = oci::MemoryPolicy{M::Bind, std::nullopt, std::nullopt};
    CHECK_THAT(plan_error(c), Contains("linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"));
    c.linux->memoryPolicy = oci::MemoryPolicy{M::Interleave, std::string("0-x"), std::nullopt};
    CHECK_THAT(plan_error(c), Contains("linux.memoryPolicy.nodes: invalid list"));
    c.linux->memoryPolicy = oci::MemoryPolicy{
        M::Interleave, std::string("0"),
        std::vector<oci::MemoryPolicyFlag>{oci::MemoryPolicyFlag::StaticNodes,
                                           oci::MemoryPolicyFlag::RelativeNodes}};
    CHECK_THAT(plan_error(c), Contains("linux.memoryPolicy.flags"));
    c.linux->memoryPolicy = oci::MemoryPolicy{
        M::Interleave, std::string("0,2-3"),
        std::vector<oci::MemoryPolicyFlag>{oci::MemoryPolicyFlag::StaticNodes}};
    auto p = plan_ok(c);
    CHECK(p.impl->sched.mpol_mode == (3 | (1 << 15)));
    CHECK(p.impl->sched.nodemask[0] == 0b1101);
    CHECK(p.impl->sched.maxnode == 1025);
}

TEST_CASE("process plan: sysctl must belong to a namespace the container owns", "[process]") {
    auto c = base_config();
    c.linux->sysctl = oci::StringMap{{"vm.swappiness", "10"}};
    CHECK_THAT(plan_error(c), Equals("linux.sysctl: \"vm.swappiness\" is not namespaced and cannot be set in a container"));
    c.linux->sysctl = oci::StringMap{{"net.ipv4.ip_forward", "1"}};
    CHECK_THAT(plan_error(c), Contains("linux.sysctl: \"net.ipv4.ip_forward\" needs a network namespace"));
    c.linux->sysctl = oci::StringMap{{"kernel.shmmax", "1"}};
    CHECK_THAT(plan_error(c), Contains("linux.sysctl: \"kernel.shmmax\" needs an ipc namespace"));
    c.linux->sysctl = oci::StringMap{{"fs.mqueue.queues_max", "1"}};
    CHECK_THAT(plan_error(c), Contains("needs an ipc namespace"));
    c.linux->sysctl = oci::StringMap{{"kernel.domainname", "x"}};
    CHECK_THAT(plan_error(c), Contains("needs a uts namespace"));

    add_ns(c, oci::NamespaceType::Network);
    add_ns(c, oci::NamespaceType::Ipc);
    add_ns(c, oci::NamespaceType::Uts);
    c.linux->sysctl = oci::StringMap{{"net.ipv4.conf.all.forwarding", "1"},
                                     {"kernel.msgmax", "9000"},
                                     {"net/ipv4/conf/eth0.5/forwarding", "0"},
                                     {"kernel.hostname", "h"}};
    auto p = plan_ok(c);
    REQUIRE(p.impl->sysctls.size() == 4);
    CHECK(p.impl->sysctls[0].path == "/proc/sys/kernel/hostname");
    CHECK(p.impl->sysctls[1].path == "/proc/sys/kernel/msgmax");
    CHECK(p.impl->sysctls[2].path == "/proc/sys/net/ipv4/conf/all/forwarding");
    CHECK(p.impl->sysctls[3].path == "/proc/sys/net/ipv4/conf/eth0.5/forwarding");

    c.linux->sysctl = oci::StringMap{{"net.ipv4..x", "1"}};
    CHECK_THAT(plan_error(c), Contains("is not a valid sysctl name"));
    c.linux->sysctl = oci::StringMap{{"net/../../vm/swappiness", "1"}};
    CHECK_THAT(plan_error(c), Contains("is not a valid sysctl name"));
}

TEST_CASE("process plan: capabilities", "[process]") {
    auto c = base_config();
    c.process->capabilities = oci::Capabilities{};
    // Unknown names (newer kernels' caps in an image) are ignored with a
    // warning, as runc and crun do; the known ones still apply.
    c.process->capabilities->bounding = oci::Strings{"CAP_CHOWN", "CAP_FOO", "cap_kill"};
    {
        auto u = plan_ok(c, fake_host());
        CHECK(u.impl->caps.bounding == (1u << CAP_CHOWN));
        REQUIRE(u.impl->warnings.size() == 2);
        CHECK_THAT(u.impl->warnings[0], Equals("process.capabilities.bounding: unknown capability \"CAP_FOO\"; ignored"));
        CHECK_THAT(u.impl->warnings[1], Contains("unknown capability \"cap_kill\""));
    }

    c.process->capabilities = oci::Capabilities{};
    c.process->capabilities->bounding = oci::Strings{"CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"};
    c.process->capabilities->permitted = oci::Strings{"CAP_CHOWN", "CAP_KILL", "CAP_SYS_RESOURCE"};
    c.process->capabilities->effective = oci::Strings{"CAP_CHOWN", "CAP_NET_RAW"};
    c.process->capabilities->inheritable = oci::Strings{"CAP_KILL", "CAP_SETUID"};
    c.process->capabilities->ambient = oci::Strings{"CAP_KILL", "CAP_CHOWN"};
    auto h = fake_host();
    h.caps.last_cap = 39;                               // CAP_CHECKPOINT_RESTORE unknown to the kernel
    h.caps.grantable &= ~(uint64_t{1} << CAP_SYS_RESOURCE);  // this machine's situation
    auto p = plan_ok(c, h);
    const auto& k = p.impl->caps;
    CHECK(k.bounding == ((1u << CAP_CHOWN) | (1u << CAP_KILL)));
    CHECK(k.permitted == ((1u << CAP_CHOWN) | (1u << CAP_KILL)));
    CHECK(k.effective == (1u << CAP_CHOWN));     // CAP_NET_RAW not permitted
    CHECK(k.inheritable == (1u << CAP_KILL));    // CAP_SETUID not in bounding
    CHECK(k.ambient == (1u << CAP_KILL));        // CAP_CHOWN not inheritable
    REQUIRE(p.impl->warnings.size() == 5);
    CHECK_THAT(p.impl->warnings[0], Contains("process.capabilities.bounding: capability \"CAP_CHECKPOINT_RESTORE\" is not known to the running kernel"));
    CHECK_THAT(p.impl->warnings[1], Contains("process.capabilities.permitted: capability \"CAP_SYS_RESOURCE\" cannot be granted"));

    // Absent capabilities: every set empty (runc).
    auto q = plan_ok(base_config());
    CHECK(q.impl->caps.bounding == 0);
    CHECK(q.impl->caps.permitted == 0);
    CHECK(q.impl->caps.effective == 0);
    CHECK(cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
    CHECK(cap_name(CAP_NET_BIND_SERVICE) == "CAP_NET_BIND_SERVICE");
}

TEST_CASE("process plan: AppArmor and SELinux need the LSM on the host", "[process]") {
    auto c = base_config();
    c.process->apparmorProfile = "acme_secure_profile";
    CHECK_THAT(plan_error(c), Contains("process.apparmorProfile: profile \"acme_secure_profile\" is required, but this host has no AppArmor"));
    auto h = fake_host();
    h.apparmor = true;
    CHECK(plan_error(c, h).empty());
    c = base_config();
    c.process->selinuxLabel = "system_u:system_r:svirt_lxc_net_t:s0";
    CHECK_THAT(plan_error(c), Contains("process.selinuxLabel"));
    CHECK_THAT(plan_error(c), Contains("no SELinux"));
    c.process->selinuxLabel = "";  // empty means unset
    CHECK(plan_error(c).empty());
}

TEST_CASE("process plan: the real host probe", "[process]") {
    auto c = base_config();
    auto host = probe_process_host(c);
    CHECK(host.caps.last_cap >= 36);
    struct rlimit lim;
    REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
    CHECK(host.hard[RLIMIT_NOFILE] == lim.rlim_max);
    if (lim.rlim_max != RLIM_INFINITY) {
        c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1024, lim.rlim_max + 1}};
        auto r = plan_process(c, *c.process);
        if (host.caps.sys_resource) {
            CHECK(r.ok());
        } else {
            REQUIRE_FALSE(r.ok());
            CHECK_THAT(r.error().message, Contains("process.rlimits[0]: RLIMIT_NOFILE hard limit"));
            CHECK_THAT(r.error().message, Contains("skiff lacks CAP_SYS_RESOURCE"));
        }
    }
}

namespace {
using unit::TempDir;
void touch(const std::string& p, mode_t mode) {
    FILE* f = fopen(p.c_str(), "w");
    REQUIRE(f);
    fclose(f);
    REQUIRE(chmod(p.c_str(), mode) == 0);
}
}  // namespace

TEST_CASE("resolve_executable searches PATH for a regular executable file", "[process]") {
    TempDir d;
    std::string a = d.path + "/a", b = d.path + "/b";
    REQUIRE(mkdir(a.c_str(), 0755) == 0);
    REQUIRE(mkdir(b.c_str(), 0755) == 0);
    touch(a + "/tool", 0644);                       // not executable: skipped
    REQUIRE(mkdir((a + "/dir").c_str(), 0755) == 0);  // a directory: skipped
    touch(b + "/tool", 0755);
    touch(b + "/dir", 0700);

    auto c = base_config();
    c.process->env = oci::Strings{"PATH=::" + a + ":" + b};
    c.process->args = oci::Strings{"tool"};
    auto p = plan_ok(c);
    auto r = resolve_executable(p);
    REQUIRE(r.ok());
    CHECK(std::string(*r) == b + "/tool");

    c.process->args = oci::Strings{"dir"};
    auto p2 = plan_ok(c);
    auto r2 = resolve_executable(p2);
    REQUIRE(r2.ok());
    CHECK(std::string(*r2) == b + "/dir");

    c.process->args = oci::Strings{"nonexistent-tool"};
    auto r3 = resolve_executable(plan_ok(c));
    REQUIRE_FALSE(r3.ok());
    CHECK_THAT(r3.error().message, Equals("exec: \"nonexistent-tool\": executable file not found in $PATH"));

    // With a slash, args[0] is used as given (not searched), but must be executable.
    c.process->args = oci::Strings{b + "/tool"};
    auto p4 = plan_ok(c);
    auto r4 = resolve_executable(p4);
    REQUIRE(r4.ok());
    CHECK(std::string(*r4) == b + "/tool");
    c.process->args = oci::Strings{a + "/tool"};
    CHECK_FALSE(resolve_executable(plan_ok(c)).ok());

    c.process->env = oci::Strings{"HOME=/"};  // default PATH
    c.process->args = oci::Strings{"sh"};
    auto p5 = plan_ok(c);
    auto r5 = resolve_executable(p5);
    REQUIRE(r5.ok());
    CHECK(access(*r5, X_OK) == 0);
}

TEST_CASE("ensure_cwd creates a missing working directory", "[process]") {
    TempDir d;
    auto c = base_config();
    c.process->cwd = d.path + "/x/y//z";
    auto p = plan_ok(c);
    REQUIRE(ensure_cwd(p).ok());
    struct stat st;
    REQUIRE(stat((d.path + "/x/y/z").c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK(ensure_cwd(p).ok());  // exists now

    touch(d.path + "/file", 0644);
    c.process->cwd = d.path + "/file/sub";
    auto r = ensure_cwd(plan_ok(c));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Contains("process.cwd"));
    CHECK_THAT(r.error().message, Contains("Not a directory"));
}

TEST_CASE("resolve_home takes HOME from /etc/passwd unless the config sets it", "[process]") {
    // Reads this machine's /etc/passwd, where root's home is /root.
    auto c = base_config();
    c.process->env = oci::Strings{"A=1"};
    auto p = plan_ok(c);
    REQUIRE(resolve_home(p).ok());
    CHECK(std::string(exec_envp(p)[1]) == "HOME=/root");
    CHECK(exec_envp(p)[2] == nullptr);

    c.process->user = oci::User{};
    c.process->user->uid = 4000123;  // no such user: runc's default
    auto q = plan_ok(c);
    REQUIRE(resolve_home(q).ok());
    CHECK(std::string(exec_envp(q)[1]) == "HOME=/");

    c.process->env = oci::Strings{"HOME=/mine"};
    c.process->user->uid = 0;
    auto r = plan_ok(c);
    REQUIRE(resolve_home(r).ok());
    CHECK(std::string(exec_envp(r)[0]) == "HOME=/mine");
    CHECK(exec_envp(r)[1] == nullptr);
}

TEST_CASE("process plan: the narrowed host probe reads what the process names, as the full one", "[process]") {
    auto c = base_config();
    c.process->capabilities = oci::Capabilities{};
    c.process->capabilities->bounding = oci::Strings{"CAP_KILL", "CAP_CHOWN"};
    c.process->capabilities->ambient = oci::Strings{"CAP_NET_RAW", "CAP_NO_SUCH_CAP"};
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1, 1}, {"RLIMIT_CORE", 0, 0}};
    const auto full = probe_process_host(c);
    const auto narrow = probe_process_host(c, *c.process);
    const uint64_t named = (uint64_t{1} << CAP_KILL) | (uint64_t{1} << CAP_CHOWN) | (uint64_t{1} << CAP_NET_RAW);
    CHECK((narrow.caps.grantable & named) == (full.caps.grantable & named));
    CHECK((narrow.caps.grantable & ~named) == 0);
    CHECK(narrow.caps.last_cap == full.caps.last_cap);
    CHECK(narrow.caps.sys_resource == full.caps.sys_resource);
    CHECK(narrow.hard[RLIMIT_NOFILE] == full.hard[RLIMIT_NOFILE]);
    CHECK(narrow.hard[RLIMIT_CORE] == full.hard[RLIMIT_CORE]);
    CHECK(narrow.hard[RLIMIT_STACK] == RLIM_INFINITY);  // not asked: never read
    CHECK_FALSE(narrow.apparmor);                        // no profile: not looked for
    CHECK_FALSE(narrow.selinux);
    c.process->apparmorProfile = "p";
    CHECK(probe_process_host(c, *c.process).apparmor == full.apparmor);
}
