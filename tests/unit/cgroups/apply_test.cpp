// Plans applied to a fake tree: controllers enabled up the path, files
// written, nothing written when anything is wrong, rollback on failure.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <filesystem>

#include "cgroups/resources.hpp"
#include "common/fd.hpp"
#include "fake_tree.hpp"

using namespace skiff::cgroups;

namespace {

oci::Resources limits() {
    oci::Resources r;
    r.memory.emplace().limit = 1 << 20;
    r.pids = oci::PidsResources{64};
    r.cpu.emplace().shares = 1024;
    return r;
}

}  // namespace

TEST_CASE("apply enables controllers on every ancestor and writes the files", "[cgroups]") {
    FakeTree t;
    t.mkcg("a", {"cgroup.subtree_control", "cgroup.controllers"});
    t.put("a/cgroup.subtree_control", "memory\n");
    std::string leaf = t.mkcg("a/b", {"memory.max", "pids.max", "cpu.weight"});
    REQUIRE(apply_resources_at(t.root, leaf, limits(), false).ok());
    CHECK(t.get("a/b/memory.max") == "1048576");
    CHECK(t.get("a/b/pids.max") == "64");
    CHECK(t.get("a/b/cpu.weight") == "39");
    // root lacked all three; "a" already had memory
    CHECK(t.get("cgroup.subtree_control") == "+memory +cpu +pids");
    CHECK(t.get("a/cgroup.subtree_control") == "+cpu +pids");
}

TEST_CASE("only the controllers asked for are enabled", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"pids.max"});
    oci::Resources r;
    r.pids = oci::PidsResources{5};
    REQUIRE(apply_resources_at(t.root, leaf, r, false).ok());
    CHECK(t.get("cgroup.subtree_control") == "+pids");
    FakeTree t2;
    std::string leaf2 = t2.mkcg("c", {});
    REQUIRE(apply_resources_at(t2.root, leaf2, oci::Resources{}, false).ok());
    CHECK(t2.get("cgroup.subtree_control").empty());
}

TEST_CASE("a controller missing from the hierarchy is a clear error and nothing is written", "[cgroups]") {
    FakeTree t;
    t.put("cgroup.controllers", "hugetlb\n");  // the host's v2 view
    std::string leaf = t.mkcg("c", {"memory.max", "pids.max"});
    auto r = apply_resources_at(t.root, leaf, limits(), false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "linux.resources.memory: the memory controller is not available in this cgroup v2 hierarchy");
    CHECK(t.get("c/memory.max").empty());
    CHECK(t.get("cgroup.subtree_control").empty());
}

TEST_CASE("a bad value in an update changes nothing", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max", "pids.max", "cpu.weight"});
    t.put("c/memory.max", "max\n");
    oci::Resources r = limits();
    r.cpu->shares = 999999;  // out of range, planned after memory
    auto res = apply_resources_at(t.root, leaf, r, true);
    REQUIRE_FALSE(res.ok());
    CHECK_THAT(res.error().message, Catch::Contains("linux.resources.cpu.shares"));
    CHECK(t.get("c/memory.max") == "max\n");
    CHECK(t.get("c/pids.max").empty());
}

TEST_CASE("a missing file names the field before anything is written", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max", "cpu.weight"});  // no pids.max
    auto res = apply_resources_at(t.root, leaf, limits(), false);
    REQUIRE_FALSE(res.ok());
    CHECK_THAT(res.error().message, Catch::Contains("linux.resources.pids.limit") && Catch::Contains("pids.max"));
    CHECK(t.get("c/memory.max").empty());
}

TEST_CASE("a failing write puts back the files already written", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max", "cpu.weight"});
    t.put("c/memory.max", "max\n");
    // pids.max as a directory: exists for the check, fails to open for writing
    std::filesystem::create_directory(leaf + "/pids.max");
    Writes w{{"memory.max", "1048576", "linux.resources.memory.limit", "memory"},
             {"pids.max", "64", "linux.resources.pids.limit", "pids"}};
    auto res = apply_writes(leaf, w);
    // the existence check only accepts regular files, so this fails early
    REQUIRE_FALSE(res.ok());
    CHECK(t.get("c/memory.max") == "max\n");
}

TEST_CASE("checkBeforeUpdate refuses a limit below the current usage", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max", "memory.current"});
    t.put("c/memory.current", "5000000\n");
    oci::Resources r;
    r.memory.emplace().limit = 1 << 20;
    r.memory->checkBeforeUpdate = true;
    auto res = apply_resources_at(t.root, leaf, r, true);
    REQUIRE_FALSE(res.ok());
    CHECK_THAT(res.error().message, Catch::Contains("below the current usage 5000000"));
    r.memory->checkBeforeUpdate = false;
    REQUIRE(apply_resources_at(t.root, leaf, r, true).ok());
    CHECK(t.get("c/memory.max") == "1048576");
}

