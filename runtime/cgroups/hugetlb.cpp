// hugepageLimits -> hugetlb.<size>.max, and hugetlb.<size>.rsvd.max
// (reservations) where the kernel has it, as crun.
#include <dirent.h>

#include <regex>

#include "cgroups/controllers.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<void> plan_hugetlb(const std::vector<oci::HugepageLimit>& list, const PlanContext&, Writes& out) {
    static const std::regex size_re("^[1-9][0-9]*[KMG]B$");
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& h = list[i];
        std::string f = "linux.resources.hugepageLimits[" + std::to_string(i) + "]";
        if (!std::regex_match(h.pageSize, size_re))
            return Error::msg(f + ".pageSize: invalid page size \"" + h.pageSize + "\" (expected e.g. 2MB, 1GB)");
        std::string base = "hugetlb." + h.pageSize;
        out.push_back({base + ".max", std::to_string(h.limit), f, "hugetlb"});
        out.push_back({base + ".rsvd.max", std::to_string(h.limit), f, "hugetlb", true});
    }
    return {};
}

std::string hugetlb_stats_json(const std::string& dir) {
    std::string j = "{";
    DIR* d = opendir(dir.c_str());
    if (!d) return "{}";
    bool first = true;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        // hugetlb.2MB.current -> "2MB"
        if (n.rfind("hugetlb.", 0) != 0 || n.size() < 17 || n.compare(n.size() - 8, 8, ".current") != 0) continue;
        std::string size = n.substr(8, n.size() - 16);
        if (size.find('.') != std::string::npos) continue;  // .rsvd.current
        std::string base = dir + "/hugetlb." + size;
        auto usage = read_u64(base + ".current");
        auto events = parse_flat_keyed(read_or_empty(base + ".events"));
        j += std::string(first ? "" : ",") + "\"" + size + "\":{";
        if (usage && *usage) j += "\"usage\":" + std::to_string(*usage) + ",";
        j += "\"failcnt\":" + std::to_string(events["max"]) + "}";
        first = false;
    }
    closedir(d);
    return j + "}";
}

}  // namespace skiff::cgroups
