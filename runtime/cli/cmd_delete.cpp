// `skiff delete [--force] ID`.
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"force", 'f', false, "", "kill the container first if it is still running (SIGKILL)"},
};

int run_delete(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    core::DeleteOptions o;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    o.id = *id;
    o.force = p.flag("force");
    auto r = core::remove(ctx.global, o);
    if (!r.ok()) return fail(ctx, o.id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_delete() {
    static const Command c{"delete", "delete [command options] <container-id>",
                           "delete a container and everything it holds", flags, false, run_delete};
    return c;
}

}  // namespace skiff::cli
