// `skiff start ID`: let a created container's process exec the user program.
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

int run_start(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto r = core::start(ctx.global, *id);
    if (!r.ok()) return fail(ctx, *id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_start() {
    static const Command c{"start", "start <container-id>", "start a created container", {}, false, run_start};
    return c;
}

}  // namespace skiff::cli
