// `skiff state ID`: runc's state object, pretty-printed.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace skiff::cli {
namespace {

int run_state(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto v = load_view(ctx.global.root, *id);
    if (!v.ok()) return fail(ctx, *id, v.error());
    std::string out = state_json(*v, /*pretty=*/true);
    printf("%s\n", out.c_str());
    return 0;
}

}  // namespace

const Command& cmd_state() {
    static const Command c{"state", "state <container-id>", "print the state of a container", {}, false, run_state};
    return c;
}

}  // namespace skiff::cli
