// linux.netDevices: the checks made before anything moves (no kernel).
#include <catch2/catch.hpp>
#include <sched.h>

#include "linux/netdev.hpp"

using namespace skiff::linux;

namespace {

oci::Config with_devices(std::map<std::string, oci::NetDevice> devs, bool netns = true) {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.linux = oci::Linux{};
    c.linux->namespaces = std::vector<oci::Namespace>{};
    if (netns) {
        oci::Namespace ns;
        ns.type = oci::NamespaceType::Network;
        c.linux->namespaces->push_back(ns);
    }
    c.linux->netDevices = std::move(devs);
    return c;
}

oci::NetDevice named(std::string n) {
    oci::NetDevice d;
    d.name = std::move(n);
    return d;
}

NamespacePlan cloned_net() {
    NamespacePlan p;
    p.clone_flags = CLONE_NEWNET;
    p.new_net = true;
    return p;
}

}  // namespace

TEST_CASE("valid_ifname follows the kernel's dev_valid_name", "[netdev]") {
    CHECK(valid_ifname("eth0", false));
    CHECK(valid_ifname("a", false));
    CHECK(valid_ifname("fifteen-chars-x", false));
    CHECK_FALSE(valid_ifname("sixteen-chars-xy", false));
    CHECK_FALSE(valid_ifname("", false));
    CHECK_FALSE(valid_ifname(".", false));
    CHECK_FALSE(valid_ifname("..", false));
    CHECK_FALSE(valid_ifname("a/b", false));
    CHECK_FALSE(valid_ifname("a:b", false));
    CHECK_FALSE(valid_ifname("a b", false));
    CHECK_FALSE(valid_ifname("a\tb", false));
    // "%d" templates: only where the kernel numbers the name
    CHECK(valid_ifname("eth%d", true));
    CHECK_FALSE(valid_ifname("eth%d", false));
    CHECK_FALSE(valid_ifname("eth%d%d", true));
    CHECK_FALSE(valid_ifname("eth%s", true));
    CHECK_FALSE(valid_ifname("eth%", true));
}

TEST_CASE("plan_net_devices: absent or empty plans nothing", "[netdev]") {
    oci::Config c = with_devices({}, false);
    auto p = plan_net_devices(c, NamespacePlan{}, HostFacts{});
    REQUIRE(p.ok());
    CHECK(p->empty());
    c.linux->netDevices.reset();
    auto q = plan_net_devices(c, NamespacePlan{}, HostFacts{});
    REQUIRE(q.ok());
    CHECK(q->empty());
}

TEST_CASE("plan_net_devices: target names, JSON paths", "[netdev]") {
    auto c = with_devices({{"dummy0", named("eth0")}, {"veth1", oci::NetDevice{}}, {"v2", named("net%d")}});
    auto p = plan_net_devices(c, cloned_net(), HostFacts{});
    REQUIRE(p.ok());
    REQUIRE(p->size() == 3);
    CHECK((*p)[0].host_name == "dummy0");
    CHECK((*p)[0].target_name == "eth0");
    CHECK((*p)[0].json_path == "linux.netDevices[\"dummy0\"]");
    CHECK((*p)[1].host_name == "v2");
    CHECK((*p)[1].is_template());
    CHECK((*p)[2].target_name == "veth1");  // no name: the host's
    CHECK_FALSE((*p)[2].is_template());
}

TEST_CASE("plan_net_devices: refused configs name the field", "[netdev]") {
    auto err = [](const oci::Config& c, const NamespacePlan& ns, HostFacts h = {}) {
        auto p = plan_net_devices(c, ns, h);
        REQUIRE_FALSE(p.ok());
        return p.error().message;
    };
    // no network namespace: the host's own
    CHECK_THAT(err(with_devices({{"d0", {}}}, false), NamespacePlan{}),
               Catch::StartsWith("linux.netDevices: needs a network namespace"));
    // a new one unshared after joins: it does not exist when the devices move
    NamespacePlan unshared;
    unshared.unshare_flags = CLONE_NEWNET;
    unshared.new_net = true;
    CHECK_THAT(err(with_devices({{"d0", {}}}), unshared), Catch::Contains("unshared"));
    // rootless
    HostFacts rootless;
    rootless.rootless = true;
    rootless.euid = 1000;
    CHECK_THAT(err(with_devices({{"d0", {}}}), cloned_net(), rootless), Catch::Contains("rootless"));
    // names
    CHECK_THAT(err(with_devices({{"d0", named("a/b")}}), cloned_net()),
               Catch::StartsWith("linux.netDevices[\"d0\"].name: \"a/b\" is not a valid"));
    CHECK_THAT(err(with_devices({{"d0", named("sixteen-chars-xy")}}), cloned_net()),
               Catch::StartsWith("linux.netDevices[\"d0\"].name"));
    CHECK_THAT(err(with_devices({{"bad name", {}}}), cloned_net()),
               Catch::StartsWith("linux.netDevices[\"bad name\"]: "));
    CHECK_THAT(err(with_devices({{"eth%d", {}}}), cloned_net()), Catch::StartsWith("linux.netDevices[\"eth%d\"]: "));
    // two entries, one name in the container (explicit, or the other's key)
    CHECK_THAT(err(with_devices({{"a", named("eth0")}, {"b", named("eth0")}}), cloned_net()),
               Catch::Contains("linux.netDevices[\"b\"]: the name \"eth0\" is also that of linux.netDevices[\"a\"]"));
    CHECK_THAT(err(with_devices({{"a", named("b")}, {"b", {}}}), cloned_net()), Catch::Contains("\"b\""));
}

TEST_CASE("plan_net_devices: accepted shapes", "[netdev]") {
    // two templates may share a pattern: the kernel numbers them apart
    auto t = plan_net_devices(with_devices({{"a", named("eth%d")}, {"b", named("eth%d")}}), cloned_net(), HostFacts{});
    CHECK(t.ok());
    // names swapped between two entries do not clash in the container
    auto s = plan_net_devices(with_devices({{"a", named("b")}, {"b", named("a")}}), cloned_net(), HostFacts{});
    CHECK(s.ok());
    // a network namespace joined by path (checked against skiff's own later)
    auto c = with_devices({{"d0", {}}});
    (*c.linux->namespaces)[0].path = "/run/netns/x";
    auto j = plan_net_devices(c, NamespacePlan{}, HostFacts{});
    CHECK(j.ok());
    // nested-userns root: still rootless, still refused
    HostFacts nested;
    nested.rootless = true;
    nested.nested_userns = true;
    CHECK_FALSE(plan_net_devices(with_devices({{"d0", {}}}), cloned_net(), nested).ok());
}
