#include "linux/rlimits.hpp"

#include <array>
#include <string>

namespace skiff::linux {
namespace {

struct Name { std::string_view name; int resource; };
constexpr std::array<Name, 16> kRlimits = {{
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

std::string show(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

std::optional<int> rlimit_from_name(std::string_view name) {
    for (const auto& n : kRlimits)
        if (n.name == name) return n.resource;
    return std::nullopt;
}

std::string_view rlimit_name(int resource) {
    for (const auto& n : kRlimits)
        if (n.resource == resource) return n.name;
    return "RLIMIT_UNKNOWN";
}

oci::Result<std::vector<RlimitStep>> plan_rlimits(const oci::Opt<std::vector<oci::Rlimit>>& rl,
                                                  bool can_raise, const rlim_t* current_hard) {
    std::vector<RlimitStep> steps;
    if (!rl) return steps;
    bool seen[RLIM_NLIMITS] = {};
    for (size_t i = 0; i < rl->size(); ++i) {
        const auto& r = (*rl)[i];
        std::string field = "process.rlimits[" + std::to_string(i) + "]";
        auto res = rlimit_from_name(r.type);
        if (!res) return oci::Error::msg(field + ": unknown rlimit type \"" + r.type + "\"");
        if (seen[*res]) return oci::Error::msg(field + ": duplicate rlimit type \"" + r.type + "\"");
        seen[*res] = true;
        // The kernel reads all 64 bits; any value at or above RLIM_INFINITY is unlimited.
        rlim_t soft = static_cast<rlim_t>(r.soft), hard = static_cast<rlim_t>(r.hard);
        if (soft > hard)
            return oci::Error::msg(field + ": " + r.type + " soft limit " + show(soft) +
                                   " exceeds its hard limit " + show(hard));
        rlim_t cur = current_hard[*res];
        if (hard > cur && !can_raise)
            return oci::Error::msg(field + ": " + r.type + " hard limit " + show(hard) +
                                   " exceeds the current hard limit " + show(cur) +
                                   " and skiff lacks CAP_SYS_RESOURCE");
        RlimitStep s;
        s.resource = *res;
        s.limit.rlim_cur = soft;
        s.limit.rlim_max = hard;
        steps.push_back(s);
    }
    return steps;
}

oci::Result<void> apply_rlimits(const std::vector<RlimitStep>& steps) {
    for (const auto& s : steps) {
        if (::prlimit(0, static_cast<__rlimit_resource>(s.resource), &s.limit, nullptr) != 0)
            return oci::Error::sys("setrlimit " + std::string(rlimit_name(s.resource)) + " (soft " +
                                       show(s.limit.rlim_cur) + ", hard " + show(s.limit.rlim_max) + ")",
                                   errno);
    }
    return oci::ok();
}

}  // namespace skiff::linux
