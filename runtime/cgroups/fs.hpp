// The cgroup v2 files skiff reads and writes, and the plan of writes that
// every controller produces.  Controllers only translate the OCI resources
// into (file, value) pairs; validation happens there, before any file is
// touched, so that `update` with a bad value changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/file.hpp"
#include "ocispec/error.hpp"

namespace skiff::cgroups {

struct Write {
    std::string file;        // relative to the cgroup directory: "memory.max"
    std::string value;       // written verbatim
    std::string field;       // the config field it comes from, for errors
    std::string controller;  // that must be enabled for the file to exist ("" = core)
    // Missing file is not an error (e.g. memory.swap.max without swap
    // accounting when the value asks for no limit anyway).
    bool optional = false;
};
using Writes = std::vector<Write>;

// Whole-file helpers; errors name the path and errno text (read_file:
// common/file.hpp).
using skiff::read_file;
oci::Result<void> write_file(const std::string& path, const std::string& value);
bool file_exists(const std::string& path);
// For stats: a missing file reads as "".
std::string read_or_empty(const std::string& path);

// "key value" lines (memory.stat, cpu.stat, memory.events) -> map.
std::map<std::string, uint64_t> parse_flat_keyed(const std::string& text);
// One number, or "max" -> UINT64_MAX.  nullopt when unreadable.
std::optional<uint64_t> read_u64(const std::string& path);

// Applies a plan to the cgroup at `dir`: checks that every file exists
// first (naming the field and controller when not), then writes in order;
// if a write fails, the files already written get their old values back.
oci::Result<void> apply_writes(const std::string& dir, const Writes& w);

// The same for a cgroup skiff has just made (dirfd: it, O_DIRECTORY): each
// file opened relative to dirfd and written, in one pass; a missing file
// gives apply_writes' error.  Nothing is put back: the caller removes the
// cgroup on failure.
oci::Result<void> write_fresh(int dirfd, const std::string& dir, const Writes& w);

}  // namespace skiff::cgroups
