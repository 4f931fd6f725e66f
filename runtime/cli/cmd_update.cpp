// `skiff update [options] ID`: runc 1.1's flags, implemented later.
#include "cli/commands.hpp"

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

int run_update(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_update() {
    static const Command c{"update", "update [command options] <container-id>",
                           "update a container's resource limits", flags, false, run_update};
    return c;
}

}  // namespace skiff::cli
