// Global flags and dispatch: `skiff [global options] command [options] args`.
#include <seccomp.h>
#include <yajl/yajl_version.h>

#include <array>
#include <cstdio>
#include <vector>

#include "cli/commands.hpp"
#include "common/failpoint.hpp"
#include "core/rootless.hpp"
#include "common/log.hpp"
#include "common/timings.hpp"
#include "core/state_store.hpp"
#include "skiff_build.h"
#include "skiff_commit.h"

namespace skiff::cli {
namespace {

constexpr FlagSpec global_flags[] = {
    {"root", 0, true, "DIR", "root directory for container state"},
    {"log", 0, true, "FILE", "log file"},
    {"log-format", 0, true, "text|json", "log format"},
    {"debug", 0, false, "", "enable debug logging"},
    {"systemd-cgroup", 0, false, "", "use the systemd cgroup driver"},
    {"rootless", 0, true, "auto|true|false", "rootless mode"},
    {"criu", 0, true, "PATH", "the criu binary for checkpoint/restore (default: criu in PATH)"},
    {"timings", 0, false, "", "print start-path timings"},
    {"help", 'h', false, "", "show help"},
    {"version", 'v', false, "", "print the version"},
};

void print_version() {
    const scmp_version* sv = seccomp_version();
    int yv = yajl_version();
    printf("skiff version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\nyajl: %d.%d.%d\n", SKIFF_VERSION,
           SKIFF_COMMIT, SKIFF_SPEC_VERSION, sv ? sv->major : 0, sv ? sv->minor : 0, sv ? sv->micro : 0,
           yv / 10000, yv / 100 % 100, yv % 100);
    // Only a test build says so; the security suite checks a release build
    // has none (SECURITY.md).
    if (kFailpointsBuilt) printf("failpoints: compiled in (test build)\n");
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    Context ctx;
    auto global = parse_flags(global_flags, args, "skiff", /*stop_at_positional=*/true);
    if (!global.ok()) return usage_error(ctx, global.error().message);
    const Parsed& g = *global;

    log::Options lo;
    lo.file = g.get("log");
    lo.debug = g.flag("debug");
    std::string fmt = g.get("log-format", "text");
    if (fmt == "json") {
        lo.format = log::Format::Json;
    } else if (fmt != "text") {
        (void)log::init(lo);
        return usage_error(ctx, "invalid --log-format \"" + fmt + "\": expected text or json");
    }
    if (auto l = log::init(lo); !l) {
        lo.file.clear();  // errors to stderr only
        (void)log::init(lo);
        log::error(l.error().message);
        return 1;
    }

    if (g.flag("version")) {
        print_version();
        return 0;
    }
    if (auto f = check_failpoint_env(); !f) return usage_error(ctx, f.error().message);
    if (g.positional.empty()) {
        print_main_help(g.flag("help") ? stdout : stderr);
        return g.flag("help") ? 0 : 1;
    }

    ctx.global.root = g.has("root") ? g.get("root") : core::default_root();
    ctx.global.debug = lo.debug;
    ctx.global.systemd_cgroup = g.flag("systemd-cgroup");
    ctx.global.timings = g.flag("timings");
    ctx.global.criu = g.get("criu");
    if (ctx.global.timings) timings::enable();
    std::string rl = g.get("rootless", "auto");
    if (rl == "auto") ctx.global.rootless = core::Rootless::Auto;
    else if (rl == "true") ctx.global.rootless = core::Rootless::True;
    else if (rl == "false") ctx.global.rootless = core::Rootless::False;
    else return usage_error(ctx, "invalid --rootless \"" + rl + "\": expected auto, true or false");
    ctx.global.host = core::detect_host(ctx.global.rootless);
    // rootless: root of a nested user namespace (podman rootless
    // runs the runtime so, without --root) keeps its state with the user, as runc.
    if (const char* xdg = getenv("XDG_RUNTIME_DIR");
        !g.has("root") && xdg && *xdg && ctx.global.host.rootless)
        ctx.global.root = std::string(xdg) + "/skiff";

    const std::string& name = g.positional[0];
    if (name == "help") {
        if (g.positional.size() > 1) {
            if (const Command* c = find_command(g.positional[1])) {
                print_command_help(*c, stdout);
                return 0;
            }
            return usage_error(ctx, "unknown command \"" + g.positional[1] + "\"");
        }
        print_main_help(stdout);
        return 0;
    }
    const Command* cmd = find_command(name);
    if (!cmd) return usage_error(ctx, "unknown command \"" + name + "\"");
    ctx.command = std::string(cmd->name);

    // Every command accepts -h/--help on top of its own flags.
    std::vector<FlagSpec> flags(cmd->flags.begin(), cmd->flags.end());
    flags.push_back({"help", 'h', false, "", "show help"});
    std::span<const std::string> rest(g.positional.data() + 1, g.positional.size() - 1);
    auto parsed = parse_flags(flags, rest, cmd->name, cmd->stop_at_positional);
    if (!parsed.ok()) return usage_error(ctx, parsed.error().message);
    if (parsed->flag("help")) {
        print_command_help(*cmd, stdout);
        return 0;
    }
    int rc = cmd->run(ctx, *parsed);
    timings::print(std::string(cmd->name).c_str());
    return rc;
}

}  // namespace skiff::cli
