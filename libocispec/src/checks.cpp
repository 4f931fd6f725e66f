// Schema constraints beyond a property's JSON type: the patterns and bounds of
// the runtime-spec JSON schemas.  Hand-written matchers, because each pattern
// is tiny and std::regex would dominate parse time.
#include <string>

#include "describe.hpp"

namespace oci::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

std::string mismatch(const char* pattern, const std::string& got) {
    return std::string("must match ") + pattern + ", got \"" + got + "\"";
}

}  // namespace

std::string check_page_size(const std::string& s) {
    // ^[1-9][0-9]*[KMG]B$
    size_t n = s.size();
    bool ok = n >= 3 && s[0] >= '1' && s[0] <= '9' && s[n - 1] == 'B' &&
              (s[n - 2] == 'K' || s[n - 2] == 'M' || s[n - 2] == 'G');
    for (size_t i = 1; ok && i + 2 < n; ++i) ok = is_digit(s[i]);
    return ok ? std::string() : mismatch("^[1-9][0-9]*[KMG]B$", s);
}

std::string check_device_type(const std::string& s) {
    bool ok = s == "c" || s == "b" || s == "u" || s == "p";
    return ok ? std::string() : mismatch("^[cbup]$", s);
}

std::string check_file_mode(const uint32_t& m) {
    if (m <= 0777) return {};
    return "expected file mode (0..511), got " + std::to_string(m);
}

std::string check_rlimit_type(const std::string& s) {
    bool ok = s.size() > 7 && s.compare(0, 7, "RLIMIT_") == 0;
    for (size_t i = 7; ok && i < s.size(); ++i) ok = is_upper(s[i]);
    return ok ? std::string() : mismatch("^RLIMIT_[A-Z]+$", s);
}

std::string check_hook_timeout(const int64_t& t) {
    if (t >= 1) return {};
    return "must be at least 1, got " + std::to_string(t);
}

std::string check_min_one(const Strings& v) {
    return v.empty() ? "must have at least one item" : std::string();
}

std::string check_membw_schema(const std::string& s) {
    bool ok = s.compare(0, 3, "MB:") == 0 && s.find('\n') == std::string::npos;
    return ok ? std::string() : mismatch("^MB:[^\\n]*$", s);
}

std::string check_cpu_affinity(const std::string& s) {
    for (char c : s)
        if (!is_digit(c) && c != ',' && c != ' ' && c != '-')
            return mismatch("^[0-9, -]*$", s);
    return {};
}

std::string check_non_negative(const int64_t& v) {
    if (v >= 0) return {};
    return "must not be negative, got " + std::to_string(v);
}

std::string check_cap_names(const Strings& v) {
    for (size_t i = 0; i < v.size(); ++i) {
        const std::string& s = v[i];
        bool ok = s.size() > 4 && s.compare(0, 4, "CAP_") == 0;
        for (size_t j = 4; ok && j < s.size(); ++j) ok = is_upper(s[j]) || s[j] == '_';
        if (!ok) return "item " + std::to_string(i) + " " + mismatch("^CAP_[A-Z_]+$", s);
    }
    return {};
}

}  // namespace oci::detail
