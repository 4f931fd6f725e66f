// Rootless checks take the host facts as values: each case states who
// skiff runs as instead of depending on who runs the tests.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "core/rootless.hpp"

using namespace skiff;
using namespace skiff::core;

namespace {

linux::HostFacts user(uid_t euid) {
    linux::HostFacts h;
    h.euid = euid;
    h.rootless = true;
    return h;
}

oci::Config config_with(bool user_namespace) {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.linux = oci::Linux{};
    c.linux->namespaces = std::vector<oci::Namespace>{};
    oci::Namespace mnt;
    mnt.type = oci::NamespaceType::Mount;
    c.linux->namespaces->push_back(mnt);
    if (user_namespace) {
        oci::Namespace u;
        u.type = oci::NamespaceType::User;
        u.path = "/proc/1/ns/user";  // joined: its maps are someone else's
        c.linux->namespaces->push_back(u);
    }
    return c;
}

}  // namespace

TEST_CASE("detect_host resolves --rootless", "[rootless]") {
    CHECK(detect_host(Rootless::True).rootless);
    CHECK_FALSE(detect_host(Rootless::False).rootless);
    const linux::HostFacts a = detect_host(Rootless::Auto);
    CHECK(a.euid == ::geteuid());
    CHECK(a.rootless == (a.unprivileged() || a.nested_userns));
}

TEST_CASE("check_rootless_config: an unprivileged caller needs a user namespace", "[rootless]") {
    const auto no_userns = config_with(false);
    auto r = check_rootless_config(user(1234), no_userns);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.rfind("linux.namespaces: skiff runs unprivileged (euid 1234) and needs a user namespace", 0) ==
          0);
    CHECK(check_rootless_config(user(1234), config_with(true)).ok());

    // root, nested root and an unprivileged caller with --rootless=false
    // are not held to it
    CHECK(check_rootless_config(linux::HostFacts{}, no_userns).ok());
    linux::HostFacts nested;
    nested.nested_userns = true;
    nested.rootless = true;
    CHECK(check_rootless_config(nested, no_userns).ok());
    linux::HostFacts forced = user(1234);
    forced.rootless = false;
    CHECK(check_rootless_config(forced, no_userns).ok());
}

TEST_CASE("check_state_root: only an unprivileged caller is checked", "[rootless]") {
    // The writability probe is the kernel's (faccessat as the real caller):
    // a path nobody may create under is refused only for unprivileged facts.
    const std::string root = "/proc/skiff-no-such-dir/state";
    CHECK(check_state_root(linux::HostFacts{}, root).ok());
    CHECK(check_state_root(user(1234), "").ok());
    if (::geteuid() != 0) {
        auto r = check_state_root(user(::geteuid()), root);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("is not writable by uid " + std::to_string(::geteuid())) != std::string::npos);
    }
}
