// `skiff pause ID`: freeze every process of the container (cgroup.freeze).
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

int run_pause(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto r = core::pause(ctx.global, *id);
    if (!r.ok()) return fail(ctx, *id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_pause() {
    static const Command c{"pause", "pause <container-id>", "suspend all processes of a container", {}, false,
                           run_pause};
    return c;
}

}  // namespace skiff::cli
