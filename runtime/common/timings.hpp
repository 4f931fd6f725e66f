// --timings: a per-step timeline of the start path, in microseconds.  When
// off, mark() is one predictable branch.  A child that shares skiff's
// memory (proc/spawn.hpp) records straight into this table, in its turns;
// one with a copy (ASan builds) ships its marks with the Ready message.
// A mark names the step that ends there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace skiff::timings {

struct Mark {
    char step[40];
    uint64_t ns;  // CLOCK_MONOTONIC
};

constexpr size_t kMaxMarks = 64;

extern bool g_enabled;

void enable();
void mark_slow(const char* step);
inline void mark(const char* step) {
    if (g_enabled) [[unlikely]] mark_slow(step);
}

// In the child right after clone: only marks made from here on are shipped.
void begin_child();
// The child's marks travel as raw bytes.
std::string serialize();
void merge(const std::string& bytes);
// Prints "skiff timings (µs since start):" and one line per step to stderr.
void print(const char* command);

}  // namespace skiff::timings
