// `state`, `list` and `check` over hand-made state directories and bundles.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "cli/check_host.hpp"
#include "cli/output.hpp"
#include "cli/spec_default.hpp"
#include "ocispec/json.hpp"
#include "support.hpp"

using namespace skiff::cli;
namespace fs = std::filesystem;

namespace {

using unit::TempDir;

void write_file(const std::string& p, const std::string& s) { REQUIRE(unit::write_file(p, s)); }

// A host that offers what the default spec asks for, without probing this
// one: the verdicts must not depend on who runs the test or where.
HostProbe plain_host() {
    HostProbe h;
    h.layout = CgroupLayout::Unified;
    h.cgroup2_path = "/sys/fs/cgroup";
    h.controllers = {"cpuset", "cpu", "io", "memory", "pids"};
    h.kernel_major = 6;
    h.kernel_minor = 1;
    h.max_user_namespaces = 1000;
    h.seccomp = h.seccomp_notify = true;
    h.pidfd = h.clone3 = h.openat2 = true;
    return h;
}

const CheckItem* find_item(const std::vector<CheckItem>& items, const std::string& name) {
    for (const auto& i : items)
        if (i.name == name) return &i;
    return nullptr;
}

}  // namespace

TEST_CASE("list/state on a hand-made state dir", "[cli][output]") {
    TempDir t;
    std::string root = t.path + "/root";
    fs::create_directories(root + "/live");
    fs::create_directories(root + "/gone");
    // The test process itself is a live, non-zombie pid.
    skiff::core::ContainerRecord live;
    live.id = "live";
    live.bundle = "/b/live";
    live.rootfs = "/b/live/rootfs";
    live.pid = getpid();
    live.pid_start_time = skiff::core::process_start_time(getpid());
    live.created = "2026-11-25T13:57:50.5Z";
    live.owner_uid = 0;
    write_file(root + "/live/state.json", skiff::core::record_to_json(live));
    write_file(root + "/gone/state.json",
               R"({"id":"gone","bundle":"/b/gone","pid":2147483000,"created":"c","owner_uid":4242})");

    auto all = load_all(root);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].record.id == "gone");
    CHECK((*all)[0].status == oci::Status::Stopped);
    CHECK((*all)[1].status == oci::Status::Running);

    // Go's tabwriter: each column is its widest cell + 3, at least 12.
    std::string table = list_table(*all);
    std::string header = "ID          PID         STATUS      BUNDLE      CREATED" + std::string(18, ' ') + "OWNER\n";
    CHECK(table.substr(0, header.size()) == header);
    CHECK(table.find("gone        0           stopped     /b/gone     c" + std::string(24, ' ') + "#4242\n") !=
          std::string::npos);

    std::string js = state_json((*all)[0], true);
    CHECK(js.find("\n  \"pid\": 0,\n") != std::string::npos);  // runc: pid 0 once stopped
    CHECK(js.find("\n  \"owner\": \"#4242\"") != std::string::npos);  // list's view has the owner
    auto one = load_view(root, "gone");
    REQUIRE(one.ok());
    CHECK(one->owner.empty());  // runc's `state` says "owner": ""
    CHECK(state_json(*one, true).find("\n  \"owner\": \"\"") != std::string::npos);
    auto st = oci::parse_state(state_json((*all)[1], false));
    REQUIRE(st.ok());  // a superset of the OCI state that the shared reader accepts
    CHECK(st->pid == getpid());
    CHECK(st->status == oci::Status::Running);

    std::string lj = list_json(*all);
    CHECK(lj.front() == '[');
    CHECK(lj.find("\"id\":\"live\"") != std::string::npos);
    CHECK(list_json({}) == "[]");

    auto missing = load_view(root, "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().err == ENOENT);
    CHECK_FALSE(load_view(root, "../root").ok());
}

TEST_CASE("check: a default spec without rootfs fails on root.path only", "[cli][check]") {
    TempDir t;
    write_file(t.path + "/config.json", oci::write_config(default_spec({}), true));
    HostProbe h = plain_host();
    auto items = bundle_checks(t.path, h);
    const CheckItem* cfg = find_item(items, "config.json");
    REQUIRE(cfg);
    CHECK(cfg->verdict == Verdict::Ok);
    const CheckItem* root = find_item(items, "root.path");
    REQUIRE(root);
    CHECK(root->verdict == Verdict::Fail);
    CHECK(root->detail.find("No such file or directory") != std::string::npos);

    fs::create_directories(t.path + "/rootfs");
    items = bundle_checks(t.path, h);
    CHECK(find_item(items, "root.path")->verdict == Verdict::Ok);
}

TEST_CASE("check: per-field verdicts against fixed host facts", "[cli][check]") {
    TempDir t;
    fs::create_directories(t.path + "/rootfs");
    oci::Config c = default_spec({});
    c.process->rlimits = std::vector<oci::Rlimit>{{"RLIMIT_NOFILE", 1024, 1ULL << 40}};
    c.process->apparmorProfile = "docker-default";
    c.linux->namespaces->push_back({oci::NamespaceType::Cgroup, std::string("/nonexistent/ns/cgroup")});
    oci::MemoryResources mem;
    mem.limit = 1 << 20;
    c.linux->resources->memory = mem;
    write_file(t.path + "/config.json", oci::write_config(c, true));

    HostProbe h;
    h.layout = CgroupLayout::Hybrid;
    h.cgroup2_path = "/sys/fs/cgroup/unified";
    h.controllers = {"hugetlb"};
    h.kernel_major = 6;
    h.max_user_namespaces = 10;
    auto items = bundle_checks(t.path, h);
    const CheckItem* rl = find_item(items, "process.rlimits[0]");
    REQUIRE(rl);
    CHECK(rl->verdict == Verdict::Fail);
    CHECK(rl->detail.find("RLIMIT_NOFILE hard limit 1099511627776 exceeds") == 0);
    CHECK(find_item(items, "process.apparmorProfile")->verdict == Verdict::Fail);
    CHECK(find_item(items, "linux.namespaces[5]")->verdict == Verdict::Fail);
    const CheckItem* m = find_item(items, "linux.resources.memory");
    REQUIRE(m);
    CHECK(m->verdict == Verdict::Fail);
    CHECK(m->detail.find("(available: hugetlb)") != std::string::npos);

    h.cap_sys_resource = true;
    h.apparmor = true;
    h.controllers.push_back("memory");
    items = bundle_checks(t.path, h);
    CHECK(find_item(items, "process.rlimits[0]")->verdict == Verdict::Ok);
    CHECK(find_item(items, "process.apparmorProfile")->verdict == Verdict::Ok);
    CHECK(find_item(items, "linux.resources.memory")->verdict == Verdict::Ok);
}

TEST_CASE("check: an invalid config.json is one FAIL naming the problem", "[cli][check]") {
    TempDir t;
    write_file(t.path + "/config.json", "{\"ociVersion\": 5}");
    auto items = bundle_checks(t.path, plain_host());
    REQUIRE(items.size() == 1);
    CHECK(items[0].verdict == Verdict::Fail);
    CHECK(items[0].detail.find("ociVersion") != std::string::npos);
}
