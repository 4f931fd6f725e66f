// Shared by every unit test: temporary directories, whole-file reads and
// writes, and a clean skip.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace unit {

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
    std::string path;
    explicit TempDir(const std::string& prefix = "skiff-unit") {
        std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// The whole file, "" when it cannot be read.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the file's contents; false if it could not be written.
inline bool write_file(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
    return static_cast<bool>(out.flush());
}

}  // namespace unit

// Catch2 2.x (Debian 12 ships 2.13) has no SKIP(): a skipped case ends
// early with a warning that starts "skipped: ", which tests/run counts as a
// skip instead of a pass.  Use it once per test case, at its top.
#define UNIT_SKIP(reason)                  \
    do {                                   \
        WARN("skipped: " << reason);       \
        return;                            \
    } while (0)
