// The reader's error reporting, kind by kind: every message names the
// document, the JSON path, what was expected and where the value starts.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <ocispec/json.hpp>

#include "support.hpp"

namespace {

// Wraps `linux_body` as the "linux" object of a minimal config.
std::string with_linux(const std::string& linux_body) {
    return R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":)" + linux_body + "}";
}
std::string with_process(const std::string& process_body) {
    return R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":)" + process_body + "}";
}
// The error message, or "" when the document parses.
std::string err(const std::string& json) {
    auto r = oci::parse_config(json);
    return r ? std::string() : r.error().message;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("wrong type names path, expectation and position", "[ocispec][reader]") {
    const std::string doc =
        "{\n"
        "  \"ociVersion\": \"1.0.0\",\n"
        "  \"linux\": {\n"
        "    \"resources\": {\n"
        "      \"memory\": {\n"
        "        \"limit\": \"lots\"\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n";
    CHECK(err(doc) ==
          "config.json: linux.resources.memory.limit: expected integer, got string (line 6, column 18)");
}

TEST_CASE("each JSON type mismatch is reported", "[ocispec][reader]") {
    CHECK(contains(err(with_process(R"({"cwd":"/","terminal":"yes"})")),
                   "process.terminal: expected boolean, got string"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","process":[]})"), "process: expected object, got array"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","mounts":{}})"), "mounts: expected array, got object"));
    CHECK(contains(err(R"({"ociVersion":true})"), "ociVersion: expected string, got boolean"));
    CHECK(contains(err(with_linux(R"({"sysctl":{"a":1}})")), "linux.sysctl.a: expected string, got number"));
    CHECK(contains(err(with_linux(R"({"namespaces":[{"type":7}]})")),
                   "linux.namespaces[0].type: expected string, got number"));
    CHECK(err("[1]") == "config.json: expected object, got array (line 1, column 1)");
}

TEST_CASE("integer ranges are enforced per type", "[ocispec][reader]") {
    auto uid = [](const std::string& v) { return err(with_process(R"({"cwd":"/","user":{"uid":)" + v + "}}")); };
    CHECK(contains(uid("4294967296"), "process.user.uid: expected uint32 (0..4294967295), got 4294967296"));
    CHECK(contains(uid("-1"), "process.user.uid: expected uint32 (0..4294967295), got -1"));
    CHECK(uid("4294967295").empty());
    CHECK(contains(uid("1.5"), "expected integer, got 1.5"));
    CHECK(contains(uid("1e3"), "expected integer, got 1e3"));
    CHECK(contains(err(with_process(R"({"cwd":"/","consoleSize":{"height":18446744073709551616,"width":1}})")),
                   "process.consoleSize.height: expected uint64 (0..18446744073709551615), got 18446744073709551616"));
    CHECK(contains(err(with_linux(R"({"resources":{"memory":{"limit":9223372036854775808}}})")),
                   "expected int64 (-9223372036854775808..9223372036854775807)"));
    CHECK(contains(err(with_process(R"({"cwd":"/","ioPriority":{"class":"IOPRIO_CLASS_BE","priority":2147483648}})")),
                   "process.ioPriority.priority: expected int32 (-2147483648..2147483647)"));
    CHECK(contains(err(with_linux(R"({"resources":{"blockIO":{"weight":65536}}})")),
                   "linux.resources.blockIO.weight: expected uint16 (0..65535), got 65536"));
}

TEST_CASE("integer extremes are read exactly", "[ocispec][reader]") {
    auto c = oci::parse_config(with_linux(
        R"({"resources":{"memory":{"limit":-9223372036854775808,"swappiness":18446744073709551615}}})"));
    REQUIRE(c);
    CHECK(*c->linux->resources->memory->limit == INT64_MIN);
    CHECK(*c->linux->resources->memory->swappiness == UINT64_MAX);
}

