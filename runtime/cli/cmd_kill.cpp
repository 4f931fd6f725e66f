// `skiff kill [--all] ID [SIGNAL]`: default SIGTERM, as runc.
#include <csignal>

#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"all", 'a', false, "", "send the signal to every process in the container"},
};

int run_kill(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 2)) return 1;
    core::KillOptions o;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    o.id = *id;
    o.all = p.flag("all");
    o.signal = SIGTERM;
    if (p.positional.size() == 2) {
        auto sig = parse_signal(p.positional[1]);
        if (!sig.ok()) return fail(ctx, o.id, sig.error());
        o.signal = *sig;
    }
    auto r = core::kill(ctx.global, o);
    if (!r.ok()) return fail(ctx, o.id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_kill() {
    static const Command c{"kill", "kill [command options] <container-id> [signal]",
                           "send a signal (default SIGTERM) to the container's init", flags, false, run_kill};
    return c;
}

}  // namespace skiff::cli
