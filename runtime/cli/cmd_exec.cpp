// `skiff exec [options] ID COMMAND [ARGS...]`: flags parsed as runc 1.1's;
// running the process is implemented by later work.
#include <cstdint>

#include "cli/commands.hpp"

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
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_exec() {
    static const Command c{"exec", "exec [command options] <container-id> <command> [args...]",
                           "run a new process inside a container", flags, true, run_exec};
    return c;
}

}  // namespace skiff::cli
