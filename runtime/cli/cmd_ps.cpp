// `skiff ps [--format table|json] ID [ps options]`: as runc, json prints the
// pids in the container's cgroup; table runs ps(1) with the given options
// (default -ef) and keeps the header and the lines of those pids.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "cli/commands.hpp"
#include "common/run.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"format", 'f', true, "table|json", "output format (default: table)"},
};

oci::Result<std::string> run_ps_command(const std::vector<std::string>& args) {
    std::vector<std::string> words{"ps"};
    words.insert(words.end(), args.begin(), args.end());
    auto argv = c_strings(words);
    RunSpec c;
    c.argv = argv.data();
    c.capture_stderr = false;  // ps's own complaints go to the caller
    c.max_output = size_t(64) << 20;
    TRY_ASSIGN(Finished f, run_command(c));
    if (!f.success())
        return oci::Error::msg("ps " + (args.empty() ? std::string() : args[0]) + ": exited with status " +
                               std::to_string(f.exited() ? f.exit_code() : 128 + f.term_signal()));
    return std::move(f.output);
}

int run_ps(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, SIZE_MAX)) return 1;
    std::string f = p.get("format", "table");
    if (f != "table" && f != "json") return usage_error(ctx, "invalid format \"" + f + "\"");
    auto id = container_id(p);
    if (!id.ok()) return fail(ctx, p.positional[0], id.error());
    auto pids = core::container_pids(ctx.global, *id);
    if (!pids.ok()) return fail(ctx, *id, pids.error());
    if (f == "json") {
        std::string out = "[";
        for (size_t i = 0; i < pids->size(); ++i) out += (i ? "," : "") + std::to_string((*pids)[i]);
        printf("%s]\n", out.c_str());
        return 0;
    }
    std::vector<std::string> args(p.positional.begin() + 1, p.positional.end());
    if (args.empty()) args = {"-ef"};
    auto text = run_ps_command(args);
    if (!text.ok()) return fail(ctx, *id, text.error());
    std::istringstream in(*text);
    std::string header;
    std::getline(in, header);
    // The PID column's index in the header.
    std::istringstream hs(header);
    std::string col;
    int pid_col = -1;
    for (int i = 0; hs >> col; ++i)
        if (col == "PID") { pid_col = i; break; }
    if (pid_col < 0) return fail(ctx, *id, oci::Error::msg("ps: no PID column in the output of ps"));
    printf("%s\n", header.c_str());
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string field;
        for (int i = 0; i <= pid_col && ls >> field; ++i) {}
        pid_t pid = pid_t(std::atoi(field.c_str()));
        if (std::find(pids->begin(), pids->end(), pid) != pids->end()) printf("%s\n", line.c_str());
    }
    return 0;
}

}  // namespace

const Command& cmd_ps() {
    static const Command c{"ps", "ps [command options] <container-id> [ps options]",
                           "list the processes running inside a container", flags, true, run_ps};
    return c;
}

}  // namespace skiff::cli
