// The systemd driver's pure half: cgroupsPath "slice:prefix:name", slice
// expansion, unit names, and the unit properties built from resources.
#include <catch2/catch.hpp>

#include "cgroups/controllers.hpp"
#include "cgroups/systemd.hpp"

using namespace skiff::cgroups::systemd;

namespace {

const Property* find(const std::vector<Property>& props, const std::string& name) {
    for (const auto& p : props)
        if (p.name == name) return &p;
    return nullptr;
}

uint64_t u64(const std::vector<Property>& props, const std::string& name) {
    const Property* p = find(props, name);
    if (!p) FAIL("no property " << name);
    REQUIRE(std::holds_alternative<uint64_t>(p->value));
    return std::get<uint64_t>(p->value);
}

std::vector<Property> props_of(const oci::Resources& r) {
    auto p = resource_properties(r);
    if (!p.ok()) FAIL(p.error().message);
    return *p;
}

std::string props_error(const oci::Resources& r) {
    auto p = resource_properties(r);
    REQUIRE_FALSE(p.ok());
    return p.error().message;
}

}  // namespace

TEST_CASE("systemd: cgroupsPath slice:prefix:name gives the unit and its slice", "[cgroups][systemd]") {
    auto p = parse_cgroups_path("machine.slice:skiff:abc", "id", false);
    REQUIRE(p.ok());
    CHECK(p->slice == "machine.slice");
    CHECK(p->unit == "skiff-abc.scope");
    CHECK(p->slice_path == "/machine.slice");

    // empty slice: system.slice, or user.slice for the user manager
    CHECK(parse_cgroups_path(":skiff:abc", "id", false)->slice == "system.slice");
    CHECK(parse_cgroups_path(":skiff:abc", "id", true)->slice == "user.slice");
    // empty cgroupsPath: system.slice:skiff:<id>
    auto d = parse_cgroups_path("", "c1", false);
    REQUIRE(d.ok());
    CHECK(d->slice == "system.slice");
    CHECK(d->unit == "skiff-c1.scope");
    // a name that is already a unit is used as it is; no prefix: name.scope
    CHECK(parse_cgroups_path("system.slice:skiff:my.scope", "id", false)->unit == "my.scope");
    CHECK(parse_cgroups_path("system.slice:skiff:inner.slice", "id", false)->unit == "inner.slice");
    CHECK(parse_cgroups_path("system.slice::abc", "id", false)->unit == "abc.scope");
    // nested slices expand to their parents
    CHECK(parse_cgroups_path("a-b.slice:p:n", "id", false)->slice_path == "/a.slice/a-b.slice");
}

TEST_CASE("systemd: bad cgroupsPath values are refused with the path", "[cgroups][systemd]") {
    auto err = [](const std::string& path) {
        auto p = parse_cgroups_path(path, "id", false);
        REQUIRE_FALSE(p.ok());
        return p.error().message;
    };
    CHECK_THAT(err("/sys/fs/cgroup/x"), Catch::Contains("expects \"slice:prefix:name\""));
    CHECK_THAT(err("a:b"), Catch::Contains("slice:prefix:name"));
    CHECK_THAT(err("a.slice:b:c:d"), Catch::Contains("slice:prefix:name"));
    CHECK_THAT(err("system.slice:skiff:"), Catch::Contains("name part"));
    CHECK_THAT(err("system.slice:skiff:a/b"), Catch::Contains("must not contain \"/\""));
    CHECK_THAT(err("sys/tem.slice:skiff:a"), Catch::Contains("must not contain \"/\""));
    CHECK_THAT(err("system.slice:skiff:a..b"), Catch::Contains("not a valid systemd unit name"));
    CHECK_THAT(err("system.slice:skiff:a b"), Catch::Contains("not a valid systemd unit name"));
    CHECK_THAT(err("system:skiff:a"), Catch::Contains("not a valid slice unit name"));
    CHECK_THAT(err("-a.slice:skiff:a"), Catch::Contains("must not start or end"));
    CHECK(parse_cgroups_path("system.slice:skiff:abc", "id", false).ok());
}

