// `skiff list [--format table|json] [--quiet]`.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"format", 'f', true, "table|json", "output format (default: table)"},
    {"quiet", 'q', false, "", "print only the container ids"},
};

int run_list(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 0, 0)) return 1;
    std::string format = p.get("format", "table");
    if (format != "table" && format != "json")
        return usage_error(ctx, "invalid format \"" + format + "\": expected table or json");
    auto vs = load_all(ctx.global.root);
    if (!vs.ok()) return fail(ctx, "", vs.error());
    std::string out;
    if (p.flag("quiet")) {
        for (const auto& v : *vs) out += v.record.id + "\n";
    } else if (format == "json") {
        out = list_json(*vs) + "\n";
    } else {
        out = list_table(*vs);
    }
    fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

const Command& cmd_list() {
    static const Command c{"list", "list [command options]", "list the containers under --root", flags, false,
                           run_list};
    return c;
}

}  // namespace skiff::cli
