// freeze() against fake files: the wait ends on cgroup.events, or times out
// and thaws again.
#include <catch2/catch.hpp>

#include "cgroups/cgroup.hpp"
#include "fake_tree.hpp"

using namespace skiff::cgroups;

TEST_CASE("freeze returns once cgroup.events says frozen", "[cgroups]") {
    FakeTree t;
    std::string cg = t.mkcg("c", {"cgroup.freeze"});
    t.put("c/cgroup.events", "populated 1\nfrozen 1\n");
    REQUIRE(freeze(cg, true, 1000).ok());
    CHECK(t.get("c/cgroup.freeze") == "1");
}

TEST_CASE("freeze times out, names the wait, and thaws", "[cgroups]") {
    FakeTree t;
    std::string cg = t.mkcg("c", {"cgroup.freeze"});
    t.put("c/cgroup.events", "populated 1\nfrozen 0\n");
    auto r = freeze(cg, true, 150);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("timed out") && Catch::Contains("frozen 1"));
    CHECK(t.get("c/cgroup.freeze") == "0");
}

TEST_CASE("freeze without a cgroup says so", "[cgroups]") {
    auto r = freeze("", true);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("no cgroup"));
}