TEST_CASE("systemd: slice names expand to cgroup paths as systemd does", "[cgroups][systemd]") {
    CHECK(*expand_slice("system.slice") == "/system.slice");
    CHECK(*expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(*expand_slice("user-1000.slice") == "/user.slice/user-1000.slice");
    CHECK(*expand_slice("-.slice") == "");
    CHECK_FALSE(expand_slice("a--b.slice").ok());
    CHECK_FALSE(expand_slice("a-.slice").ok());
    CHECK_FALSE(expand_slice("-a.slice").ok());
    CHECK_FALSE(expand_slice(".slice").ok());
    CHECK_FALSE(expand_slice("a.scope").ok());
    CHECK_FALSE(expand_slice("a/b.slice").ok());
}

TEST_CASE("systemd: unit names", "[cgroups][systemd]") {
    CHECK(valid_unit_name("skiff-abc_1.2:x@y.scope"));
    CHECK(valid_unit_name("a\\x2db.scope"));
    CHECK_FALSE(valid_unit_name(""));
    CHECK_FALSE(valid_unit_name("a\\b.scope"));
    CHECK_FALSE(valid_unit_name("a/b.scope"));
    CHECK_FALSE(valid_unit_name("../x.scope"));
    CHECK_FALSE(valid_unit_name(std::string(250, 'a') + ".scope"));
}

TEST_CASE("systemd: memory and pids properties", "[cgroups][systemd]") {
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.memory->swap = 96 << 20;
    r.pids = oci::PidsResources{42};
    auto p = props_of(r);
    CHECK(u64(p, "MemoryMax") == 64u << 20);
    CHECK(u64(p, "MemoryLow") == 32u << 20);
    CHECK(u64(p, "MemorySwapMax") == 32u << 20);  // memory+swap minus memory, as runc
    CHECK(u64(p, "TasksMax") == 42);

    r.memory->limit = -1;
    r.memory->swap = std::nullopt;
    r.pids->limit = -1;
    p = props_of(r);
    CHECK(u64(p, "MemoryMax") == kInfinity);
    CHECK(u64(p, "MemorySwapMax") == kInfinity);
    CHECK(u64(p, "TasksMax") == kInfinity);
    r.pids->limit = 0;  // not set: no TasksMax at all
    p = props_of(r);
    CHECK(find(p, "TasksMax") == nullptr);

    r.memory->limit = 100;
    r.memory->swap = 50;
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.memory.swap"));
    r.memory->limit = -5;
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.memory.limit: invalid value -5"));

    CHECK(props_of(oci::Resources{}).empty());
}

TEST_CASE("systemd: cpu properties: shares -> CPUWeight, quota/period, cpusets", "[cgroups][systemd]") {
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0-2,9";
    r.cpu->mems = "0";
    auto p = props_of(r);
    // the same conversion as the fs driver's cpu.weight
    CHECK(u64(p, "CPUWeight") == uint64_t(skiff::cgroups::shares_to_weight(1024)));
    CHECK(u64(p, "CPUWeight") == 39);
    CHECK(u64(p, "CPUQuotaPerSecUSec") == 500000);
    CHECK(u64(p, "CPUQuotaPeriodUSec") == 100000);
    REQUIRE(find(p, "AllowedCPUs"));
    CHECK(std::get<std::vector<uint8_t>>(find(p, "AllowedCPUs")->value) == std::vector<uint8_t>{0x07, 0x02});
    CHECK(std::get<std::vector<uint8_t>>(find(p, "AllowedMemoryNodes")->value) == std::vector<uint8_t>{0x01});
    CHECK(std::string(signature(find(p, "AllowedCPUs")->value)) == "ay");

    // a fractional percentage rounds up to the next 10 ms per second
    r.cpu->quota = 12345;
    r.cpu->period = 100000;
    CHECK(u64(props_of(r), "CPUQuotaPerSecUSec") == 130000);
    // no period: the kernel's default 100 ms, and no period property
    r.cpu->period = std::nullopt;
    r.cpu->quota = 200000;
    p = props_of(r);
    CHECK(u64(p, "CPUQuotaPerSecUSec") == 2000000);
    CHECK_FALSE(find(p, "CPUQuotaPeriodUSec"));
    // quota -1: unlimited
    r.cpu->quota = -1;
    CHECK(u64(props_of(r), "CPUQuotaPerSecUSec") == kInfinity);

    r.cpu->shares = 1;
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.cpu.shares: 1 is outside 2..262144"));
    r.cpu->shares = 2;
    r.cpu->period = 10;
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.cpu.period"));
    r.cpu->period = std::nullopt;
    r.cpu->cpus = "0-x";
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.cpu.cpus: invalid list \"0-x\""));
}

TEST_CASE("systemd: cpu lists to bitmasks", "[cgroups][systemd]") {
    CHECK(*cpu_list_to_mask("0", "f") == std::vector<uint8_t>{0x01});
    CHECK(*cpu_list_to_mask("7-8", "f") == std::vector<uint8_t>{0x80, 0x01});
    CHECK(*cpu_list_to_mask("1,3, 5\n", "f") == std::vector<uint8_t>{0x2a});
    CHECK(cpu_list_to_mask("", "f")->empty());
    CHECK_FALSE(cpu_list_to_mask("3-1", "f").ok());
    CHECK_FALSE(cpu_list_to_mask("1,,2", "f").ok());
    CHECK_FALSE(cpu_list_to_mask("-1", "f").ok());
    CHECK_FALSE(cpu_list_to_mask("99999999", "f").ok());
}

TEST_CASE("systemd: blockIO weight -> IOWeight", "[cgroups][systemd]") {
    oci::Resources r;
    r.blockIO = oci::BlockIOResources{};
    r.blockIO->weight = 500;
    CHECK(u64(props_of(r), "IOWeight") == uint64_t(skiff::cgroups::blkio_weight_to_io(500)));
    r.blockIO->weight = 5;
    CHECK_THAT(props_error(r), Catch::Contains("linux.resources.blockIO.weight: 5 is outside 10..1000"));
}
