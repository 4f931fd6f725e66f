// The device filters the compiler makes pass the kernel's verifier (the
// unit test cannot attach them: that would need a cgroup of the host's;
// cgroups.bats attaches them to real containers).
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "cgroups/devices_bpf.hpp"

using namespace skiff::cgroups;

namespace {

// The verifier's verdict: "" when loaded, else errno text and its log.
std::string verify(const std::vector<bpf_insn>& prog) {
    static char log[16384];
    log[0] = 0;
    static const char license[] = "Apache";
    bpf_attr a{};
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = uint64_t(uintptr_t(prog.data()));
    a.insn_cnt = uint32_t(prog.size());
    a.license = uint64_t(uintptr_t(license));
    a.log_buf = uint64_t(uintptr_t(log));
    a.log_size = sizeof log;
    a.log_level = 1;
    long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (fd >= 0) {
        close(int(fd));
        return "";
    }
    return std::string(strerror(errno)) + ": " + log;
}

}  // namespace

TEST_CASE("device filter: the verifier takes the default, podman's and unusual lists", "[cgroups][devices][root]") {
    std::vector<oci::DeviceCgroup> deny_all{{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
    auto spec = device_rules(&deny_all);
    REQUIRE(spec.ok());
    CHECK(verify(compile_device_filter(*spec)) == "");
    std::vector<oci::DeviceCgroup> podman = deny_all;
    podman.push_back({true, "c", std::nullopt, std::nullopt, "m"});
    podman.push_back({true, "b", std::nullopt, std::nullopt, "m"});
    podman.push_back({true, "c", 10, 229, "rw"});
    podman.push_back({false, "c", 1, 9, "w"});
    auto p = device_rules(&podman);
    REQUIRE(p.ok());
    CHECK(verify(compile_device_filter(*p)) == "");
    CHECK(verify(compile_device_filter({{true, 'a', -1, -1, 7}})) == "");
    CHECK(verify(compile_device_filter({})) == "");
    CHECK(verify(compile_device_filter({{true, 'a', -1, -1, 7},
                                        {false, 'c', 0x80000000, 0xffffffff, 2},
                                        {false, 'a', 1, -1, 1},
                                        {true, 'b', -1, 3, 4}})) == "");
}
