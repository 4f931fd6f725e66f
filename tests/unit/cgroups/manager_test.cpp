// The cgroup manager against a fake tree: what each driver makes, finds,
// counts and removes, without root, real cgroups or a systemd.  The pids in
// the fake cgroup.procs files are never signalled: destroy() here only
// meets empty directories.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "cgroups/manager.hpp"
#include "fake_tree.hpp"

using namespace skiff::cgroups;
namespace fs = std::filesystem;

namespace {

Placement fs_placement(const std::string& path, std::vector<std::string> created = {}) {
    Placement p;
    p.path = path;
    p.created = std::move(created);
    return p;
}

oci::Config with_cgroups_path(const std::string& path) {
    oci::Config c;
    c.linux.emplace().cgroupsPath = path;
    return c;
}

// DBUS_SYSTEM_BUS_ADDRESS pointing nowhere for one test: no systemd answers.
struct NoSystemd {
    NoSystemd() { setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/skiff-test-bus", 1); }
    ~NoSystemd() { unsetenv("DBUS_SYSTEM_BUS_ADDRESS"); }
};

}  // namespace

TEST_CASE("manager: built from a placement, it keeps it", "[cgroups][manager]") {
    Placement p = fs_placement("/sys/fs/cgroup/a/b", {"/sys/fs/cgroup/a", "/sys/fs/cgroup/a/b"});
    p.driver = Driver::Systemd;
    p.unit = "skiff-x.scope";
    p.user_manager = true;
    auto m = make_manager(p);
    CHECK(m->placement() == p);
    CHECK(m->has_cgroup());
    CHECK_FALSE(make_manager(Placement{})->has_cgroup());
}

TEST_CASE("manager: create refuses a frozen parent and makes nothing", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("a", {});
    t.put("a/cgroup.freeze", "1\n");
    auto m = make_manager(fs_placement(t.root + "/a/b/c"), t.root);
    auto r = m->create(oci::Config{}, "c");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("\"" + t.root + "/a\" is frozen"));
    CHECK_FALSE(fs::exists(t.root + "/a/b"));
}

TEST_CASE("manager: a create that fails after mkdir removes what it made", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("a", {});
    auto m = make_manager(fs_placement(t.root + "/a/b/c"), t.root);
    // A limit on a controller the hierarchy does not have: refused with the
    // field once the cgroup exists, before anything is written.
    oci::Config cfg;
    cfg.linux.emplace().resources.emplace().unified = oci::StringMap{{"misc.max", "x 1"}};
    t.put("cgroup.controllers", "memory\n");
    auto r = m->create(cfg, "c");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("linux.resources.unified"));
    CHECK(fs::exists(t.root + "/a"));
    CHECK_FALSE(fs::exists(t.root + "/a/b"));
}

TEST_CASE("manager: a new cgroup is removed unless committed", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("a", {});
    const std::string leaf = t.root + "/a/b/c";
    SECTION("not committed") {
        {
            auto cg = Cgroup::create(CgroupPlan{true, leaf}, t.root);
            REQUIRE(cg.ok());
            CHECK(cg->created() == std::vector<std::string>{t.root + "/a/b", leaf});
            NewCgroup n(fs_placement(leaf, cg->created()), std::move(*cg));
            CHECK(n.fd() >= 0);
            t.put("a/b/c/cgroup.procs", "");
            REQUIRE(n.adopt_init(4242, false).ok());  // clone3 could not place it
            CHECK(t.get("a/b/c/cgroup.procs") == "4242");
            fs::remove(leaf + "/cgroup.procs");
        }
        CHECK_FALSE(fs::exists(t.root + "/a/b"));
        CHECK(fs::exists(t.root + "/a"));
    }
    SECTION("committed") {
        {
            auto cg = Cgroup::create(CgroupPlan{true, leaf}, t.root);
            REQUIRE(cg.ok());
            NewCgroup n(fs_placement(leaf, cg->created()), std::move(*cg));
            REQUIRE(n.adopt_init(4242, true).ok());  // placed by clone3: nothing written
            CHECK_FALSE(fs::exists(leaf + "/cgroup.procs"));
            n.commit();
        }
        CHECK(fs::exists(leaf));
    }
}

