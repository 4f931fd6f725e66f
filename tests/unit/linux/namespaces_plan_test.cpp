// plan_namespaces: what the init gets besides the clone flags: the names
// it sets (the config is not passed to it) and how the parent writes the
// id maps, decided from HostFacts rather than geteuid().
#include <catch2/catch.hpp>

#include "linux/namespaces.hpp"

using namespace skiff::linux;

namespace {

oci::Config with_namespaces(std::initializer_list<oci::NamespaceType> types) {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.linux = oci::Linux{};
    c.linux->namespaces = std::vector<oci::Namespace>{};
    for (auto t : types) {
        oci::Namespace ns;
        ns.type = t;
        c.linux->namespaces->push_back(ns);
    }
    return c;
}

}  // namespace

TEST_CASE("plan_namespaces: hostname and domainname travel in the plan", "[namespaces]") {
    auto c = with_namespaces({oci::NamespaceType::Uts, oci::NamespaceType::Mount});
    auto none = plan_namespaces(c, HostFacts{});
    REQUIRE(none.ok());
    CHECK_FALSE(none->hostname);
    CHECK_FALSE(none->domainname);
    CHECK(none->new_uts);

    c.hostname = "box";
    c.domainname = "example.org";
    auto p = plan_namespaces(c, HostFacts{});
    REQUIRE(p.ok());
    CHECK(p->hostname == std::optional<std::string>("box"));
    CHECK(p->domainname == std::optional<std::string>("example.org"));

    c.domainname = "";  // given empty: still set (to empty), as before
    auto q = plan_namespaces(c, HostFacts{});
    REQUIRE(q.ok());
    CHECK(q->domainname == std::optional<std::string>(""));

    // Without a UTS namespace of its own, empty names are never set: that
    // would blank the host's hostname (validation refuses non-empty ones).
    auto host_uts = with_namespaces({oci::NamespaceType::Mount});
    host_uts.hostname = "";
    host_uts.domainname = "";
    auto h = plan_namespaces(host_uts, HostFacts{});
    REQUIRE(h.ok());
    CHECK_FALSE(h->new_uts);
    CHECK_FALSE(h->hostname);
    CHECK_FALSE(h->domainname);
}

TEST_CASE("plan_namespaces: who writes the id maps follows the host facts", "[namespaces]") {
    auto c = with_namespaces({oci::NamespaceType::User, oci::NamespaceType::Mount});
    c.linux->uidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    c.linux->gidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};

    HostFacts root;
    auto p = plan_namespaces(c, root);
    REQUIRE(p.ok());
    CHECK(p->new_user);
    CHECK(p->uid_map == "0 1000 1\n");
    CHECK_FALSE(p->unprivileged_maps);

    HostFacts nested;  // root of a user namespace: writes the maps itself
    nested.nested_userns = true;
    CHECK_FALSE(plan_namespaces(c, nested)->unprivileged_maps);

    HostFacts user;
    user.euid = 1000;
    user.rootless = true;
    CHECK(plan_namespaces(c, user)->unprivileged_maps);
}
