// The systemd driver's pure half: cgroupsPath, slice expansion, and the unit
// properties built from linux.resources.  The bus half is systemd_bus.cpp.
#include "cgroups/systemd.hpp"

#include <cstdlib>

#include "cgroups/controllers.hpp"

namespace skiff::cgroups::systemd {

using oci::Error;
using oci::Result;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

bool parse_uint(const std::string& s, uint64_t& out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) return false;
    out = std::strtoull(s.c_str(), nullptr, 10);
    return true;
}

}  // namespace

bool valid_unit_name(const std::string& name) {
    if (name.empty() || name.size() > 255) return false;
    if (name.find("..") != std::string::npos) return false;
    // systemd's set of unit name characters; "\" only as the start of an
    // escape "\xNN" (unit_name_escape's output).
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
                     c == '-' || c == '_' || c == '.' || c == '@';
        if (plain) continue;
        if (c == '\\' && i + 3 < name.size() && name[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(name[i + 2])) &&
            std::isxdigit(static_cast<unsigned char>(name[i + 3]))) {
            i += 3;
            continue;
        }
        return false;
    }
    return true;
}

Result<std::string> expand_slice(const std::string& slice) {
    const std::string what = "slice \"" + slice + "\"";
    if (!ends_with(slice, ".slice") || !valid_unit_name(slice))
        return Error::msg(what + ": not a valid slice unit name (expected NAME.slice)");
    if (slice == "-.slice") return std::string();
    const std::string stem = slice.substr(0, slice.size() - 6);
    // Each dash starts a child: a-b-c.slice lives in a-b.slice in a.slice.
    // Empty parts ("-a", "a-", "a--b") name no parent, so systemd refuses them.
    if (stem.empty() || stem.front() == '-' || stem.back() == '-' || stem.find("--") != std::string::npos)
        return Error::msg(what + ": a slice name must not start or end with \"-\" or contain \"--\"");
    std::string path;
    for (size_t at = stem.find('-'); at != std::string::npos; at = stem.find('-', at + 1))
        path += "/" + stem.substr(0, at) + ".slice";
    return path + "/" + slice;
}

Result<UnitPlan> parse_cgroups_path(const std::string& cgroups_path, const std::string& id, bool user_manager) {
    const std::string what = "linux.cgroupsPath \"" + cgroups_path + "\"";
    std::string slice, prefix = "skiff", name = id;
    if (!cgroups_path.empty()) {
        auto parts = split(cgroups_path, ':');
        if (parts.size() != 3)
            return Error::msg(what + ": the systemd cgroup driver expects \"slice:prefix:name\"");
        slice = parts[0];
        prefix = parts[1];
        name = parts[2];
    }
    if (slice.empty()) slice = user_manager ? "user.slice" : "system.slice";
    if (name.empty()) return Error::msg(what + ": the name part (slice:prefix:name) is empty");
    for (const std::string* part : {&slice, &prefix, &name})
        if (part->find('/') != std::string::npos)
            return Error::msg(what + ": \"" + *part + "\" must not contain \"/\"");
    UnitPlan p;
    p.slice = slice;
    if (ends_with(name, ".scope") || ends_with(name, ".slice"))
        p.unit = name;
    else
        p.unit = prefix.empty() ? name + ".scope" : prefix + "-" + name + ".scope";
    if (!valid_unit_name(p.unit))
        return Error::msg(what + ": \"" + p.unit +
                          "\" is not a valid systemd unit name (letters, digits, \":-_.@\" and \\xNN escapes, at most 255)");
    auto sp = expand_slice(slice);
    if (!sp) return Error::msg(what + ": " + sp.error().message);
    p.slice_path = *sp;
    return p;
}

const char* signature(const Value& v) {
    switch (v.index()) {
        case 0: return "b";
        case 1: return "t";
        case 2: return "s";
        case 3: return "au";
        default: return "ay";
    }
}

