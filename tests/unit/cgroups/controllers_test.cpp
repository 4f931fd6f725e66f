// Each controller's translation: values, conversions, validation errors.
#include <catch2/catch.hpp>

#include "cgroups/controllers.hpp"
#include "cgroups/resources.hpp"
#include "fake_tree.hpp"

using namespace skiff::cgroups;

namespace {

std::string value_of(const Writes& w, const std::string& file) {
    for (const auto& x : w)
        if (x.file == file) return x.value;
    return "<none>";
}

Writes plan(const oci::Resources& r) {
    auto w = plan_resources(r, PlanContext{});
    if (!w.ok()) FAIL(w.error().message);
    return *w;
}

std::string plan_error(const oci::Resources& r) {
    auto w = plan_resources(r, PlanContext{});
    REQUIRE_FALSE(w.ok());
    return w.error().message;
}

}  // namespace

TEST_CASE("cpu shares convert to cpu.weight as runc and crun", "[cgroups]") {
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 39);
    CHECK(shares_to_weight(262144) == 10000);
    oci::Resources r;
    r.cpu.emplace().shares = 512;
    CHECK(value_of(plan(r), "cpu.weight") == "20");
    r.cpu->shares = 1;
    CHECK_THAT(plan_error(r), Catch::Contains("linux.resources.cpu.shares: 1 is outside 2..262144"));
}

TEST_CASE("cpu quota and period make cpu.max", "[cgroups]") {
    oci::Resources r;
    r.cpu.emplace().quota = 50000;
    r.cpu->period = 100000;
    CHECK(value_of(plan(r), "cpu.max") == "50000 100000");
    r.cpu->quota = -1;
    CHECK(value_of(plan(r), "cpu.max") == "max 100000");
    r.cpu->period.reset();
    r.cpu->quota = 20000;
    CHECK(value_of(plan(r), "cpu.max") == "20000");  // kernel keeps its period
    r.cpu->burst = 1000;
    r.cpu->idle = 1;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    auto w = plan(r);
    CHECK(value_of(w, "cpu.max.burst") == "1000");
    CHECK(value_of(w, "cpu.idle") == "1");
    CHECK(value_of(w, "cpuset.cpus") == "0-1");
    CHECK(value_of(w, "cpuset.mems") == "0");
    r.cpu->cpus = "0;rm -rf";
    CHECK_THAT(plan_error(r), Catch::Contains("linux.resources.cpu.cpus: invalid CPU list"));
}

TEST_CASE("realtime cpu limits are refused on cgroup v2 unless zero", "[cgroups]") {
    oci::Resources r;
    r.cpu.emplace().realtimeRuntime = 0;
    r.cpu->realtimePeriod = 0;
    CHECK(plan(r).empty());
    r.cpu->realtimeRuntime = 950000;
    CHECK_THAT(plan_error(r), Catch::Contains("realtime scheduling limits are not supported on cgroup v2"));
}

TEST_CASE("memory limit, reservation and swap", "[cgroups]") {
    oci::Resources r;
    auto& m = r.memory.emplace();
    m.limit = 100 << 20;
    m.reservation = 50 << 20;
    m.swap = 300 << 20;  // memory+swap in v1 terms
    auto w = plan(r);
    CHECK(value_of(w, "memory.max") == std::to_string(100 << 20));
    CHECK(value_of(w, "memory.low") == std::to_string(50 << 20));
    CHECK(value_of(w, "memory.swap.max") == std::to_string(200 << 20));
    m.swap = 100 << 20;  // same as the limit: no swap
    CHECK(value_of(plan(r), "memory.swap.max") == "0");
    m.limit = -1;
    m.swap.reset();
    w = plan(r);
    CHECK(value_of(w, "memory.max") == "max");
    CHECK(value_of(w, "memory.swap.max") == "max");
    m.limit = 100;
    m.swap = 50;
    CHECK_THAT(plan_error(r), Catch::Contains("is below the memory limit"));
    m.limit.reset();
    m.swap = 50;
    CHECK_THAT(plan_error(r), Catch::Contains("a swap limit needs a memory limit"));
}

TEST_CASE("memory kernel limits and disableOOMKiller are ignored", "[cgroups]") {
    oci::Resources r;
    auto& m = r.memory.emplace();
    m.kernel = 1 << 20;
    m.kernelTCP = 1 << 20;
    m.disableOOMKiller = true;
    m.useHierarchy = true;
    CHECK(plan(r).empty());
}

