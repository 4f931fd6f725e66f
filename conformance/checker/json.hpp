// A small JSON reader for the in-container checker: the container has no
// libraries, so the checker is one static binary that parses config.json
// itself.  Numbers keep their source text so 64-bit limits survive exactly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace conf {

struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    std::string text;  // string value, or a number's source text
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> members;

    // Missing members and wrong kinds read as a shared null, so callers can
    // chain lookups (cfg["process"]["user"]["uid"]) without checks.
    const Json& operator[](const std::string& key) const;
    bool is_null() const { return kind == Kind::Null; }
    bool has(const std::string& key) const;
    std::string str(const std::string& fallback = "") const;
    long long int_or(long long fallback) const;
    unsigned long long uint_or(unsigned long long fallback) const;
    bool bool_or(bool fallback) const;
};

// Returns false and fills `error` (with the byte offset) on malformed input.
bool parse_json(const std::string& input, Json& out, std::string& error);

}  // namespace conf