TEST_CASE("manager: missing_components names what create will make", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("a", {});
    CHECK(missing_components(CgroupPlan{true, t.root + "/a/b/c"}, t.root) ==
          std::vector<std::string>{t.root + "/a/b", t.root + "/a/b/c"});
    CHECK(missing_components(CgroupPlan{true, t.root + "/a"}, t.root).empty());
    CHECK(missing_components(CgroupPlan{}, t.root).empty());
}

TEST_CASE("manager: pids of the cgroup and every cgroup below it; kill all", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("c/sub/deeper", {});
    t.put("c/cgroup.procs", "999991\n999992\n");
    t.put("c/sub/cgroup.procs", "999993\n");
    t.put("c/sub/deeper/cgroup.procs", "");
    t.put("c/cgroup.kill", "");
    auto m = make_manager(fs_placement(t.root + "/c"), t.root);
    auto pids = m->pids();
    REQUIRE(pids.ok());
    std::sort(pids->begin(), pids->end());
    CHECK(*pids == std::vector<pid_t>{999991, 999992, 999993});
    CHECK(m->kill_all());
    CHECK(t.get("c/cgroup.kill") == "1");
    CHECK_FALSE(make_manager(fs_placement(t.root + "/gone"), t.root)->pids().ok());
}

TEST_CASE("manager: stats, OOM count and its watch", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("c", {});
    auto m = make_manager(fs_placement(t.root + "/c"), t.root);
    CHECK(m->oom_count() == 0);
    CHECK_FALSE(m->watch_oom());  // no memory controller: nothing to watch
    t.put("c/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\n");
    CHECK(m->oom_count() == 3);
    CHECK(m->watch_oom());
    CHECK_THAT(m->stats_json(), Catch::StartsWith("{\"cpu\":"));
}

TEST_CASE("manager: freeze and thaw wait for cgroup.events", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("c", {"cgroup.freeze"});
    t.put("c/cgroup.events", "populated 1\nfrozen 1\n");
    auto m = make_manager(fs_placement(t.root + "/c"), t.root);
    REQUIRE(m->freeze(true, 1000).ok());
    CHECK(t.get("c/cgroup.freeze") == "1");
    auto thaw = m->freeze(false, 100);  // events still say frozen 1
    REQUIRE_FALSE(thaw.ok());
    CHECK_THAT(thaw.error().message, Catch::Contains("frozen 0"));
}

TEST_CASE("manager: a container without a cgroup says so", "[cgroups][manager]") {
    auto m = make_manager(Placement{});
    CHECK_THAT(m->freeze(true).error().message, Catch::Contains("no cgroup"));
    CHECK_THAT(m->update(oci::Resources{}, skiff::linux::HostFacts{}).error().message, Catch::Contains("no cgroup"));
    CHECK(m->destroy().ok());  // nothing to remove
}

TEST_CASE("manager: destroy removes the subtree and the parents skiff made, nothing else", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("keep/made/leaf/child/grandchild", {});
    const std::string made = t.root + "/keep/made", leaf = made + "/leaf";
    for (Driver d : {Driver::Fs, Driver::Systemd}) {  // systemd without a unit: a create killed before the scope
        t.mkcg("keep/made/leaf/child/grandchild", {});
        Placement p = fs_placement(leaf, {made, leaf});
        p.driver = d;
        REQUIRE(make_manager(p, t.root)->destroy().ok());
        CHECK_FALSE(fs::exists(made));
        CHECK(fs::exists(t.root + "/keep"));
    }
}

TEST_CASE("manager: destroy of an empty leaf is one rmdir; what cannot go is named", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("made/leaf", {});
    const std::string made = t.root + "/made", leaf = made + "/leaf";
    REQUIRE(make_manager(fs_placement(leaf, {made, leaf}), t.root)->destroy().ok());
    CHECK_FALSE(fs::exists(made));
    // Already gone (a second delete, a create killed before mkdir): fine.
    REQUIRE(make_manager(fs_placement(leaf, {made, leaf}), t.root)->destroy().ok());
    // A leaf that cannot be emptied (a plain file stands for a busy child):
    // the slow path fails with the path.
    t.mkcg("stuck/child", {"file"});
    auto r = make_manager(fs_placement(t.root + "/stuck"), t.root)->destroy();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains(t.root + "/stuck"));
}

