// Command-line parsing with runc's (urfave/cli v1 over Go's flag package)
// spellings: `--flag value`, `--flag=value`, `-flag value`, `-flag=value`,
// short forms `-b B`, boolean flags with an optional `=true|false`, and `--`
// to end the flags.  As urfave/cli reorders arguments, flags may follow
// positional arguments unless the command stops at its first positional
// (exec, ps: everything after the id belongs to the process).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ocispec/error.hpp"

namespace skiff::cli {

struct FlagSpec {
    std::string_view name;        // long name without dashes: "bundle"
    char short_name = 0;          // 'b', or 0
    bool takes_value = false;     // false: boolean flag
    std::string_view value_name;  // for help: "DIR"
    std::string_view help;
};

struct Parsed {
    // Long name -> every value given, in order (booleans: "true"/"false").
    std::map<std::string, std::vector<std::string>, std::less<>> values;
    std::vector<std::string> positional;

    bool has(std::string_view name) const { return values.count(name) != 0; }
    // Last value given, or `def`.
    std::string get(std::string_view name, std::string_view def = {}) const;
    std::vector<std::string> all(std::string_view name) const;
    bool flag(std::string_view name) const { return get(name, "false") == "true"; }
};

// `command` names the command in errors: `unknown flag "--foo" for "create"`.
oci::Result<Parsed> parse_flags(std::span<const FlagSpec> specs, std::span<const std::string> args,
                                std::string_view command, bool stop_at_positional);

// Signals by name ("KILL", "SIGKILL", "sigkill", "RTMIN+3") or number ("9";
// "0" checks that the process is alive, as kill(2)).
oci::Result<int> parse_signal(std::string_view s);

// Non-negative decimal integer that fits an int ("--preserve-fds 2").
oci::Result<int> parse_nonneg_int(std::string_view s, std::string_view what);

}  // namespace skiff::cli
