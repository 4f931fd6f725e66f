// `skiff update [options] ID`: runc 1.1's flags, or -r with a
// linux.resources JSON document ("-": stdin).  Every value is parsed and
// checked before the cgroup is touched.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <limits>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "core/lifecycle.hpp"
#include "ocispec/json.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"resources", 'r', true, "FILE", "resources JSON (linux.resources), \"-\" for stdin"},
    {"blkio-weight", 0, true, "N", "block IO weight (10-1000)"},
    {"cpu-period", 0, true, "US", "CPU CFS period"},
    {"cpu-quota", 0, true, "US", "CPU CFS quota"},
    {"cpu-share", 0, true, "N", "CPU shares (relative weight)"},
    {"cpu-rt-period", 0, true, "US", "CPU realtime period"},
    {"cpu-rt-runtime", 0, true, "US", "CPU realtime runtime"},
    {"cpuset-cpus", 0, true, "LIST", "CPUs allowed"},
    {"cpuset-mems", 0, true, "LIST", "memory nodes allowed"},
    {"kernel-memory", 0, true, "BYTES", "kernel memory limit (ignored on cgroup v2)"},
    {"kernel-memory-tcp", 0, true, "BYTES", "kernel TCP memory limit (ignored on cgroup v2)"},
    {"memory", 0, true, "BYTES", "memory limit"},
    {"memory-reservation", 0, true, "BYTES", "memory soft limit"},
    {"memory-swap", 0, true, "BYTES", "memory + swap limit"},
    {"pids-limit", 0, true, "N", "maximum number of pids"},
    {"l3-cache-schema", 0, true, "SCHEMA", "Intel RDT L3 cache schema"},
    {"mem-bw-schema", 0, true, "SCHEMA", "Intel RDT memory bandwidth schema"},
};

using oci::Error;
using oci::Result;

Result<int64_t> parse_int(const std::string& flag, const std::string& s, int64_t min) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end || errno == ERANGE || v < min)
        return Error::msg("--" + flag + ": invalid value \"" + s + "\"");
    return int64_t(v);
}

// Docker's RAMInBytes, as runc: "512m", "1g", "1024", binary units; "-1": unlimited.
Result<int64_t> parse_bytes(const std::string& flag, const std::string& s) {
    if (s == "-1") return int64_t(-1);
    size_t i = 0;
    while (i < s.size() && (isdigit((unsigned char)s[i]) || s[i] == '.')) ++i;
    std::string num = s.substr(0, i), unit = s.substr(i);
    for (auto& ch : unit) ch = char(tolower((unsigned char)ch));
    if (!unit.empty() && unit.back() == 'b' && unit.size() > 1) unit.pop_back();
    if (!unit.empty() && unit.back() == 'i') unit.pop_back();
    double mult = 1;
    if (unit.empty() || unit == "b") mult = 1;
    else if (unit == "k") mult = 1024.0;
    else if (unit == "m") mult = 1024.0 * 1024;
    else if (unit == "g") mult = 1024.0 * 1024 * 1024;
    else if (unit == "t") mult = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "p") mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
    else return Error::msg("--" + flag + ": invalid size \"" + s + "\"");
    if (num.empty() || num.find('.') != num.rfind('.')) return Error::msg("--" + flag + ": invalid size \"" + s + "\"");
    double v = std::atof(num.c_str()) * mult;
    if (v >= 9.2e18) return Error::msg("--" + flag + ": size \"" + s + "\" is too large");
    return int64_t(v);
}

Result<std::string> read_all(const std::string& path) {
    if (path == "-") {
        // read(2), not std::cin: <iostream> would construct the standard
        // streams (ios_base::Init, ~44k instructions) at the start of every
        // skiff process, whatever its command.
        std::string out;
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Error::sys("read stdin", errno);
            if (n == 0) return out;
            out.append(buf, static_cast<size_t>(n));
        }
    }
    FILE* f = fopen(path.c_str(), "re");
    if (!f) return Error::sys("open " + path, errno);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    fclose(f);
    return out;
}

