// `skiff resume ID`: parsed now, implemented later (cgroup.freeze).
#include "cli/commands.hpp"

namespace skiff::cli {
namespace {

int run_resume(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_resume() {
    static const Command c{"resume", "resume <container-id>", "resume a paused container", {}, false,
                           run_resume};
    return c;
}

}  // namespace skiff::cli
