// `skiff ps [--format table|json] ID [ps options]`: parsed now, implemented later.
#include <cstdint>

#include "cli/commands.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"format", 'f', true, "table|json", "output format (default: table)"},
};

int run_ps(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, SIZE_MAX)) return 1;
    std::string f = p.get("format", "table");
    if (f != "table" && f != "json") return usage_error(ctx, "invalid format \"" + f + "\"");
    return not_implemented(ctx, p);
}

}  // namespace

const Command& cmd_ps() {
    static const Command c{"ps", "ps [command options] <container-id> [ps options]",
                           "list the processes running inside a container", flags, true, run_ps};
    return c;
}

}  // namespace skiff::cli
