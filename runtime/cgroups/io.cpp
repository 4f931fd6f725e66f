// blockIO -> io: weight -> io.weight "default N", per-device weights ->
// io.weight "MAJ:MIN N" (both converted from blkio's 10..1000 scale, as
// runc), throttles -> io.max "MAJ:MIN rbps=N" (0 removes the limit).
#include <sstream>

#include "cgroups/controllers.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

int64_t blkio_weight_to_io(int64_t weight) {
    if (weight == 0) return 0;
    return 1 + (weight - 10) * 9999 / 990;
}

namespace {

Result<int64_t> io_weight(const std::string& field, uint16_t w) {
    if (w < 10 || w > 1000) return Error::msg(field + ": " + std::to_string(w) + " is outside 10..1000");
    return blkio_weight_to_io(w);
}

std::string dev(int64_t major, int64_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }

Result<void> plan_throttle(const std::string& field, const char* key,
                           const oci::Opt<std::vector<oci::BlockIODeviceThrottle>>& list, Writes& out) {
    if (!list) return {};
    for (size_t i = 0; i < list->size(); ++i) {
        const auto& t = (*list)[i];
        std::string f = field + "[" + std::to_string(i) + "]";
        if (t.major < 0 || t.minor < 0) return Error::msg(f + ": major and minor must not be negative");
        std::string rate = t.rate.value_or(0) == 0 ? "max" : std::to_string(*t.rate);
        out.push_back({"io.max", dev(t.major, t.minor) + " " + key + "=" + rate, f, "io"});
    }
    return {};
}

}  // namespace

Result<void> plan_io(const oci::BlockIOResources& b, const PlanContext&, Writes& out) {
    const std::string f = "linux.resources.blockIO";
    if (b.leafWeight) log::warn(f + ".leafWeight: not supported on cgroup v2, ignored");
    if (b.weight && *b.weight != 0) {
        TRY_ASSIGN(int64_t w, io_weight(f + ".weight", *b.weight));
        out.push_back({"io.weight", "default " + std::to_string(w), f + ".weight", "io"});
    }
    if (b.weightDevice)
        for (size_t i = 0; i < b.weightDevice->size(); ++i) {
            const auto& d = (*b.weightDevice)[i];
            std::string fi = f + ".weightDevice[" + std::to_string(i) + "]";
            if (d.leafWeight) log::warn(fi + ".leafWeight: not supported on cgroup v2, ignored");
            if (!d.weight) continue;
            TRY_ASSIGN(int64_t w, io_weight(fi + ".weight", *d.weight));
            out.push_back({"io.weight", dev(d.major, d.minor) + " " + std::to_string(w), fi, "io"});
        }
    TRY(plan_throttle(f + ".throttleReadBpsDevice", "rbps", b.throttleReadBpsDevice, out));
    TRY(plan_throttle(f + ".throttleWriteBpsDevice", "wbps", b.throttleWriteBpsDevice, out));
    TRY(plan_throttle(f + ".throttleReadIOPSDevice", "riops", b.throttleReadIOPSDevice, out));
    TRY(plan_throttle(f + ".throttleWriteIOPSDevice", "wiops", b.throttleWriteIOPSDevice, out));
    return {};
}

std::string io_stats_json(const std::string& dir) {
    // io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device.
    std::istringstream in(read_or_empty(dir + "/io.stat"));
    std::string line, bytes, ios;
    auto entry = [](const std::string& mm, const char* op, const std::string& v) {
        auto c = mm.find(':');
        return "{\"major\":" + mm.substr(0, c) + ",\"minor\":" + mm.substr(c + 1) + ",\"op\":\"" + op +
               "\",\"value\":" + v + "}";
    };
    auto add = [](std::string& list, const std::string& e) { list += (list.empty() ? "" : ",") + e; };
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string mm, kv;
        if (!(ls >> mm) || mm.find(':') == std::string::npos) continue;
        while (ls >> kv) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
            if (k == "rbytes") add(bytes, entry(mm, "Read", v));
            if (k == "wbytes") add(bytes, entry(mm, "Write", v));
            if (k == "rios") add(ios, entry(mm, "Read", v));
            if (k == "wios") add(ios, entry(mm, "Write", v));
        }
    }
    std::string j = "{";
    if (!bytes.empty()) j += "\"ioServiceBytesRecursive\":[" + bytes + "]";
    if (!ios.empty()) j += std::string(bytes.empty() ? "" : ",") + "\"ioServicedRecursive\":[" + ios + "]";
    return j + "}";
}

}  // namespace skiff::cgroups