Result<std::vector<uint8_t>> cpu_list_to_mask(const std::string& list, const std::string& field) {
    constexpr uint64_t kMaxBit = 1 << 16;  // far beyond any CPU or node count
    std::vector<uint8_t> mask;
    auto bad = [&] { return Error::msg(field + ": invalid list \"" + list + "\" (expected e.g. \"0-3,8\")"); };
    for (std::string item : split(list, ',')) {
        while (!item.empty() && (item.back() == '\n' || item.back() == ' ')) item.pop_back();
        while (!item.empty() && item.front() == ' ') item.erase(0, 1);
        if (item.empty()) {
            if (list.find_first_not_of(" \n") == std::string::npos) break;  // "" is no CPUs
            return bad();
        }
        uint64_t lo = 0, hi = 0;
        size_t dash = item.find('-');
        if (dash == std::string::npos) {
            if (!parse_uint(item, lo)) return bad();
            hi = lo;
        } else if (!parse_uint(item.substr(0, dash), lo) || !parse_uint(item.substr(dash + 1), hi) || hi < lo) {
            return bad();
        }
        if (hi >= kMaxBit) return bad();
        if (mask.size() < hi / 8 + 1) mask.resize(hi / 8 + 1, 0);
        for (uint64_t b = lo; b <= hi; ++b) mask[b / 8] |= uint8_t(1u << (b % 8));
    }
    return mask;
}

Result<std::vector<Property>> resource_properties(const oci::Resources& r) {
    std::vector<Property> out;
    auto limit = [](int64_t v) { return v == -1 ? kInfinity : uint64_t(v); };
    if (r.memory) {
        const auto& m = *r.memory;
        const std::string f = "linux.resources.memory";
        for (auto [name, v, field] : {std::tuple{"MemoryMax", m.limit, ".limit"}, std::tuple{"MemoryLow", m.reservation, ".reservation"}}) {
            if (!v || *v == 0) continue;
            if (*v < -1) return Error::msg(f + field + ": invalid value " + std::to_string(*v));
            out.push_back({name, limit(*v)});
        }
        if (m.swap && *m.swap < -1) return Error::msg(f + ".swap: invalid value " + std::to_string(*m.swap));
        TRY_ASSIGN(int64_t swap, swap_to_v2(m.swap.value_or(0), m.limit.value_or(0)));
        if (swap != 0 || m.swap.value_or(0) > 0) out.push_back({"MemorySwapMax", limit(swap)});
    }
    // pids.limit 0 is "not set" (pids.cpp), as runc's systemd driver
    if (r.pids && r.pids->limit != 0)
        out.push_back({"TasksMax", r.pids->limit > 0 ? uint64_t(r.pids->limit) : kInfinity});
    if (r.cpu) {
        const auto& c = *r.cpu;
        const std::string f = "linux.resources.cpu";
        if (c.shares && *c.shares != 0) {
            if (*c.shares < 2 || *c.shares > 262144)
                return Error::msg(f + ".shares: " + std::to_string(*c.shares) + " is outside 2..262144");
            out.push_back({"CPUWeight", uint64_t(shares_to_weight(int64_t(*c.shares)))});
        }
        const int64_t quota = c.quota.value_or(0);
        const uint64_t period = c.period.value_or(0);
        if (quota < -1) return Error::msg(f + ".quota: invalid value " + std::to_string(quota));
        if (period != 0 && (period < 1000 || period > 1000000))
            return Error::msg(f + ".period: " + std::to_string(period) + " is outside 1000..1000000 microseconds");
        if (period != 0) out.push_back({"CPUQuotaPeriodUSec", period});
        if (quota != 0 || period != 0) {
            // systemd keeps the quota as a whole percentage of a CPU: round
            // up to 10 ms per second so cpu.max is never below the request.
            uint64_t per_sec = kInfinity;
            if (quota > 0) {
                per_sec = uint64_t(quota) * 1000000 / (period ? period : 100000);
                if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000;
            }
            out.push_back({"CPUQuotaPerSecUSec", per_sec});
        }
        if (c.cpus && !c.cpus->empty()) {
            TRY_ASSIGN(auto mask, cpu_list_to_mask(*c.cpus, f + ".cpus"));
            out.push_back({"AllowedCPUs", std::move(mask)});
        }
        if (c.mems && !c.mems->empty()) {
            TRY_ASSIGN(auto mask, cpu_list_to_mask(*c.mems, f + ".mems"));
            out.push_back({"AllowedMemoryNodes", std::move(mask)});
        }
    }
    if (r.blockIO && r.blockIO->weight && *r.blockIO->weight != 0) {
        uint16_t w = *r.blockIO->weight;
        if (w < 10 || w > 1000)
            return Error::msg("linux.resources.blockIO.weight: " + std::to_string(w) + " is outside 10..1000");
        out.push_back({"IOWeight", uint64_t(blkio_weight_to_io(w))});
    }
    return out;
}

}  // namespace skiff::cgroups::systemd
