// The device filter: rule order, defaults, and what the program decides.
// The kernel cannot test-run a BPF_PROG_TYPE_CGROUP_DEVICE program, so the
// generated program runs here in a small interpreter (bpf_interp.hpp) over
// many (type, major, minor, access) requests, each compared with the rule
// list read the way linux.resources.devices says: the last matching rule
// decides, no match denies.  That the kernel's verifier takes the programs
// is devices_bpf_kernel_test.cpp's; that they deny and allow real opens is
// the integration suite's (cgroups.bats).
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "bpf_interp.hpp"
#include "cgroups/devices_bpf.hpp"

using namespace skiff::cgroups;
using unit::bpf::Request;

namespace {

constexpr unsigned R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD, RWM = R | W | M;
constexpr uint32_t kBlock = BPF_DEVCG_DEV_BLOCK, kChar = BPF_DEVCG_DEV_CHAR;

// The spec's reading of the list, written without the compiler's help.
bool reference(const std::vector<DeviceRule>& rules, const Request& q) {
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        const DeviceRule& r = *it;
        const bool type = r.type == 'a' || (r.type == 'b' ? kBlock : kChar) == q.type;
        const bool major = r.major == -1 || uint32_t(r.major) == q.major;
        const bool minor = r.minor == -1 || uint32_t(r.minor) == q.minor;
        const bool access = (q.access & ~r.access & RWM) == 0;
        if (type && major && minor && access) return r.allow;
    }
    return false;
}

std::string show(const Request& q) {
    std::ostringstream s;
    s << "type " << q.type << " " << q.major << ":" << q.minor << " access " << q.access;
    return s.str();
}

// Every request of the cross product; the number that disagree (the first
// few printed).
size_t disagreements(const std::vector<DeviceRule>& rules, const std::vector<bpf_insn>& prog,
                     const std::vector<uint32_t>& types, const std::vector<uint32_t>& majors,
                     const std::vector<uint32_t>& minors) {
    size_t bad = 0;
    for (uint32_t t : types)
        for (uint32_t ma : majors)
            for (uint32_t mi : minors)
                for (uint32_t acc = 0; acc <= RWM; ++acc) {
                    const Request q{t, ma, mi, acc};
                    auto got = unit::bpf::run(prog, q);
                    if (!got.ok) {
                        FAIL_CHECK(show(q) << ": " << got.error);
                        return bad + 1;
                    }
                    if ((got.r0 != 0) != reference(rules, q) && ++bad <= 5)
                        FAIL_CHECK(show(q) << ": program says " << got.r0 << ", the rules "
                                           << reference(rules, q));
                }
    return bad;
}

// The numbers the lists below use, their neighbours and the extremes.
const std::vector<uint32_t> kMajors{0, 1, 2, 4, 5, 8, 10, 11, 136, 137, 254, 0x7fffffff, 0x80000000, 0xffffffff};
const std::vector<uint32_t> kMinors{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200, 229, 0x80000000, 0xffffffff};
const std::vector<uint32_t> kTypes{0, kBlock, kChar, 3};

std::vector<DeviceRule> rules_of(const std::vector<oci::DeviceCgroup>& config) {
    auto r = device_rules(&config);
    REQUIRE(r.ok());
    return *r;
}

oci::DeviceCgroup dev(bool allow, std::optional<std::string> type, std::optional<int64_t> major,
                      std::optional<int64_t> minor, std::string access = "rwm") {
    return {allow, std::move(type), major, minor, std::move(access)};
}

// `skiff spec`: deny everything, then skiff's (runc's) default allow list.
std::vector<oci::DeviceCgroup> spec_default() { return {dev(false, std::nullopt, std::nullopt, std::nullopt)}; }

