// Failure injection for the no-leftovers tests: SKIFF_FAILPOINT=<step> makes
// that step of the start path fail as if the kernel had refused it.  Built
// in only with -Dfailpoints=true (tests/run sets it; the default, a release
// build, compiles every failpoint to nothing and ignores the variable).
//
// Every step is named once, in kFailpoints: failpoint("name") with a name
// not in the table does not compile, and a test build refuses an unknown
// SKIFF_FAILPOINT (a typo would otherwise test nothing and pass).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "ocispec/error.hpp"
#include "skiff_build.h"

namespace skiff {

inline constexpr std::string_view kFailpoints[] = {
    "after-state-dir",   // core/create.cpp: state dir and exec.fifo made
    "after-cgroup",      // core/create.cpp: cgroup made, resources applied
    "after-clone",       // core/create.cpp: init cloned, its pid recorded
    "before-pivot",      // proc/init.cpp: mounts done, before pivot_root
    "before-exec-wait",  // proc/init.cpp: before the init reports Ready
    // SKIFF_FAILPOINT_PAUSE only (a 5 s sleep, to kill create at that moment):
    "init-start",        // proc/init.cpp: before the parent-death signal is set
    "after-ready",       // core/create.cpp: Ready received, nothing recorded
    "after-record",      // core/create.cpp: state.json saved, before Recorded
};

inline constexpr bool kFailpointsBuilt = SKIFF_FAILPOINTS != 0;

// A failpoint's name, checked against kFailpoints at compile time.
struct FailpointName {
    const char* name;
    consteval FailpointName(const char* n) : name(n) {
        bool known = false;
        for (std::string_view k : kFailpoints) known = known || k == n;
        if (!known) throw "failpoint name missing from kFailpoints";  // a compile error
    }
};

inline bool failpoint_hit(FailpointName step) {
#if SKIFF_FAILPOINTS
    static const char* armed = std::getenv("SKIFF_FAILPOINT");
    return armed && std::strcmp(armed, step.name) == 0;
#else
    (void)step;
    return false;
#endif
}

inline oci::Result<void> failpoint(FailpointName step) {
#if SKIFF_FAILPOINTS
    if (failpoint_hit(step)) return oci::Error::msg(std::string("failpoint ") + step.name);
#else
    (void)step;
#endif
    return {};
}

// SKIFF_FAILPOINT_PAUSE=<step>: that step sleeps 5 s, so a test can kill
// the runtime at an exact moment.  No allocation (usable after clone).
inline void failpoint_pause(FailpointName step) {
#if SKIFF_FAILPOINTS
    static const char* armed = std::getenv("SKIFF_FAILPOINT_PAUSE");
    if (armed && std::strcmp(armed, step.name) == 0) sleep(5);
#else
    (void)step;
#endif
}

// Test builds: an unknown SKIFF_FAILPOINT or SKIFF_FAILPOINT_PAUSE is an
// error listing the known names.  Release builds: always ok (the variables
// mean nothing there).
inline oci::Result<void> check_failpoint_env() {
    if constexpr (!kFailpointsBuilt) return {};
    for (const char* var : {"SKIFF_FAILPOINT", "SKIFF_FAILPOINT_PAUSE"}) {
        const char* armed = std::getenv(var);
        if (!armed || !*armed) continue;
        std::string known;
        bool found = false;
        for (std::string_view k : kFailpoints) {
            found = found || k == armed;
            if (!known.empty()) known += ", ";
            known += k;
        }
        if (!found)
            return oci::Error::msg(std::string(var) + "=\"" + armed + "\": unknown failpoint (known: " + known + ")");
    }
    return {};
}

}  // namespace skiff
