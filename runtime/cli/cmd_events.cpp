// `skiff events [--interval D] [--stats] ID`: runc's JSON lines on stdout.
#include <cstdio>

#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"interval", 0, true, "DURATION", "stats collection interval (default: 5s)"},
    {"stats", 0, false, "", "print the stats once and exit"},
};

// Go durations as runc takes them: "5s", "500ms", "1m30s", "1h".
oci::Result<int> parse_duration_ms(const std::string& s) {
    double total = 0;
    size_t i = 0;
    if (s.empty()) return oci::Error::msg("--interval: empty duration");
    while (i < s.size()) {
        size_t j = i;
        while (j < s.size() && (isdigit((unsigned char)s[j]) || s[j] == '.')) ++j;
        if (j == i) return oci::Error::msg("--interval: invalid duration \"" + s + "\"");
        double v = std::atof(s.substr(i, j - i).c_str());
        size_t k = j;
        while (k < s.size() && isalpha((unsigned char)s[k])) ++k;
        std::string unit = s.substr(j, k - j);
        if (unit == "ms") total += v;
        else if (unit == "s") total += v * 1000;
        else if (unit == "m") total += v * 60000;
        else if (unit == "h") total += v * 3600000;
        else if (unit == "us" || unit == "µs") total += v / 1000;
        else return oci::Error::msg("--interval: invalid duration \"" + s + "\" (units: ms, s, m, h)");
        i = k;
    }
    if (total < 1) return oci::Error::msg("--interval: duration must be positive");
    if (total > 86400000) return oci::Error::msg("--interval: duration is too long");
    return int(total);
}

int run_events(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto interval = parse_duration_ms(p.get("interval", "5s"));
    if (!interval.ok()) return usage_error(ctx, interval.error().message);
    auto r = core::events(ctx.global, *id, p.flag("stats"), *interval, [](const std::string& line) {
        printf("%s\n", line.c_str());
        fflush(stdout);
    });
    if (!r.ok()) return fail(ctx, *id, r.error());
    return 0;
}

}  // namespace

const Command& cmd_events() {
    static const Command c{"events", "events [command options] <container-id>",
                           "display container events and resource usage", flags, false, run_events};
    return c;
}

}  // namespace skiff::cli
