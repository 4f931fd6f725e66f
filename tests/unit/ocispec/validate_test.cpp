// validate_config, one rule per test case, each starting from a config that
// passes and changing exactly one thing.
#include <catch2/catch.hpp>

#include <ocispec/json.hpp>

namespace {

oci::Config base() {
    auto c = oci::parse_config(R"({
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"]},
        "hostname": "box",
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]}
    })");
    REQUIRE(c);
    return *c;
}
std::string why(const oci::Config& c) {
    auto r = oci::validate_config(c);
    return r ? std::string() : r.error().message;
}
void add_ns(oci::Config& c, oci::NamespaceType t, std::optional<std::string> path = std::nullopt) {
    c.linux->namespaces->push_back(oci::Namespace{t, path});
}

}  // namespace

TEST_CASE("the base config is valid, and the spec example's shape too", "[ocispec][validate]") {
    CHECK(why(base()).empty());
}

TEST_CASE("ociVersion must be 1.x", "[ocispec][validate]") {
    auto c = base();
    c.ociVersion = "2.0.0";
    CHECK(why(c) == "config.json: ociVersion: unsupported version \"2.0.0\", want 1.x");
    c.ociVersion = "";
    CHECK(why(c) == "config.json: ociVersion: must not be empty");
    c.ociVersion = "1.0.2-dev";
    CHECK(why(c).empty());
}

TEST_CASE("root is required with a path", "[ocispec][validate]") {
    auto c = base();
    c.root->path = "";
    CHECK(why(c) == "config.json: root.path: must not be empty");
    c.root.reset();
    CHECK(why(c) == "config.json: missing required property \"root\"");
}

TEST_CASE("process.args is required and non-empty", "[ocispec][validate]") {
    auto c = base();
    c.process->args = oci::Strings{};
    CHECK(why(c) == "config.json: process.args: must have at least one item");
    c.process->args.reset();
    CHECK(why(c) == "config.json: process: missing required property \"args\"");
}

TEST_CASE("process.cwd is absolute", "[ocispec][validate]") {
    auto c = base();
    c.process->cwd = "tmp";
    CHECK(why(c) == "config.json: process.cwd: must be an absolute path, got \"tmp\"");
}

TEST_CASE("mount destinations are absolute", "[ocispec][validate]") {
    auto c = base();
    c.mounts->push_back(oci::Mount{"tmp", {}, {}, {}, {}, {}});
    CHECK(why(c) == "config.json: mounts[1].destination: must be an absolute path, got \"tmp\"");
}

TEST_CASE("namespace types are unique and paths absolute", "[ocispec][validate]") {
    auto c = base();
    add_ns(c, oci::NamespaceType::Pid, "/proc/1/ns/pid");
    CHECK(why(c) == "config.json: linux.namespaces[3].type: duplicate namespace \"pid\"");
    c = base();
    add_ns(c, oci::NamespaceType::Network, "proc/1/ns/net");
    CHECK(why(c) == "config.json: linux.namespaces[3].path: must be an absolute path, got \"proc/1/ns/net\"");
}

TEST_CASE("id mappings and user namespaces go together", "[ocispec][validate]") {
    auto c = base();
    c.linux->uidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    CHECK(why(c) == "config.json: linux.uidMappings: mappings require a user namespace");
    c = base();
    add_ns(c, oci::NamespaceType::User);
    CHECK(why(c) == "config.json: linux.uidMappings: a new user namespace requires uid mappings");
    c.linux->uidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    CHECK(why(c) == "config.json: linux.gidMappings: a new user namespace requires gid mappings");
    c.linux->gidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    CHECK(why(c).empty());
    // Joining an existing user namespace needs no mappings.
    c = base();
    add_ns(c, oci::NamespaceType::User, "/proc/1/ns/user");
    CHECK(why(c).empty());
}

TEST_CASE("timeOffsets need a new time namespace", "[ocispec][validate]") {
    auto c = base();
    c.linux->timeOffsets = oci::TimeOffsets{oci::TimeOffset{10, 0}, std::nullopt};
    CHECK(why(c) == "config.json: linux.timeOffsets: requires a time namespace");
    add_ns(c, oci::NamespaceType::Time, "/proc/1/ns/time");
    CHECK(why(c) == "config.json: linux.timeOffsets: cannot be set when joining a time namespace");
    c.linux->namespaces->back().path.reset();
    CHECK(why(c).empty());
}