TEST_CASE("invalid enum values list the allowed values", "[ocispec][reader]") {
    CHECK(contains(err(with_linux(R"({"namespaces":[{"type":"pidx"}]})")),
                   "linux.namespaces[0].type: expected one of \"pid\", \"network\", \"mount\", \"ipc\", "
                   "\"uts\", \"user\", \"cgroup\", \"time\", got \"pidx\""));
    struct Case {
        std::string doc, path, allowed;
    };
    const Case cases[] = {
        {with_linux(R"({"seccomp":{"defaultAction":"ALLOW"}})"), "linux.seccomp.defaultAction", "\"SCMP_ACT_NOTIFY\""},
        {with_linux(R"({"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"EQ"}]}]}})"),
         "linux.seccomp.syscalls[0].args[0].op", "\"SCMP_CMP_MASKED_EQ\""},
        {with_linux(R"({"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","x86"]}})"),
         "linux.seccomp.architectures[1]", "\"SCMP_ARCH_RISCV64\""},
        {with_linux(R"({"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","flags":["TSYNC"]}})"), "linux.seccomp.flags[0]",
         "\"SECCOMP_FILTER_FLAG_TSYNC\""},
        {with_linux(R"({"rootfsPropagation":"recursive"})"), "linux.rootfsPropagation", "\"runbindable\""},
        {with_process(R"({"cwd":"/","scheduler":{"policy":"SCHED_NORMAL"}})"), "process.scheduler.policy", "\"SCHED_DEADLINE\""},
        {with_process(R"({"cwd":"/","ioPriority":{"class":"BE"}})"), "process.ioPriority.class", "\"IOPRIO_CLASS_IDLE\""},
        {with_linux(R"({"memoryPolicy":{"mode":"bind"}})"), "linux.memoryPolicy.mode", "\"MPOL_LOCAL\""},
        {with_linux(R"({"personality":{"domain":"LINUX64"}})"), "linux.personality.domain", "\"LINUX32\""},
    };
    for (const auto& c : cases) {
        std::string m = err(c.doc);
        INFO(m);
        CHECK(contains(m, c.path + ": expected one of "));
        CHECK(contains(m, c.allowed));
    }
}

TEST_CASE("missing required properties are named", "[ocispec][reader]") {
    CHECK(err(R"({"root":{"path":"r"}})") ==
          "config.json: missing required property \"ociVersion\" (line 1, column 1)");
    CHECK(contains(err(R"({"ociVersion":"1.0.0","root":{}})"), "config.json: root: missing required property \"path\""));
    CHECK(contains(err(with_process(R"({"args":["sh"]})")), "process: missing required property \"cwd\""));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"type":"tmpfs"}]})"),
                   "mounts[1]: missing required property \"destination\""));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","hooks":{"poststop":[{"args":["x"]}]}})"),
                   "hooks.poststop[0]: missing required property \"path\""));
    CHECK(contains(err(with_linux(R"({"seccomp":{}})")), "linux.seccomp: missing required property \"defaultAction\""));
    CHECK(contains(err(with_linux(R"({"uidMappings":[{"containerID":0,"hostID":1}]})")),
                   "linux.uidMappings[0]: missing required property \"size\""));
    CHECK(contains(err(with_linux(R"({"resources":{"pids":{}}})")), "linux.resources.pids: missing required property \"limit\""));
    CHECK(contains(err(with_linux(R"({"devices":[{"path":"/dev/x"}]})")), "linux.devices[0]: missing required property \"type\""));
    auto s = oci::parse_state(R"({"ociVersion":"1.0.0","id":"x","bundle":"/b"})");
    REQUIRE_FALSE(s);
    CHECK(contains(s.error().message, "state.json: missing required property \"status\""));
}

