#include "common/timings.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace skiff::timings {

bool g_enabled = false;

namespace {
Mark g_marks[kMaxMarks];
size_t g_count = 0;
size_t g_child_base = 0;

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}
}  // namespace

void enable() {
    g_enabled = true;
    mark_slow("start");
}

void mark_slow(const char* step) {
    if (g_count >= kMaxMarks) return;
    Mark& m = g_marks[g_count++];
    std::snprintf(m.step, sizeof m.step, "%s", step);
    m.ns = now_ns();
}

void begin_child() { g_child_base = g_count; }

std::string serialize() {
    return std::string(reinterpret_cast<const char*>(g_marks + g_child_base), (g_count - g_child_base) * sizeof(Mark));
}

void merge(const std::string& bytes) {
    size_t n = bytes.size() / sizeof(Mark);
    for (size_t i = 0; i < n && g_count < kMaxMarks; ++i)
        std::memcpy(&g_marks[g_count++], bytes.data() + i * sizeof(Mark), sizeof(Mark));
}

void print(const char* command) {
    if (!g_enabled || g_count == 0) return;
    Mark sorted[kMaxMarks];
    std::copy(g_marks, g_marks + g_count, sorted);
    std::stable_sort(sorted, sorted + g_count, [](const Mark& a, const Mark& b) { return a.ns < b.ns; });
    uint64_t t0 = sorted[0].ns, prev = t0;
    std::fprintf(stderr, "skiff %s timings (us since start, +delta):\n", command);
    for (size_t i = 0; i < g_count; ++i) {
        std::fprintf(stderr, "  %8.1f  +%7.1f  %s\n", double(sorted[i].ns - t0) / 1000.0,
                     double(sorted[i].ns - prev) / 1000.0, sorted[i].step);
        prev = sorted[i].ns;
    }
}

}  // namespace skiff::timings
