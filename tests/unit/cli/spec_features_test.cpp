// The default spec and the features document go through the shared model.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>

#include "cli/features.hpp"
#include "cli/spec_default.hpp"
#include "ocispec/json.hpp"

using namespace skiff::cli;

TEST_CASE("spec: runc's default config validates and round-trips", "[cli][spec]") {
    for (bool rootless : {false, true}) {
        INFO("rootless=" << rootless);
        SpecOptions o;
        o.rootless = rootless;
        o.uid = 1000;
        o.gid = 1001;
        oci::Config c = default_spec(o);
        REQUIRE(oci::validate_config(c).ok());
        std::string json = oci::write_config(c, true);
        auto back = oci::parse_config(json);
        REQUIRE(back.ok());
        CHECK(*back == c);
    }
}

TEST_CASE("spec: runc's contents", "[cli][spec]") {
    oci::Config c = default_spec({});
    REQUIRE(c.process);
    CHECK(*c.process->args == oci::Strings{"sh"});
    CHECK(*c.process->terminal);
    CHECK(*c.process->capabilities->bounding ==
          oci::Strings{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    REQUIRE(c.process->rlimits->size() == 1);
    CHECK((*c.process->rlimits)[0] == oci::Rlimit{"RLIMIT_NOFILE", 1024, 1024});
    CHECK(c.mounts->size() == 7);
    CHECK(c.linux->namespaces->size() == 5);
    CHECK(oci::find_namespace(c, oci::NamespaceType::Network));
    CHECK_FALSE(oci::find_namespace(c, oci::NamespaceType::User));
    CHECK(c.linux->maskedPaths->size() == 10);
    CHECK(c.linux->readonlyPaths->size() == 5);
    CHECK(c.root->path == "rootfs");

    SpecOptions with_cg;
    with_cg.cgroup_ns = true;
    CHECK(oci::find_namespace(default_spec(with_cg), oci::NamespaceType::Cgroup));
}

TEST_CASE("spec --rootless: user namespace, no network namespace, /sys bound, no gid=", "[cli][spec]") {
    SpecOptions o;
    o.rootless = true;
    o.uid = 1000;
    o.gid = 1001;
    oci::Config c = default_spec(o);
    CHECK(oci::find_namespace(c, oci::NamespaceType::User));
    CHECK_FALSE(oci::find_namespace(c, oci::NamespaceType::Network));
    REQUIRE(c.linux->uidMappings);
    CHECK((*c.linux->uidMappings)[0] == oci::IdMapping{0, 1000, 1});
    CHECK((*c.linux->gidMappings)[0] == oci::IdMapping{0, 1001, 1});
    CHECK_FALSE(c.linux->resources);
    for (const auto& m : *c.mounts) {
        INFO(m.destination);
        if (m.destination == "/sys") {
            CHECK(*m.type == "none");
            CHECK(*m.source == "/sys");
            CHECK(std::count(m.options->begin(), m.options->end(), "rbind") == 1);
        }
        if (m.options)
            for (const auto& opt : *m.options) CHECK(opt.rfind("gid=", 0) != 0);
    }
}

TEST_CASE("features: parses back with the shared reader", "[cli][features]") {
    oci::Features f = build_features();
    auto back = oci::parse_features(oci::write_features(f, true));
    REQUIRE(back.ok());
    CHECK(*back == f);
    CHECK(f.ociVersionMin == "1.0.0");
    CHECK(f.ociVersionMax == "1.3.0");
    REQUIRE(f.linux);
    CHECK(f.linux->namespaces->size() == 8);
    const auto& caps = *f.linux->capabilities;
    CHECK(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN") != caps.end());
    CHECK(std::find(caps.begin(), caps.end(), "CAP_CHOWN") == caps.begin());
    for (const auto& c : caps) CHECK(c.rfind("CAP_", 0) == 0);
    CHECK(f.linux->cgroup->v2 == true);
    CHECK(f.linux->cgroup->v1 == false);
    CHECK(f.linux->mountExtensions->idmap->enabled == true);
    CHECK(f.annotations->count("io.github.skiff.version") == 1);
    const auto& opts = *f.mountOptions;
    CHECK(std::find(opts.begin(), opts.end(), "rbind") != opts.end());
}
