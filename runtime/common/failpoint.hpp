// Failure injection for the no-leftovers tests: SKIFF_FAILPOINT=<step> makes
// that step of the start path fail as if the kernel had refused it.  Built
// in only with -Dfailpoints=true (the default for test builds).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "ocispec/error.hpp"
#include "skiff_build.h"

namespace skiff {

inline bool failpoint_hit(const char* step) {
#if SKIFF_FAILPOINTS
    static const char* armed = std::getenv("SKIFF_FAILPOINT");
    return armed && std::strcmp(armed, step) == 0;
#else
    (void)step;
    return false;
#endif
}

inline oci::Result<void> failpoint(const char* step) {
    if (failpoint_hit(step)) return oci::Error::msg(std::string("failpoint ") + step);
    return {};
}

// SKIFF_FAILPOINT_PAUSE=<step>: that step sleeps 5 s, so a test can kill
// the runtime at an exact moment.  No allocation (usable after clone).
inline void failpoint_pause(const char* step) {
#if SKIFF_FAILPOINTS
    static const char* armed = std::getenv("SKIFF_FAILPOINT_PAUSE");
    if (armed && std::strcmp(armed, step) == 0) sleep(5);
#else
    (void)step;
#endif
}

}  // namespace skiff
