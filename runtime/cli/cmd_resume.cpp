// `skiff resume ID`: thaw a paused container (cgroup.freeze 0).
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

int run_resume(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto r = core::resume(ctx.global, *id);
    if (!r.ok()) return fail(ctx, *id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_resume() {
    static const Command c{"resume", "resume <container-id>", "resume a paused container", {}, false,
                           run_resume};
    return c;
}

}  // namespace skiff::cli