// What podman (and docker, and the engines through containers/common) put
// in every container's config: deny all, mknod of any char and block
// device, then the usual nodes; skiff appends its defaults after them.
std::vector<oci::DeviceCgroup> podman_default() {
    return {dev(false, std::nullopt, std::nullopt, std::nullopt),
            dev(true, "c", std::nullopt, std::nullopt, "m"), dev(true, "b", std::nullopt, std::nullopt, "m"),
            dev(true, "c", 1, 3),    dev(true, "c", 1, 8),  dev(true, "c", 1, 7),   dev(true, "c", 5, 0),
            dev(true, "c", 1, 5),    dev(true, "c", 1, 9),  dev(true, "c", 136, std::nullopt),
            dev(true, "c", 5, 2),    dev(true, "c", 10, 200)};
}

}  // namespace

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

TEST_CASE("device filter: the default `skiff spec` list decides as the rules, in 27 instructions", "[cgroups][devices]") {
    const auto rules = rules_of(spec_default());
    const auto prog = compile_device_filter(rules);
    // One instruction per rule compare before (69); now the 12 allow rules
    // share their type and major compares.
    CHECK(prog.size() == 27);
    CHECK(disagreements(rules, prog, kTypes, kMajors, kMinors) == 0);
    auto decide = [&](uint32_t type, uint32_t major, uint32_t minor, unsigned access) {
        auto r = unit::bpf::run(prog, {type, major, minor, access});
        REQUIRE(r.ok);
        return r.r0;
    };
    CHECK(decide(kChar, 1, 3, R | W) == 1);    // /dev/null
    CHECK(decide(kChar, 136, 7, R | W) == 1);  // /dev/pts/7
    CHECK(decide(kChar, 10, 200, R) == 1);     // /dev/net/tun
    CHECK(decide(kChar, 1, 11, W) == 0);       // /dev/kmsg
    CHECK(decide(kChar, 1, 11, M) == 1);       // mknod of anything
    CHECK(decide(kBlock, 8, 0, R) == 0);       // /dev/sda
    CHECK(decide(kBlock, 8, 0, M) == 1);
    CHECK(decide(kBlock, 1, 3, R) == 0);       // a block device numbered like /dev/null
}

TEST_CASE("device filter: podman's list (and skiff's defaults after it) decides as the rules", "[cgroups][devices]") {
    const auto rules = rules_of(podman_default());
    const auto prog = compile_device_filter(rules);
    // The defaults repeat podman's rules: every repeat is left out.
    CHECK(prog.size() == 27);
    CHECK(disagreements(rules, prog, kTypes, kMajors, kMinors) == 0);

    // With a --device (fuse, read/write) and a denied one after it.
    auto config = podman_default();
    config.push_back(dev(true, "c", 10, 229, "rw"));
    config.push_back(dev(false, "c", 1, 9, "w"));
    const auto more = rules_of(config);
    const auto p2 = compile_device_filter(more);
    CHECK(disagreements(more, p2, kTypes, kMajors, kMinors) == 0);
}

TEST_CASE("device filter: allow-all, deny-all and rules after them", "[cgroups][devices]") {
    using Rules = std::vector<DeviceRule>;
    // A privileged container: everything allowed, one return.
    Rules all{{true, 'a', -1, -1, RWM}};
    auto p = compile_device_filter(all);
    CHECK(p.size() == 2);
    CHECK(disagreements(all, p, kTypes, kMajors, kMinors) == 0);
    // Nothing at all: deny.
    p = compile_device_filter({});
    CHECK(p.size() == 2);
    CHECK(disagreements({}, p, kTypes, kMajors, kMinors) == 0);
    // Allow all, then take some back: the denials are the program.
    Rules back{{true, 'a', -1, -1, RWM}, {false, 'c', 1, 3, W}, {false, 'b', -1, -1, RWM}, {true, 'b', 8, 0, R}};
    p = compile_device_filter(back);
    CHECK(disagreements(back, p, kTypes, kMajors, kMinors) == 0);
    // A rule matching everything in the middle: what comes before it is dead.
    Rules mid{{true, 'c', 1, 3, RWM}, {false, 'a', -1, -1, RWM}, {true, 'c', 1, 5, R}};
    p = compile_device_filter(mid);
    CHECK(disagreements(mid, p, kTypes, kMajors, kMinors) == 0);
    CHECK(unit::bpf::run(p, {kChar, 1, 3, R}).r0 == 0);
}

