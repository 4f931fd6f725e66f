// `skiff pause ID`: parsed now, implemented later (cgroup.freeze).
#include "cli/commands.hpp"

namespace skiff::cli {
namespace {

int run_pause(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_pause() {
    static const Command c{"pause", "pause <container-id>", "suspend all processes of a container", {}, false,
                           run_pause};
    return c;
}

}  // namespace skiff::cli
