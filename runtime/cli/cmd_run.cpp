// `skiff run [options] ID`: create + start; in the foreground, exits with the
// container's exit status.
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"bundle", 'b', true, "DIR", "path to the bundle directory (default: current directory)"},
    {"console-socket", 0, true, "PATH", "AF_UNIX socket that receives the console's master fd"},
    {"detach", 'd', false, "", "detach from the container's process"},
    {"keep", 0, false, "", "do not delete the container after it exits"},
    {"pid-file", 0, true, "FILE", "write the container's init pid to FILE"},
    {"no-pivot", 0, false, "", "do not use pivot_root (for ramfs roots)"},
    {"no-new-keyring", 0, false, "", "do not create a new session keyring"},
    {"preserve-fds", 0, true, "N", "pass N additional fds (3..3+N-1) to the container"},
};

int run_run(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto o = create_options(p);
    if (!o.ok()) return fail(ctx, p.positional[0], o.error());
    if (o->detach && o->keep) return usage_error(ctx, "--keep cannot be used with --detach");
    auto r = core::run(ctx.global, *o);
    if (!r.ok()) return fail(ctx, o->id, r.error());
    return *r;
}

}  // namespace

const Command& cmd_run() {
    static const Command c{"run", "run [command options] <container-id>", "create and start a container", flags,
                           false, run_run};
    return c;
}

}  // namespace skiff::cli
