// HostFacts: what the planners are told about the caller, and its
// detection (consistent with the kernel's view, whoever runs the tests).
#include <unistd.h>

#include <catch2/catch.hpp>

#include "linux/host.hpp"
#include "linux/userns_map.hpp"

using namespace skiff::linux;

TEST_CASE("HostFacts: unprivileged and privileged", "[host]") {
    HostFacts root;
    CHECK_FALSE(root.unprivileged());
    CHECK(root.privileged());

    HostFacts nested;
    nested.nested_userns = true;
    CHECK_FALSE(nested.unprivileged());  // may map ids, mknod is still refused
    CHECK_FALSE(nested.privileged());    // but no cgroups or BPF outside a delegation

    HostFacts user;
    user.euid = 1000;
    CHECK(user.unprivileged());
    CHECK_FALSE(user.privileged());
}

TEST_CASE("detect_host_facts: --rootless resolved against the caller", "[host]") {
    const HostFacts a = detect_host_facts(std::nullopt);
    CHECK(a.euid == ::geteuid());
    CHECK(a.nested_userns == (::geteuid() == 0 && !in_initial_user_namespace()));
    CHECK(a.rootless == (a.unprivileged() || a.nested_userns));
    CHECK(a.cgroup_layout == detect_cgroup_layout());

    CHECK(detect_host_facts(true).rootless);
    CHECK_FALSE(detect_host_facts(false).rootless);
    CHECK(detect_host_facts(false).euid == a.euid);  // only the mode is forced
}
