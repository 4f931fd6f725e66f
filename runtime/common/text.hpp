// Small string helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skiff {

// Every field between separators (any char of `seps`), empty fields kept:
// split("a::b", ":") == {"a", "", "b"}.  The views point into `s`.
inline std::vector<std::string_view> split(std::string_view s, std::string_view seps) {
    std::vector<std::string_view> out;
    for (;;) {
        const size_t at = s.find_first_of(seps);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

// The non-empty fields, as owned strings (whitespace-separated lists):
// fields("a  b\n", " \n") == {"a", "b"}.
inline std::vector<std::string> fields(std::string_view s, std::string_view seps) {
    std::vector<std::string> out;
    for (auto f : split(s, seps))
        if (!f.empty()) out.emplace_back(f);
    return out;
}

// `s` without trailing newlines and spaces (a command's output, a sysfs value).
inline std::string_view trim_end(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace skiff