TEST_CASE("pids limit: negative means max, zero means not set (as runc and crun)", "[cgroups]") {
    oci::Resources r;
    r.pids = oci::PidsResources{32};
    CHECK(value_of(plan(r), "pids.max") == "32");
    r.pids->limit = -1;
    CHECK(value_of(plan(r), "pids.max") == "max");
    CHECK(needed_controllers(plan(r)) == std::vector<std::string>{"pids"});
    // podman --pids-limit=0: nothing written, so no pids controller needed
    r.pids->limit = 0;
    CHECK(plan(r).empty());
    CHECK(needed_controllers(plan(r)).empty());
}

TEST_CASE("merge_resources: pids.limit 0 leaves the recorded limit alone", "[cgroups]") {
    oci::Resources base;
    base.pids = oci::PidsResources{10};
    oci::Resources patch;
    patch.pids = oci::PidsResources{0};
    CHECK(merge_resources(base, patch).pids->limit == 10);
    patch.pids->limit = -1;
    CHECK(merge_resources(base, patch).pids->limit == -1);
}

TEST_CASE("blockIO weights and throttles become io.weight and io.max", "[cgroups]") {
    CHECK(blkio_weight_to_io(10) == 1);
    CHECK(blkio_weight_to_io(500) == 4950);
    CHECK(blkio_weight_to_io(1000) == 10000);
    oci::Resources r;
    auto& b = r.blockIO.emplace();
    b.weight = 500;
    b.weightDevice = {{8, 0, 1000, std::nullopt}};
    b.throttleReadBpsDevice = {{8, 0, 1048576}};
    b.throttleWriteIOPSDevice = {{8, 16, 0}};
    auto w = plan(r);
    REQUIRE(w.size() == 4);
    CHECK(w[0].file == "io.weight");
    CHECK(w[0].value == "default 4950");
    CHECK(w[1].value == "8:0 10000");
    CHECK(w[2].file == "io.max");
    CHECK(w[2].value == "8:0 rbps=1048576");
    CHECK(w[3].value == "8:16 wiops=max");
    b.weight = 5;
    CHECK_THAT(plan_error(r), Catch::Contains("linux.resources.blockIO.weight: 5 is outside 10..1000"));
}

TEST_CASE("hugepage limits write .max and, where present, .rsvd.max", "[cgroups]") {
    oci::Resources r;
    r.hugepageLimits = std::vector<oci::HugepageLimit>{{"2MB", 4194304}};
    auto w = plan(r);
    CHECK(value_of(w, "hugetlb.2MB.max") == "4194304");
    CHECK(value_of(w, "hugetlb.2MB.rsvd.max") == "4194304");
    r.hugepageLimits = std::vector<oci::HugepageLimit>{{"2M/../x", 1}};
    CHECK_THAT(plan_error(r), Catch::Contains("invalid page size"));
}

TEST_CASE("rdma limits", "[cgroups]") {
    oci::Resources r;
    r.rdma = std::map<std::string, oci::RdmaLimit>{{"mlx5_1", {3, std::nullopt}}};
    CHECK(value_of(plan(r), "rdma.max") == "mlx5_1 hca_handle=3 hca_object=max");
}

TEST_CASE("network resources are refused: v1 only", "[cgroups]") {
    oci::Resources r;
    r.network.emplace().classID = 0x100001;
    CHECK_THAT(plan_error(r), Catch::Contains("linux.resources.network") && Catch::Contains("cgroup v1"));
    r.network = oci::NetworkResources{};  // empty: nothing asked
    CHECK(plan(r).empty());
}

TEST_CASE("unified keys are file names, never paths", "[cgroups]") {
    oci::Resources r;
    r.unified = oci::StringMap{{"memory.high", "1G"}, {"cpu.pressure", "x"}};
    auto w = plan(r);
    CHECK(value_of(w, "memory.high") == "1G");
    CHECK(w[0].file == "cpu.pressure");
    CHECK(w[0].controller.empty());  // pressure files are core, not cpu
    for (const char* bad : {"../memory.max", "memory/../x", "..", "nodot", "cgroup.procs"}) {
        r.unified = oci::StringMap{{bad, "1"}};
        INFO(bad);
        CHECK_THAT(plan_error(r), Catch::Contains(std::string("linux.resources.unified[\"") + bad + "\"]"));
    }
}

TEST_CASE("merge_resources: set fields replace, unset fields stay", "[cgroups]") {
    oci::Resources base;
    base.memory.emplace().limit = 100;
    base.memory->reservation = 50;
    base.pids = oci::PidsResources{10};
    oci::Resources patch;
    patch.memory.emplace().limit = 200;
    patch.cpu.emplace().shares = 512;
    auto m = merge_resources(base, patch);
    CHECK(m.memory->limit == 200);
    CHECK(m.memory->reservation == 50);
    CHECK(m.pids->limit == 10);
    CHECK(m.cpu->shares == 512u);
}
