// The unit cases that need the real kernel as root: namespaces, mounts,
// credentials, real seccomp filters and host probes.  tests/run runs this
// binary as root; unit-tests holds everything that runs as any user.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

int main(int argc, char** argv) {
    if (::geteuid() != 0) {
        std::fprintf(stderr, "unit-kernel-tests: skipped, needs root (namespaces, mounts, credentials)\n");
        return 77;  // meson's "skipped"
    }
    return Catch::Session().run(argc, argv);
}