TEST_CASE("schema patterns and bounds are checked", "[ocispec][reader]") {
    CHECK(contains(err(with_linux(R"({"devices":[{"path":"/dev/x","type":"x"}]})")),
                   "linux.devices[0].type: must match ^[cbup]$, got \"x\""));
    CHECK(contains(err(with_linux(R"({"devices":[{"path":"/dev/x","type":"c","fileMode":512}]})")),
                   "linux.devices[0].fileMode: expected file mode (0..511), got 512"));
    CHECK(contains(err(with_process(R"({"cwd":"/","rlimits":[{"type":"rlimit_nofile","soft":1,"hard":1}]})")),
                   "process.rlimits[0].type: must match ^RLIMIT_[A-Z]+$"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","hooks":{"prestart":[{"path":"/x","timeout":0}]}})"),
                   "hooks.prestart[0].timeout: must be at least 1, got 0"));
    CHECK(contains(err(with_linux(R"({"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}})")),
                   "linux.seccomp.syscalls[0].names: must have at least one item"));
    CHECK(contains(err(with_linux(R"({"intelRdt":{"memBwSchema":"L3:0=f"}})")), "linux.intelRdt.memBwSchema: must match ^MB:"));
    CHECK(contains(err(with_process(R"({"cwd":"/","execCPUAffinity":{"final":"0-3;7"}})")),
                   "process.execCPUAffinity.final: must match ^[0-9, -]*$"));
    CHECK(contains(err(with_linux(R"({"resources":{"hugepageLimits":[{"pageSize":"0KB","limit":1}]}})")),
                   "pageSize: must match ^[1-9][0-9]*[KMG]B$"));
    auto s = oci::parse_state(R"({"ociVersion":"1.0.0","id":"x","status":"running","bundle":"/b","pid":-1})");
    REQUIRE_FALSE(s);
    CHECK(contains(s.error().message, "pid: must not be negative, got -1"));
}

TEST_CASE("unknown properties are ignored at any depth", "[ocispec][reader]") {
    auto c = oci::parse_config(R"({"ociVersion":"1.0.0","x-top":{"a":[{"b":[[],{}]},1,"s",null,true]},
        "root":{"path":"r","x-root":[{"deep":{"deeper":[1,2,{"mounts":"not-an-array"}]}}]},
        "process":{"cwd":"/","x":null,"user":{"uid":5,"x":{"uid":"str"}}},
        "windows":{"layerFolders":["C:\\x"]},"solaris":{"milestone":"x"}})");
    if (!c) FAIL(c.error().message);
    CHECK(c->root->path == "r");
    CHECK(*c->process->user->uid == 5);
    CHECK_FALSE(c->mounts);
}

TEST_CASE("JSON keys that are C++ keywords map to their fields", "[ocispec][reader]") {
    auto p = oci::parse_process(R"({"cwd":"/","ioPriority":{"class":"IOPRIO_CLASS_RT","priority":3},
        "execCPUAffinity":{"initial":"0","final":"1-3"}})");
    REQUIRE(p);
    CHECK(p->ioPriority->klass == oci::IoPrioClass::Rt);
    CHECK(*p->ioPriority->priority == 3);
    CHECK(*p->execCPUAffinity->final_ == "1-3");
}

TEST_CASE("null means absent for optional properties only", "[ocispec][reader]") {
    auto c = oci::parse_config(R"({"ociVersion":"1.0.0","hostname":null,"linux":{"seccomp":null}})");
    REQUIRE(c);
    CHECK_FALSE(c->hostname);
    REQUIRE(c->linux);
    CHECK_FALSE(c->linux->seccomp);
    CHECK(contains(err(R"({"ociVersion":null})"), "ociVersion: expected string, got null"));
}

