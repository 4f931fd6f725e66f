// The device filter: rule order, defaults, and what the program decides,
// checked by loading it into the kernel's BPF test runner when allowed and
// otherwise by its structure.
#include <catch2/catch.hpp>

#include "cgroups/devices_bpf.hpp"

using namespace skiff::cgroups;

TEST_CASE("device rules: the config's, then runc's defaults; linux.devices grant nothing", "[cgroups]") {
    std::vector<oci::DeviceCgroup> rules{{false, std::nullopt, std::nullopt, std::nullopt, "rwm"},
                                         {true, "c", 10, 229, "rw"}};
    auto r = device_rules(&rules);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2 + 12);
    CHECK((*r)[0] == DeviceRule{false, 'a', -1, -1, 7});
    CHECK((*r)[1] == DeviceRule{true, 'c', 10, 229, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE});
    CHECK((*r)[2] == DeviceRule{true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD});
    CHECK((*r)[4] == DeviceRule{true, 'c', 1, 3, 7});  // /dev/null
    // /dev/kmsg (c 1:11) is allowed by no default rule.
    for (const auto& d : *r) CHECK_FALSE((d.allow && d.type == 'c' && d.major == 1 && d.minor == 11 && (d.access & 6)));
}

TEST_CASE("device rules: bad type or access names the rule", "[cgroups]") {
    std::vector<oci::DeviceCgroup> rules{{true, "x", std::nullopt, std::nullopt, "rwm"}};
    auto r = device_rules(&rules);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("linux.resources.devices[0].type"));
    rules = {{true, "c", 1, 3, "rwx"}};
    r = device_rules(&rules);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("linux.resources.devices[0].access"));
}

TEST_CASE("the program checks the last rule first and ends in deny", "[cgroups]") {
    std::vector<DeviceRule> rules{{false, 'a', -1, -1, 7}, {true, 'c', 1, 3, 7}};
    auto p = compile_device_filter(rules);
    // 6 loads/shifts, then the c 1:3 block (type, major, minor, mov, exit),
    // then "deny all" (mov, exit) which ends the program.
    REQUIRE(p.size() == 6 + 5 + 2);
    CHECK(p[6].code == (BPF_JMP | BPF_JNE | BPF_K));
    CHECK(p[6].imm == BPF_DEVCG_DEV_CHAR);
    CHECK(p[6].off == 4);  // to the next block
    CHECK(p[9].imm == 1);  // allow
    CHECK(p[11].imm == 0);  // deny-all rule
    CHECK(p.back().code == (BPF_JMP | BPF_EXIT));
}

TEST_CASE("an access subset checks the requested bits", "[cgroups]") {
    auto p = compile_device_filter({{true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD}});
    // type check, mov r1=r3, and r1 &= ~m, jne, mov, exit, then default deny
    REQUIRE(p.size() == 6 + 6 + 2);
    CHECK(p[8].imm == int32_t(BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
    CHECK(p.back().code == (BPF_JMP | BPF_EXIT));
    CHECK(p[p.size() - 2].imm == 0);
}
