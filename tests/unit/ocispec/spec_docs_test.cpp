// Every document of the runtime-spec's own schema test suite: the good ones
// round-trip without loss, the bad ones are rejected naming what is wrong.
#include <catch2/catch.hpp>

#include <map>

#include <ocispec/json.hpp>

#include "spec_helpers.hpp"

using namespace ocitest;

namespace {

// parse -> write -> parse gives equal structs, and the written text means
// the same JSON as the original.
template <class Parse, class Write>
void round_trip(const std::string& file, Parse parse, Write write) {
    INFO(file);
    const std::string text = read_file(file);
    auto first = parse(text);
    if (!first) FAIL(first.error().message);
    for (bool pretty : {true, false}) {
        const std::string out = write(*first, pretty);
        auto second = parse(out);
        if (!second) FAIL(second.error().message + "\n" + out);
        CHECK(*second == *first);
        auto a = tree(text), b = tree(out);
        REQUIRE(a);
        REQUIRE(b);
        std::string where;
        // spec-example.json still carries linux.resources.oomScoreAdj, which
        // no schema defines (it moved to process.oomScoreAdj): skipped on read.
        CHECK(same_json(a.get(), b.get(), where, "", {".linux.resources.oomScoreAdj"}));
        INFO("first difference at " << where);
        CHECK(where.empty());
    }
}

}  // namespace

TEST_CASE("spec good configs round-trip", "[ocispec][spec]") {
    NEED_SPEC();
    auto files = json_files(schema_test_dir("config", "good"));
    REQUIRE(files.size() >= 5);
    for (const auto& f : files)
        round_trip(
            f, [&](const std::string& t) { return oci::parse_config(t); },
            [](const oci::Config& c, bool p) { return oci::write_config(c, p); });
}

TEST_CASE("spec good states round-trip", "[ocispec][spec]") {
    NEED_SPEC();
    auto files = json_files(schema_test_dir("state", "good"));
    REQUIRE(!files.empty());
    for (const auto& f : files)
        round_trip(
            f, [&](const std::string& t) { return oci::parse_state(t); },
            [](const oci::State& s, bool p) { return oci::write_state(s, p); });
}

TEST_CASE("spec good features round-trip", "[ocispec][spec]") {
    NEED_SPEC();
    auto files = json_files(schema_test_dir("features", "good"));
    REQUIRE(files.size() >= 2);
    for (const auto& f : files)
        round_trip(
            f, [&](const std::string& t) { return oci::parse_features(t); },
            [](const oci::Features& x, bool p) { return oci::write_features(x, p); });
}

TEST_CASE("spec example config carries its values", "[ocispec][spec]") {
    NEED_SPEC();
    auto c = oci::parse_config(read_file(schema_test_dir("config", "good") + "/spec-example.json"));
    REQUIRE(c);
    REQUIRE(c->process);
    CHECK(c->process->cwd == "/");
    REQUIRE(c->process->rlimits);
    CHECK(c->process->rlimits->at(0).type == "RLIMIT_CORE");
    REQUIRE(c->linux);
    REQUIRE(c->linux->resources);
    REQUIRE(c->linux->resources->memory);
    CHECK(c->linux->resources->memory->limit == 536870912);
    REQUIRE(c->linux->seccomp);
    CHECK(c->linux->seccomp->defaultAction == oci::SeccompAction::Allow);
    REQUIRE(c->linux->namespaces);
    CHECK(c->linux->namespaces->size() == 8);
}

// Each bad document, with the part of the message that proves the reader
// understood *what* is wrong.  A new bad document without an entry fails.
TEST_CASE("spec bad documents are rejected with their JSON path", "[ocispec][spec]") {
    NEED_SPEC();
    const std::map<std::string, std::string> expect = {
        {"config/invalid-json.json", "invalid JSON: parse error"},
        {"config/linux-hugepage.json",
         "linux.resources.hugepageLimits[0].pageSize: must match ^[1-9][0-9]*[KMG]B$, got \"64kB\""},
        {"config/linux-netdevice.json", "linux.netDevices.eth0.name: expected string, got number"},
        {"config/linux-rdma.json",
         "linux.resources.rdma.mlx5_1.hcaHandles: expected integer, got string"},
        {"features/missing-ociVersionMax.json", "missing required property \"ociVersionMax\""},
        {"state/invalid-json.json", "invalid JSON: parse error"},
    };
    size_t seen = 0;
    for (std::string kind : {"config", "state", "features"}) {
        for (const auto& f : json_files(schema_test_dir(kind, "bad"))) {
            std::string key = kind + "/" + std::filesystem::path(f).filename().string();
            INFO(key);
            auto it = expect.find(key);
            REQUIRE(it != expect.end());
            std::string text = read_file(f);
            std::string msg;
            if (kind == "config") {
                auto r = oci::parse_config(text);
                REQUIRE_FALSE(r);
                msg = r.error().message;
            } else if (kind == "state") {
                auto r = oci::parse_state(text);
                REQUIRE_FALSE(r);
                msg = r.error().message;
            } else {
                auto r = oci::parse_features(text);
                REQUIRE_FALSE(r);
                msg = r.error().message;
            }
            INFO(msg);
            CHECK(msg.find(it->second) != std::string::npos);
            CHECK(msg.find("(line ") != std::string::npos);
            ++seen;
        }
    }
    CHECK(seen == expect.size());
}

TEST_CASE("hugepage bad document points at the pageSize value", "[ocispec][spec]") {
    NEED_SPEC();
    auto r = oci::parse_config(read_file(schema_test_dir("config", "bad") + "/linux-hugepage.json"));
    REQUIRE_FALSE(r);
    // "pageSize": "64kB" is on line 11; the value starts at column 33.
    CHECK(r.error().message.find("(line 11, column 33)") != std::string::npos);
}