TEST_CASE("rootfsPropagation: runc's recursive spellings are read and written", "[ocispec][reader]") {
    using RP = oci::RootfsPropagation;
    const std::pair<const char*, RP> cases[] = {
        {"private", RP::Private},   {"shared", RP::Shared},   {"slave", RP::Slave},
        {"unbindable", RP::Unbindable}, {"rprivate", RP::RPrivate}, {"rshared", RP::RShared},
        {"rslave", RP::RSlave},     {"runbindable", RP::RUnbindable},
    };
    for (const auto& [name, value] : cases) {
        INFO(name);
        auto c = oci::parse_config(with_linux(std::string(R"({"rootfsPropagation":")") + name + "\"}"));
        if (!c) FAIL(c.error().message);
        CHECK(c->linux->rootfsPropagation == value);
        CHECK(contains(oci::write_config(*c, false), std::string(R"("rootfsPropagation":")") + name + "\""));
    }
}

// Two readers that disagree on which duplicate wins can be made to see two
// different configs: a duplicate is an error, at any depth, known or not.
TEST_CASE("duplicate keys are rejected with their path and line", "[ocispec][reader]") {
    CHECK(err("{\"ociVersion\":\"1.0.0\",\n\"process\":{\"cwd\":\"/\"},\n\"process\":{\"cwd\":\"/x\"}}") ==
          "config.json: process: duplicate key (line 3, column 1)");
    CHECK(contains(err(R"({"ociVersion":"0.1","ociVersion":"1.0.0"})"), "config.json: ociVersion: duplicate key"));
    CHECK(contains(err(with_process(R"({"cwd":"/","user":{"uid":0,"gid":0,"uid":5}})")),
                   "process.user.uid: duplicate key"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"destination":"/b","destination":"/c"}]})"),
                   "mounts[1].destination: duplicate key"));
    // maps: annotations, sysctl
    CHECK(contains(err(R"({"ociVersion":"1.0.0","annotations":{"a":"1","b":"2","a":"3"}})"),
                   "annotations.a: duplicate key"));
    CHECK(contains(err(with_linux(R"({"sysctl":{"net.x":"1","net.x":"2"}})")), "linux.sysctl.net.x: duplicate key"));
    // inside unknown properties too
    CHECK(contains(err(R"({"ociVersion":"1.0.0","x-ext":{"a":{"b":1,"b":2}}})"), "x-ext.a.b: duplicate key"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","x-ext":[{"k":1},{"k":1,"k":2}]})"), "x-ext.k: duplicate key"));
    // the same key in sibling objects is fine
    auto c = oci::parse_config(R"({"ociVersion":"1.0.0","root":{"path":"r"},
        "mounts":[{"destination":"/a","x":{"y":1}},{"destination":"/b","x":{"y":2}}]})");
    if (!c) FAIL(c.error().message);
    CHECK(c->mounts->size() == 2);
}

TEST_CASE("a string with a NUL is rejected, not cut short", "[ocispec][reader]") {
    CHECK(contains(err(R"({"ociVersion":"1.0.0","hostname":"box\u0000evil"})"),
                   "hostname: must not contain a NUL character"));
    CHECK(contains(err(with_process(R"({"cwd":"/","args":["sh","a\u0000b"]})")),
                   "process.args[1]: must not contain a NUL character"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0","annotations":{"a\u0000b":"x"}})"),
                   "config.json: annotations.a\\u0000b: key contains a NUL character (line 1, column 38)"));
}

TEST_CASE("paths through nested arrays and maps", "[ocispec][reader]") {
    CHECK(contains(err(R"({"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"destination":"/b","options":["ro",3]}]})"),
                   "mounts[1].options[1]: expected string, got number"));
    CHECK(contains(err(with_linux(R"({"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
        {"names":["a"],"action":"SCMP_ACT_ALLOW"},{"names":["b"],"action":"SCMP_ACT_ALLOW","args":[{"index":"0","value":1,"op":"SCMP_CMP_EQ"}]}]}})")),
                   "linux.seccomp.syscalls[1].args[0].index: expected integer, got string"));
    CHECK(contains(err(with_linux(R"({"resources":{"rdma":{"mlx":{"hcaObjects":-5}}}})")),
                   "linux.resources.rdma.mlx.hcaObjects: expected uint32"));
}