TEST_CASE("hostname and domainname need a uts namespace", "[ocispec][validate]") {
    auto c = base();
    c.linux->namespaces->pop_back();  // drop uts
    CHECK(why(c) == "config.json: hostname: requires a uts namespace");
    c.hostname.reset();
    c.domainname = "example.org";
    CHECK(why(c) == "config.json: domainname: requires a uts namespace");
}

TEST_CASE("hostname and domainname fit HOST_NAME_MAX and hold no NUL", "[ocispec][validate]") {
    auto c = base();
    c.hostname = std::string(64, 'h');
    CHECK(why(c).empty());
    c.hostname = std::string(65, 'h');
    CHECK(why(c) == "config.json: hostname: is 65 bytes, longer than 64 bytes (HOST_NAME_MAX)");
    c.hostname = std::string(50 << 20, 'h');
    CHECK(why(c) == "config.json: hostname: is 52428800 bytes, longer than 64 bytes (HOST_NAME_MAX)");
    c.hostname = std::string("box\0evil", 8);
    CHECK(why(c) == "config.json: hostname: must not contain a NUL character");
    c.hostname = "box";
    c.domainname = std::string(65, 'd');
    CHECK(why(c) == "config.json: domainname: is 65 bytes, longer than 64 bytes (HOST_NAME_MAX)");
}

TEST_CASE("cgroupsPath: any form, but no ..", "[ocispec][validate]") {
    auto c = base();
    for (const char* ok : {"/skiff/c1", "skiff/c1", "system.slice:skiff:c1", "a..b/c"}) {
        c.linux->cgroupsPath = ok;
        CHECK(why(c).empty());
    }
    for (const char* bad : {"/a/../../etc", "..", "system.slice:..:c1", "a/.."}) {
        c.linux->cgroupsPath = bad;
        CHECK(why(c).find("linux.cgroupsPath: must not contain \"..\"") != std::string::npos);
    }
}

TEST_CASE("hooks: absolute path and positive timeout", "[ocispec][validate]") {
    auto c = base();
    c.hooks = oci::Hooks{};
    c.hooks->createRuntime = std::vector<oci::Hook>{{"/bin/true", {}, {}, 5}, {"true", {}, {}, {}}};
    CHECK(why(c) == "config.json: hooks.createRuntime[1].path: must be an absolute path, got \"true\"");
    c.hooks->createRuntime->pop_back();
    c.hooks->poststop = std::vector<oci::Hook>{{"/bin/true", {}, {}, 0}};
    CHECK(why(c) == "config.json: hooks.poststop[0].timeout: must be at least 1, got 0");
}

TEST_CASE("device paths are absolute", "[ocispec][validate]") {
    auto c = base();
    c.linux->devices = std::vector<oci::Device>{{"c", "dev/fuse", 10, 229, {}, {}, {}}};
    CHECK(why(c) == "config.json: linux.devices[0].path: must be an absolute path, got \"dev/fuse\"");
}

TEST_CASE("sysctl keys are non-empty", "[ocispec][validate]") {
    auto c = base();
    c.linux->sysctl = oci::StringMap{{"", "1"}};
    CHECK(why(c) == "config.json: linux.sysctl: keys must not be empty");
}

