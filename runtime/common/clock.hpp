// Monotonic time for timeouts and intervals (never the wall clock).
#pragma once

#include <time.h>

#include <cstdint>

namespace skiff {

inline int64_t monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace skiff
