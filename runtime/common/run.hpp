// Run a helper program to completion and capture what it prints: hooks,
// newuidmap/newgidmap, ps, criu.  Only fds 0-2 and keep_fds reach the
// program (no other fd of skiff or of skiff's caller, CLOEXEC or not).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocispec/error.hpp"

namespace skiff {

struct RunSpec {
    const char* path = nullptr;      // the executable; nullptr: argv[0] looked up in PATH
    char* const* argv = nullptr;     // NULL-terminated; argv[0] is what the program sees as its name
    char* const* envp = nullptr;     // NULL-terminated; nullptr: skiff's own environment
    std::optional<std::string_view> input;  // written to stdin (then closed); nullopt: stdin inherited
    bool capture_stdout = true;      // false: inherited
    bool capture_stderr = true;      // false: inherited
    int timeout_ms = -1;             // then SIGKILL; -1: none
    size_t max_output = 65536;       // the rest is read and dropped
    std::vector<int> keep_fds;       // also reach the program, at the same numbers (CRIU's --inherit-fd)
    int cgroup_fd = -1;              // >= 0: an O_DIRECTORY cgroup the program runs in (CRIU's restore)
};

// A NULL-terminated view of strings for RunSpec::argv/envp (or execve);
// valid while `v` is alive and unchanged.
std::vector<char*> c_strings(std::vector<std::string>& v);

struct Finished {
    int wait_status = 0;
    bool timed_out = false;
    std::string output;  // stdout and/or stderr as captured, trailing newlines dropped

    bool exited() const;
    int exit_code() const;    // when exited()
    int term_signal() const;  // when killed
    bool success() const { return !timed_out && exited() && exit_code() == 0; }
};

// fork + execve; an error only when the program could not be started
// (pipe, fork).  An execve failure is exit status 127 with "exec: reason"
// in the output, as a shell would.
oci::Result<Finished> run_command(const RunSpec& c);

}  // namespace skiff