TEST_CASE("positions: line and column of the offending value", "[ocispec][reader]") {
    // A string value with escaped quotes: the column is its opening quote.
    CHECK(contains(err("{\"ociVersion\":\"1.0.0\",\n\"process\":{\"cwd\":\"/\",\n  \"user\":{\"uid\":\"a\\\"b\"}}}"),
                   "(line 3, column 17)"));
    CHECK(contains(err("{\n\n   \"ociVersion\": [\n]}"), "ociVersion: expected string, got array (line 3, column 18)"));
    CHECK(contains(err("{\"ociVersion\":\"1\",\"root\":\n  {\"readonly\":false}}"),
                   "root: missing required property \"path\" (line 2, column 3)"));
    // yajl's own message for malformed JSON, with where it stopped.
    std::string m = err("{\n  \"ociVersion\": \"1.0.0\",\n  ]");
    CHECK(contains(m, "config.json: invalid JSON: parse error"));
    CHECK(contains(m, "(line 3, column 3)"));
}

TEST_CASE("malformed input is rejected", "[ocispec][reader]") {
    CHECK(contains(err(""), "invalid JSON"));
    CHECK(contains(err("   "), "invalid JSON"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0"} {})"), "invalid JSON"));
    CHECK(contains(err(R"({"ociVersion":"1.0.0")"), "invalid JSON"));
    CHECK(contains(err("{\"ociVersion\":\"\xff\xfe\"}"), "invalid JSON"));  // not UTF-8
}

TEST_CASE("document names and sub-documents", "[ocispec][reader]") {
    auto r = oci::parse_resources(R"({"memory":{"limit":1024},"pids":{"limit":"x"}})", "update");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message, "update: pids.limit: expected integer, got string"));
    auto ok = oci::parse_resources(R"({"memory":{"limit":1024},"cpu":{"quota":-1,"cpus":"0-1"}})");
    REQUIRE(ok);
    CHECK(*ok->memory->limit == 1024);
    CHECK(*ok->cpu->quota == -1);
    auto p = oci::parse_process(R"({"cwd":"/","args":["sh","-c","true"],"env":["A=1"]})");
    REQUIRE(p);
    CHECK(p->args->size() == 3);
    auto f = oci::parse_features(R"({"ociVersionMin":"1.0.0","ociVersionMax":"1.3.0","linux":{"capabilities":["cap_x"]}})");
    REQUIRE_FALSE(f);
    CHECK(contains(f.error().message, "features.json: linux.capabilities: item 0 must match ^CAP_[A-Z_]+$"));
}

TEST_CASE("load_config reads a file and names it in errors", "[ocispec][reader]") {
    auto missing = oci::load_config("/nonexistent-skiff-dir/config.json");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "open /nonexistent-skiff-dir/config.json: No such file or directory");
    CHECK(missing.error().err == ENOENT);

    unit::TempDir tmp("skiff-ocispec");
    std::string path = tmp.path + "/config.json";
    std::ofstream(path) << R"({"ociVersion":"1.0.0","root":{"path":"rootfs"}})";
    auto c = oci::load_config(path);
    REQUIRE(c);
    CHECK(c->root->path == "rootfs");
    std::ofstream(path) << R"({"ociVersion":1})";
    auto bad = oci::load_config(path);
    REQUIRE_FALSE(bad);
    CHECK(contains(bad.error().message, path + ": ociVersion: expected string"));
}

TEST_CASE("load_config reads a file whose size fstat cannot tell (a FIFO), past its first buffer", "[ocispec][reader]") {
    unit::TempDir tmp("skiff-ocispec");
    std::string path = tmp.path + "/config.json";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    const std::string big(20000, 'x');  // several times the 4 KiB first guess
    std::thread writer([&] {
        std::ofstream(path) << R"({"ociVersion":"1.0.0","annotations":{"a":")" << big << R"("}})";
    });
    auto c = oci::load_config(path);
    writer.join();
    REQUIRE(c);
    CHECK(c->annotations->at("a") == big);
}
