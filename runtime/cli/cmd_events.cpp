// `skiff events [--interval D] [--stats] ID`: parsed now, implemented later.
#include "cli/commands.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"interval", 0, true, "DURATION", "stats collection interval (default: 5s)"},
    {"stats", 0, false, "", "print the stats once and exit"},
};

int run_events(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_events() {
    static const Command c{"events", "events [command options] <container-id>",
                           "display container events and resource usage", flags, false, run_events};
    return c;
}

}  // namespace skiff::cli