Result<oci::Resources> resources_from_flags(const Parsed& p) {
    oci::Resources r;
    auto mem = [&]() -> oci::MemoryResources& { return r.memory ? *r.memory : r.memory.emplace(); };
    auto cpu = [&]() -> oci::CpuResources& { return r.cpu ? *r.cpu : r.cpu.emplace(); };
    if (p.has("memory")) { TRY_ASSIGN(mem().limit, parse_bytes("memory", p.get("memory"))); }
    if (p.has("memory-reservation")) {
        TRY_ASSIGN(mem().reservation, parse_bytes("memory-reservation", p.get("memory-reservation")));
    }
    if (p.has("memory-swap")) { TRY_ASSIGN(mem().swap, parse_bytes("memory-swap", p.get("memory-swap"))); }
    if (p.has("kernel-memory")) { TRY_ASSIGN(mem().kernel, parse_bytes("kernel-memory", p.get("kernel-memory"))); }
    if (p.has("kernel-memory-tcp")) {
        TRY_ASSIGN(mem().kernelTCP, parse_bytes("kernel-memory-tcp", p.get("kernel-memory-tcp")));
    }
    if (p.has("cpu-share")) {
        TRY_ASSIGN(int64_t v, parse_int("cpu-share", p.get("cpu-share"), 0));
        cpu().shares = uint64_t(v);
    }
    if (p.has("cpu-quota")) { TRY_ASSIGN(cpu().quota, parse_int("cpu-quota", p.get("cpu-quota"), -1)); }
    if (p.has("cpu-period")) {
        TRY_ASSIGN(int64_t v, parse_int("cpu-period", p.get("cpu-period"), 0));
        cpu().period = uint64_t(v);
    }
    if (p.has("cpu-rt-runtime")) { TRY_ASSIGN(cpu().realtimeRuntime, parse_int("cpu-rt-runtime", p.get("cpu-rt-runtime"), -1)); }
    if (p.has("cpu-rt-period")) {
        TRY_ASSIGN(int64_t v, parse_int("cpu-rt-period", p.get("cpu-rt-period"), 0));
        cpu().realtimePeriod = uint64_t(v);
    }
    if (p.has("cpuset-cpus")) cpu().cpus = p.get("cpuset-cpus");
    if (p.has("cpuset-mems")) cpu().mems = p.get("cpuset-mems");
    if (p.has("pids-limit")) {
        TRY_ASSIGN(int64_t v, parse_int("pids-limit", p.get("pids-limit"), std::numeric_limits<int64_t>::min()));
        r.pids = oci::PidsResources{v};
    }
    if (p.has("blkio-weight")) {
        TRY_ASSIGN(int64_t v, parse_int("blkio-weight", p.get("blkio-weight"), 0));
        if (v > 1000) return Error::msg("--blkio-weight: " + std::to_string(v) + " is outside 10..1000");
        if (v != 0) r.blockIO.emplace().weight = uint16_t(v);
    }
    if (p.has("l3-cache-schema") || p.has("mem-bw-schema"))
        return Error::msg("--l3-cache-schema/--mem-bw-schema: Intel RDT is not supported by skiff");
    return r;
}

int run_update(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    Result<oci::Resources> res = oci::Resources{};
    if (p.has("resources")) {
        // As runc: with -r the other flags are not looked at.
        if (p.values.size() > 1) log::warn("update: -r given: the other resource flags are ignored");
        auto text = read_all(p.get("resources"));
        if (!text.ok()) return fail(ctx, *id, text.error());
        std::string name = p.get("resources") == "-" ? "stdin" : p.get("resources");
        res = oci::parse_resources(*text, name);
    } else {
        res = resources_from_flags(p);
    }
    if (!res.ok()) return fail(ctx, *id, res.error());
    auto r = core::update(ctx.global, *id, *res);
    if (!r.ok()) return fail(ctx, *id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_update() {
    static const Command c{"update", "update [command options] <container-id>",
                           "update a container's resource limits", flags, false, run_update};
    return c;
}

}  // namespace skiff::cli
