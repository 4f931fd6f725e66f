// The writer: absent properties stay absent, values survive exactly.
#include <catch2/catch.hpp>

#include <ocispec/json.hpp>

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("writer omits absent optional properties", "[ocispec][writer]") {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.root = oci::Root{"rootfs", std::nullopt};
    std::string out = oci::write_config(c, false);
    CHECK(out == R"({"ociVersion":"1.3.0","root":{"path":"rootfs"}})");
}

TEST_CASE("writer spells enums, renamed keys and extreme integers", "[ocispec][writer]") {
    oci::Process p;
    p.cwd = "/";
    p.args = oci::Strings{"sh", "quote\"and\\slash\n"};
    p.ioPriority = oci::IoPriority{oci::IoPrioClass::Idle, 7};
    p.execCPUAffinity = oci::ExecCpuAffinity{"0", "1-2"};
    p.consoleSize = oci::ConsoleSize{UINT64_MAX, 80};
    p.oomScoreAdj = INT64_MIN;
    std::string out = oci::write_process(p);
    CHECK(contains(out, R"("ioPriority":{"class":"IOPRIO_CLASS_IDLE","priority":7})"));
    CHECK(contains(out, R"("execCPUAffinity":{"initial":"0","final":"1-2"})"));
    CHECK(contains(out, R"("height":18446744073709551615)"));
    CHECK(contains(out, R"("oomScoreAdj":-9223372036854775808)"));
    auto back = oci::parse_process(out);
    REQUIRE(back);
    CHECK(*back == p);
}

TEST_CASE("pretty output indents, compact does not", "[ocispec][writer]") {
    oci::Config c;
    c.ociVersion = "1.0.0";
    c.hostname = "h";
    CHECK(contains(oci::write_config(c, true), "\n\t\"hostname\": \"h\""));
    CHECK_FALSE(contains(oci::write_config(c, false), "\n"));
}

TEST_CASE("state and features documents round-trip", "[ocispec][writer]") {
    oci::State s;
    s.ociVersion = "1.3.0";
    s.id = "container-with-a-long-id";  // beyond SSO: GCC 12 warns falsely on short ones
    s.status = oci::Status::Paused;
    s.pid = 42;
    s.bundle = "/b";
    s.annotations = oci::StringMap{{"k", "v"}};
    std::string out = oci::write_state(s);
    CHECK(contains(out, R"("status":"paused")"));
    auto back = oci::parse_state(out);
    REQUIRE(back);
    CHECK(*back == s);

    oci::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = "1.3.0";
    f.linux = oci::LinuxFeatures{};
    f.linux->namespaces = std::vector<oci::NamespaceType>{oci::NamespaceType::Pid, oci::NamespaceType::Time};
    f.linux->seccomp = oci::SeccompFeatures{};
    f.linux->seccomp->actions = std::vector<oci::SeccompAction>{oci::SeccompAction::Notify};
    f.linux->mountExtensions = oci::MountExtensions{oci::EnabledFlag{true}};
    auto fb = oci::parse_features(oci::write_features(f));
    REQUIRE(fb);
    CHECK(*fb == f);
}