TEST_CASE("rlimits: known, unique, soft <= hard", "[ocispec][validate]") {
    auto c = base();
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 10, 20}, {"RLIMIT_FOO", 1, 1}};
    CHECK(why(c) == "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
    c.process->rlimits->back() = {"RLIMIT_NOFILE", 1, 1};
    CHECK(why(c) == "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
    c.process->rlimits->back() = {"RLIMIT_CORE", 2, 1};
    CHECK(why(c) == "config.json: process.rlimits[1]: soft limit 2 exceeds hard limit 1");
    c.process->rlimits->back() = {"RLIMIT_RTTIME", 1, 1};
    CHECK(why(c).empty());
}

TEST_CASE("capability names look like CAP_*", "[ocispec][validate]") {
    auto c = base();
    c.process->capabilities = oci::Capabilities{};
    c.process->capabilities->effective = oci::Strings{"CAP_KILL", "NET_ADMIN"};
    CHECK(why(c) == "config.json: process.capabilities.effective[1]: invalid capability name \"NET_ADMIN\", want CAP_*");
}

TEST_CASE("unified keys are plain cgroup file names", "[ocispec][validate]") {
    auto c = base();
    c.linux->resources = oci::Resources{};
    c.linux->resources->unified = oci::StringMap{{"memory.max", "1G"}};
    CHECK(why(c).empty());
    for (const char* bad : {"../cgroup.procs", "..", "a/b"}) {
        c.linux->resources->unified = oci::StringMap{{bad, "1"}};
        CHECK(why(c).find("linux.resources.unified: key") != std::string::npos);
    }
}

TEST_CASE("oomScoreAdj within -1000..1000", "[ocispec][validate]") {
    auto c = base();
    c.process->oomScoreAdj = 1000;
    CHECK(why(c).empty());
    c.process->oomScoreAdj = -1001;
    CHECK(why(c) == "config.json: process.oomScoreAdj: must be within -1000..1000, got -1001");
}

TEST_CASE("seccomp: errnoRet only where an errno is returned", "[ocispec][validate]") {
    auto c = base();
    c.linux->seccomp = oci::Seccomp{};
    c.linux->seccomp->defaultAction = oci::SeccompAction::Kill;
    c.linux->seccomp->defaultErrnoRet = 1;
    CHECK(why(c).find("linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO") != std::string::npos);
    c.linux->seccomp->defaultAction = oci::SeccompAction::Errno;
    CHECK(why(c).empty());
    c.linux->seccomp->syscalls = std::vector<oci::SeccompSyscall>{{{"read"}, oci::SeccompAction::Allow, 1, {}}};
    CHECK(why(c) == "config.json: linux.seccomp.syscalls[0].errnoRet: only allowed with SCMP_ACT_ERRNO or "
                    "SCMP_ACT_TRACE, action is SCMP_ACT_ALLOW");
    c.linux->seccomp->syscalls->at(0).action = oci::SeccompAction::Trace;
    CHECK(why(c).empty());
}

TEST_CASE("seccomp: SCMP_ACT_NOTIFY needs listenerPath", "[ocispec][validate]") {
    auto c = base();
    c.linux->seccomp = oci::Seccomp{};
    c.linux->seccomp->syscalls = std::vector<oci::SeccompSyscall>{{{"mkdir"}, oci::SeccompAction::Notify, {}, {}}};
    CHECK(why(c) == "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    c.linux->seccomp->listenerPath = "/run/agent.sock";
    CHECK(why(c).empty());
    c.linux->seccomp->listenerPath.reset();
    c.linux->seccomp->syscalls.reset();
    c.linux->seccomp->listenerMetadata = "x";
    CHECK(why(c) == "config.json: linux.seccomp.listenerMetadata: requires listenerPath");
}

TEST_CASE("validation errors use the document name given", "[ocispec][validate]") {
    auto c = base();
    c.process->cwd = std::string("x");  // move-assign: GCC 12 -Wrestrict false positive otherwise
    auto r = oci::validate_config(c, "/bundle/config.json");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("/bundle/config.json: process.cwd:", 0) == 0);
}

TEST_CASE("container ids follow runc's rule", "[ocispec][validate]") {
    for (const char* ok : {"c1", "my_container.v2", "a+b-c", "A", "..."})
        CHECK(oci::validate_container_id(ok));
    for (const char* bad : {"", ".", "..", "a/b", "a b", "ü", "a:b", "../x"}) {
        auto r = oci::validate_container_id(bad);
        INFO(bad);
        CHECK_FALSE(r);
    }
    auto r = oci::validate_container_id("a/b");
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "invalid container id \"a/b\": must match [A-Za-z0-9_+.-]+ and not be \".\" or \"..\"");
    // The id names a directory: at most NAME_MAX (255) characters.
    CHECK(oci::validate_container_id(std::string(255, 'a')));
    r = oci::validate_container_id(std::string(256, 'a'));
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "invalid container id: 256 characters, longer than 255 (a container id names a directory)");
}
