// probe_host against the real kernel: what `check` and `features` report
// must agree with this machine (kernel 6.x, seccomp, pidfd, clone3,
// openat2).  In the kernel binary because its answer is the host's, not
// the code's.
#include <catch2/catch.hpp>

#include "cli/check_host.hpp"

using namespace skiff::cli;

TEST_CASE("check: host probes agree with this machine", "[cli][check][root]") {
    HostProbe h = probe_host();
    CHECK(h.kernel_major >= 5);
    CHECK(h.pidfd);
    CHECK(h.clone3);
    CHECK(h.openat2);
    CHECK(h.seccomp);
    CHECK_FALSE(host_checks(h).empty());
}
