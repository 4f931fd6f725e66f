// linux/userns_map: the pure parts (subordinate-id files, map text,
// delegation checks, initial-namespace detection).  The writes themselves
// need an unprivileged user and are covered by tests/integration/rootless.bats.
#include <catch2/catch.hpp>

#include "linux/userns_map.hpp"

using namespace skiff::linux;

TEST_CASE("parse_subid keeps the user's lines by name or numeric id", "[userns_map]") {
    const char* file =
        "# comment\n"
        "alice:100000:65536\n"
        "bob:165536:65536\n"
        "1001:231072:1000\n"
        "alice:300000:10\n"
        "alice:bad:10\n"
        "alice:5:0\n"
        "\n";
    CHECK(parse_subid(file, "alice", 1000) == std::vector<IdRange>{{100000, 65536}, {300000, 10}});
    CHECK(parse_subid(file, "carol", 1001) == std::vector<IdRange>{{231072, 1000}});
    CHECK(parse_subid(file, "", 1001) == std::vector<IdRange>{{231072, 1000}});
    CHECK(parse_subid(file, "dave", 4242).empty());
    CHECK(parse_subid("", "alice", 1000).empty());
}

TEST_CASE("parse_id_map reads the plan's lines and rejects junk", "[userns_map]") {
    auto m = parse_id_map("0 1000 1\n1 100000 65536\n");
    REQUIRE(m);
    REQUIRE(m->size() == 2);
    CHECK((*m)[1] == oci::IdMapping{1, 100000, 65536});
    CHECK(parse_id_map("")->empty());
    auto bad = parse_id_map("0 1000\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("\"0 1000\"") != std::string::npos);
    CHECK_FALSE(parse_id_map("0 1000 99999999999\n"));
}

TEST_CASE("single_own_mapping is the one map the kernel lets a user write", "[userns_map]") {
    CHECK(single_own_mapping({{0, 1000, 1}}, 1000));
    CHECK_FALSE(single_own_mapping({{0, 1000, 2}}, 1000));
    CHECK_FALSE(single_own_mapping({{0, 1001, 1}}, 1000));
    CHECK_FALSE(single_own_mapping({{0, 1000, 1}, {1, 100000, 10}}, 1000));
}

TEST_CASE("check_delegated names the mapping and the range", "[userns_map]") {
    IdOwner alice{"alice", 1000, 1000};
    const std::vector<IdRange> ranges{{100000, 65536}};
    CHECK(check_delegated({{0, 1000, 1}, {1, 100000, 65536}}, "linux.uidMappings", 1000, ranges, alice, "/etc/subuid"));

    auto out = check_delegated({{0, 1000, 1}, {1, 100000, 65537}}, "linux.uidMappings", 1000, ranges, alice,
                               "/etc/subuid");
    REQUIRE_FALSE(out);
    CHECK(out.error().message.rfind("linux.uidMappings[1]: host ids 100000..165536 are not delegated to user \"alice\" "
                                    "in /etc/subuid",
                                    0) == 0);

    auto none = check_delegated({{0, 1000, 1}, {1, 100000, 10}}, "linux.gidMappings", 1000, {}, alice, "/etc/subgid");
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("linux.gidMappings[1]") == 0);
    CHECK(none.error().message.find("/etc/subgid has no entry") != std::string::npos);

    // the own id, but more than one of it, is not the kernel's special case
    auto own = check_delegated({{0, 1000, 2}}, "linux.uidMappings", 1000, ranges, alice, "/etc/subuid");
    REQUIRE_FALSE(own);
    CHECK(own.error().message.find("1000..1001") != std::string::npos);

    auto zero = check_delegated({{0, 100000, 0}}, "linux.uidMappings", 1000, ranges, alice, "/etc/subuid");
    REQUIRE_FALSE(zero);
    CHECK(zero.error().message == "linux.uidMappings[0]: size must not be 0");

    IdOwner nameless{"", 4242, 4242};
    auto anon = check_delegated({{0, 5, 1}}, "linux.uidMappings", 4242, ranges, nameless, "/etc/subuid");
    REQUIRE_FALSE(anon);
    CHECK(anon.error().message.find("uid 4242") != std::string::npos);
}

TEST_CASE("uid_map_is_initial recognises only the full identity map", "[userns_map]") {
    CHECK(uid_map_is_initial("         0          0 4294967295\n"));
    CHECK(uid_map_is_initial("0 0 4294967295"));
    CHECK_FALSE(uid_map_is_initial("         0       1000          1\n"));
    CHECK_FALSE(uid_map_is_initial("0 0 4294967294\n"));
    CHECK_FALSE(uid_map_is_initial("0 0 1000\n1000 1000 4294966295\n"));
    CHECK_FALSE(uid_map_is_initial(""));
}