TEST_CASE("manager: create makes only what the plan found missing", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("a", {});
    const std::string leaf = t.root + "/a/b/c";
    // What FsManager::plan records and create passes on.
    const Placement p = fs_placement(leaf, missing_components(CgroupPlan{true, leaf}, t.root));
    SECTION("the missing components are made, shallowest first, and the leaf is fresh") {
        auto cg = Cgroup::create(CgroupPlan{true, leaf}, t.root, &p.created);
        REQUIRE(cg.ok());
        CHECK(cg->created() == std::vector<std::string>{t.root + "/a/b", leaf});
        CHECK(cg->fresh());
        CHECK(cg->fd() >= 0);
    }
    SECTION("an existing leaf is not fresh, and its freeze is read") {
        t.mkcg("a/b/c", {});
        std::vector<std::string> none;
        auto cg = Cgroup::create(CgroupPlan{true, leaf}, t.root, &none);
        REQUIRE(cg.ok());
        CHECK(cg->created().empty());
        CHECK_FALSE(cg->fresh());
        t.put("a/b/c/cgroup.freeze", "1\n");
        auto frozen = Cgroup::create(CgroupPlan{true, leaf}, t.root, &none);
        REQUIRE_FALSE(frozen.ok());
        CHECK_THAT(frozen.error().message, Catch::Contains("is frozen"));
    }
    SECTION("a component the plan called missing that exists now is checked, not claimed") {
        t.mkcg("a/b", {});
        t.put("a/b/cgroup.freeze", "1\n");
        auto cg = Cgroup::create(CgroupPlan{true, leaf}, t.root, &p.created);
        REQUIRE_FALSE(cg.ok());
        CHECK_THAT(cg.error().message, Catch::Contains(t.root + "/a/b\" is frozen"));
        CHECK_FALSE(fs::exists(leaf));
    }
}

TEST_CASE("manager: systemd plan names the unit before it exists", "[cgroups][manager][systemd]") {
    skiff::linux::HostFacts root;
    auto m = make_manager(Driver::Systemd, root);
    REQUIRE(m->plan(with_cgroups_path("machine.slice:pre:abc"), "id1").ok());
    CHECK(m->placement().driver == Driver::Systemd);
    CHECK(m->placement().unit == "pre-abc.scope");
    CHECK_FALSE(m->has_cgroup());  // systemd chooses the cgroup when it starts the scope
    CHECK(m->placement().created.empty());
    CHECK_FALSE(m->placement().user_manager);

    skiff::linux::HostFacts user;
    user.euid = 1000;
    auto u = make_manager(Driver::Systemd, user);
    REQUIRE(u->plan(oci::Config{}, "id2").ok());
    CHECK(u->placement().unit == "skiff-id2.scope");
    CHECK(u->placement().user_manager);

    // A bad cgroupsPath is create's to report; the plan names no unit.
    auto bad = make_manager(Driver::Systemd, root);
    REQUIRE(bad->plan(with_cgroups_path("/not/systemd/form"), "id3").ok());
    CHECK(bad->placement().unit.empty());
}

TEST_CASE("manager: systemd destroy with no systemd to answer still removes the cgroup", "[cgroups][manager][systemd]") {
    FakeTree t;
    t.mkcg("system.slice/skiff-x.scope/sub", {});
    Placement p = fs_placement(t.root + "/system.slice/skiff-x.scope");
    p.driver = Driver::Systemd;
    p.unit = "skiff-x.scope";
    NoSystemd none;
    REQUIRE(make_manager(p, t.root)->destroy().ok());
    CHECK_FALSE(fs::exists(p.path));
    CHECK(fs::exists(t.root + "/system.slice"));
}

TEST_CASE("manager: exec's process goes into the cgroup or a sub-cgroup of it", "[cgroups][manager]") {
    FakeTree t;
    t.mkcg("c/sub", {});
    auto m = make_manager(fs_placement(t.root + "/c"), t.root);
    auto whole = m->open_for_process("");
    REQUIRE(whole.ok());
    CHECK(whole->get() >= 0);
    auto sub = m->open_for_process("sub");
    REQUIRE(sub.ok());
    CHECK(sub->get() >= 0);
    CHECK_THAT(m->open_for_process("../escape").error().message, Catch::Contains("must not contain \"..\""));
    CHECK_THAT(m->open_for_process("missing").error().message, Catch::Contains("missing"));

    auto none = make_manager(Placement{});
    auto no_fd = none->open_for_process("");
    REQUIRE(no_fd.ok());
    CHECK(no_fd->get() < 0);  // no cgroup: the process stays where exec is
    CHECK_THAT(none->open_for_process("sub").error().message, Catch::Contains("no cgroup"));
}
