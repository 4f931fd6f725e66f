// `skiff exec [options] ID COMMAND [ARGS...]`, with runc 1.1's flags.
#include <cstdint>

#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"console-socket", 0, true, "PATH", "AF_UNIX socket that receives the console's master fd"},
    {"cwd", 0, true, "DIR", "current working directory in the container"},
    {"env", 'e', true, "VAR=VALUE", "set an environment variable (repeatable)"},
    {"tty", 't', false, "", "allocate a pseudo-TTY"},
    {"user", 'u', true, "UID[:GID]", "user to run as"},
    {"additional-gids", 'g', true, "GID", "additional group (repeatable)"},
    {"process", 'p', true, "FILE", "process.json describing the process"},
    {"detach", 'd', false, "", "detach from the process"},
    {"pid-file", 0, true, "FILE", "write the process's pid to FILE"},
    {"process-label", 0, true, "LABEL", "SELinux label of the process"},
    {"apparmor", 0, true, "PROFILE", "AppArmor profile of the process"},
    {"no-new-privs", 0, false, "", "set no_new_privs"},
    {"cap", 'c', true, "CAP", "add a capability (repeatable)"},
    {"preserve-fds", 0, true, "N", "pass N additional fds to the process"},
    {"cgroup", 0, true, "PATH", "run in this sub-cgroup (repeatable)"},
    {"ignore-paused", 0, false, "", "allow exec in a paused container"},
};

int run_exec(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, SIZE_MAX)) return 1;
    if (p.positional.size() < 2 && !p.has("process"))
        return usage_error(ctx, "exec: a command or --process is required");
    core::ExecOptions o;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    o.id = *id;
    o.args.assign(p.positional.begin() + 1, p.positional.end());
    if (p.has("process")) {
        auto f = absolute_path(p.get("process"));
        if (!f.ok()) return fail(ctx, o.id, f.error());
        o.process_file = *f;
    }
    o.tty = p.flag("tty");
    o.console_socket = p.get("console-socket");
    o.detach = p.flag("detach");
    if (p.has("pid-file")) {
        auto f = absolute_path(p.get("pid-file"));
        if (!f.ok()) return fail(ctx, o.id, f.error());
        o.pid_file = *f;
    }
    o.cwd = p.get("cwd");
    o.env = p.all("env");
    o.user = p.get("user");
    for (const auto& g : p.all("additional-gids")) {
        auto v = parse_nonneg_int(g, "--additional-gids");
        if (!v.ok()) return usage_error(ctx, v.error().message);
        o.additional_gids.push_back(uint32_t(*v));
    }
    o.caps = p.all("cap");
    o.no_new_privs = p.flag("no-new-privs");
    o.apparmor = p.get("apparmor");
    o.process_label = p.get("process-label");
    if (p.has("preserve-fds")) {
        auto v = parse_nonneg_int(p.get("preserve-fds"), "--preserve-fds");
        if (!v.ok()) return usage_error(ctx, v.error().message);
        o.preserve_fds = *v;
    }
    o.cgroup = p.get("cgroup");
    o.ignore_paused = p.flag("ignore-paused");
    auto r = core::exec(ctx.global, o);
    if (!r.ok()) return fail(ctx, o.id, r.error());
    return *r;
}

}  // namespace

const Command& cmd_exec() {
    static const Command c{"exec", "exec [command options] <container-id> <command> [args...]",
                           "run a new process inside a container", flags, true, run_exec};
    return c;
}

}  // namespace skiff::cli