TEST_CASE("swap limits are skipped without swap accounting only when harmless", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max"});  // no memory.swap.max
    oci::Resources r;
    r.memory.emplace().limit = 1 << 20;
    r.memory->swap = 1 << 20;  // no swap: fine without the file
    REQUIRE(apply_resources_at(t.root, leaf, r, false).ok());
    r.memory->swap = 2 << 20;  // a real swap limit: must fail
    auto res = apply_resources_at(t.root, leaf, r, false);
    REQUIRE_FALSE(res.ok());
    CHECK_THAT(res.error().message, Catch::Contains("memory.swap.max"));
}

TEST_CASE("unified keys must exist in the cgroup", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"hugetlb.2MB.max"});
    oci::Resources r;
    r.unified = oci::StringMap{{"hugetlb.2MB.max", "2097152"}};
    REQUIRE(apply_resources_at(t.root, leaf, r, false).ok());
    CHECK(t.get("c/hugetlb.2MB.max") == "2097152");
    r.unified = oci::StringMap{{"hugetlb.1GB.max", "0"}};
    auto res = apply_resources_at(t.root, leaf, r, false);
    REQUIRE_FALSE(res.ok());
    CHECK_THAT(res.error().message, Catch::Contains("linux.resources.unified[\"hugetlb.1GB.max\"]"));
}

TEST_CASE("stats read the v2 files in runc's shape", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {});
    t.put("c/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 7\n");
    t.put("c/memory.current", "4096\n");
    t.put("c/memory.max", "8192\n");
    t.put("c/memory.stat", "anon 100\nfile 200\n");
    t.put("c/pids.current", "3\n");
    t.put("c/pids.max", "max\n");
    t.put("c/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    CHECK(cpu_stats_json(leaf) ==
          "{\"usage\":{\"total\":1500000,\"kernel\":500000,\"user\":1000000},\"throttling\":{\"periods\":4,"
          "\"throttled_periods\":1,\"throttled_time\":7000}}");
    std::string m = memory_stats_json(leaf);
    CHECK_THAT(m, Catch::Contains("\"cache\":200") && Catch::Contains("\"usage\":{\"limit\":8192,\"usage\":4096"));
    CHECK_THAT(m, Catch::Contains("\"raw\":{\"anon\":100,\"file\":200}"));
    CHECK(pids_stats_json(leaf) == "{\"current\":3}");
    CHECK_THAT(io_stats_json(leaf),
               Catch::Contains("\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":10}"));
}

TEST_CASE("a parent that has every controller needed is the only cgroup read", "[cgroups]") {
    FakeTree t;
    t.mkcg("a", {"cgroup.subtree_control"});
    t.put("a/cgroup.subtree_control", "cpu memory pids\n");
    t.put("cgroup.controllers", "");  // never read: the parent's list says it all
    std::string leaf = t.mkcg("a/b", {"memory.max", "pids.max", "cpu.weight"});
    REQUIRE(apply_resources_at(t.root, leaf, limits(), false).ok());
    CHECK(t.get("cgroup.subtree_control").empty());
    CHECK(t.get("a/cgroup.subtree_control") == "cpu memory pids\n");
    CHECK(t.get("a/b/pids.max") == "64");
}

TEST_CASE("a fresh cgroup is written through its fd; a missing file is named as before", "[cgroups]") {
    FakeTree t;
    std::string leaf = t.mkcg("c", {"memory.max", "pids.max", "cpu.weight"});
    skiff::UniqueFd fd(open(leaf.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    REQUIRE(apply_resources_at(t.root, leaf, limits(), false, fd.get()).ok());
    CHECK(t.get("c/memory.max") == "1048576");
    CHECK(t.get("c/cpu.weight") == "39");
    CHECK(t.get("cgroup.subtree_control") == "+memory +cpu +pids");

    std::string bare = t.mkcg("d", {"memory.max"});
    skiff::UniqueFd dfd(open(bare.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    auto fresh = apply_resources_at(t.root, bare, limits(), false, dfd.get());
    auto careful = apply_resources_at(t.root, bare, limits(), false);
    REQUIRE_FALSE(fresh.ok());
    REQUIRE_FALSE(careful.ok());
    CHECK(fresh.error().message == careful.error().message);
    CHECK_THAT(fresh.error().message, Catch::Contains("(no cpu.weight)"));
}