TEST_CASE("device filter: partial access, overlapping and shadowed rules", "[cgroups][devices]") {
    using Rules = std::vector<DeviceRule>;
    const std::vector<Rules> lists{
        // a later deny of one access bit does not cover an earlier allow
        {{true, 'c', 1, 3, RWM}, {false, 'c', 1, 3, W}},
        // an earlier deny shadowed by a later, wider allow
        {{false, 'c', 1, 3, R}, {true, 'c', 1, -1, RWM}},
        // an allow that only a deny consulted after it can shadow
        {{true, 'a', 1, -1, R}, {false, 'c', -1, 3, RWM}, {true, 'b', -1, -1, M}},
        // the same rule twice, and the access string "" (all)
        {{true, 'c', 5, 1, R | W}, {true, 'c', 5, 1, R | W}, {true, 'c', 5, 2, RWM}},
        // a rule with no access bit matches only requests for none
        {{true, 'c', 1, 3, 0}},
        // majors and minors at the edges of 32 bits
        {{true, 'c', 0x80000000, 0xffffffff, RWM}, {true, 'b', 0xffffffff, -1, R}, {false, 'c', 0x7fffffff, 0, RWM}},
        // deny, allow, deny, allow on one device
        {{false, 'c', 1, 3, RWM}, {true, 'c', 1, 3, R}, {false, 'c', 1, -1, W}, {true, 'c', -1, 3, M}},
    };
    for (size_t i = 0; i < lists.size(); ++i) {
        INFO("list " << i);
        auto p = compile_device_filter(lists[i]);
        CHECK(disagreements(lists[i], p, kTypes, kMajors, kMinors) == 0);
    }
}

TEST_CASE("device filter: random rule lists decide as the rules", "[cgroups][devices]") {
    std::mt19937 rng(20261204);
    auto pick = [&](auto const& v) { return v[rng() % v.size()]; };
    const std::vector<char> types{'a', 'b', 'c', 'c'};
    const std::vector<int64_t> majors{-1, -1, 1, 5, 7};
    const std::vector<int64_t> minors{-1, -1, 1, 3, 9};
    const std::vector<uint32_t> q_majors{1, 5, 7, 8}, q_minors{1, 3, 9, 4}, q_types{kBlock, kChar, 0};
    size_t total = 0, bad_lists = 0;
    for (int n = 0; n < 3000; ++n) {
        std::vector<DeviceRule> rules(rng() % 9);
        for (auto& r : rules) r = {rng() % 2 == 0, pick(types), pick(majors), pick(minors), unsigned(rng() % 8)};
        auto p = compile_device_filter(rules);
        total += p.size();
        if (disagreements(rules, p, q_types, q_majors, q_minors) != 0 && ++bad_lists <= 3) {
            std::ostringstream s;
            for (const auto& r : rules)
                s << (r.allow ? "allow " : "deny ") << r.type << " " << r.major << ":" << r.minor << " " << r.access
                  << "; ";
            FAIL_CHECK("rules: " << s.str());
        }
    }
    CHECK(bad_lists == 0);
    CHECK(total > 0);
}

TEST_CASE("device filter: the interpreter refuses what the compiler must not emit", "[cgroups][devices]") {
    // Its own check: a backward jump, a fall off the end, an unset r0.
    std::vector<bpf_insn> back(2);
    back[0].code = BPF_JMP | BPF_JA;
    back[0].off = -1;
    CHECK_FALSE(unit::bpf::run(back, {}).ok);
    std::vector<bpf_insn> off_end(1);
    off_end[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    CHECK_FALSE(unit::bpf::run(off_end, {}).ok);
    std::vector<bpf_insn> no_r0(1);
    no_r0[0].code = BPF_JMP | BPF_EXIT;
    CHECK_FALSE(unit::bpf::run(no_r0, {}).ok);
}
