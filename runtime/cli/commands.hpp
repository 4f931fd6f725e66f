// The command table.  Each cmd_<name>.cpp defines its flags and handler and
// exposes them as one `Command`; app.cpp parses the global flags, finds the
// command and runs it.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "cli/args.hpp"
#include "core/options.hpp"
#include "ocispec/error.hpp"

namespace skiff::cli {

struct Context {
    core::GlobalOptions global;
    std::string command;  // for error messages: "create"
};

using Handler = int (*)(Context& ctx, const Parsed& args);

struct Command {
    std::string_view name;
    std::string_view usage;    // after "skiff ": "create [command options] <container-id>"
    std::string_view summary;  // one line
    std::span<const FlagSpec> flags;
    bool stop_at_positional = false;
    Handler run = nullptr;
};

// Every command, in help order.
std::span<const Command* const> commands();
const Command* find_command(std::string_view name);
void print_command_help(const Command& c, FILE* out);
void print_main_help(FILE* out);

// The whole program; main() only forwards argv.
int run_cli(int argc, char** argv);

// ---- helpers shared by the command files ----------------------------------

// log::error("<command> <id>: <message>") and return exit status 1.
int fail(const Context& ctx, std::string_view id, const oci::Error& e);
// A usage problem: message plus "Run 'skiff <command> --help' for usage.", status 1.
int usage_error(const Context& ctx, std::string_view msg);
// Checks the positional count; prints the usage error itself.
bool check_arg_count(const Context& ctx, const Parsed& p, size_t min, size_t max);
// Validated container id from the first positional argument.
oci::Result<std::string> container_id(const Parsed& p);
// Absolute, lexically unchanged path: relative paths are joined to the cwd.
oci::Result<std::string> absolute_path(const std::string& p);
// create's and run's shared flags -> options (id validated, paths absolute).
oci::Result<core::CreateOptions> create_options(const Parsed& p);

// One accessor per command file.
const Command& cmd_create();
const Command& cmd_start();
const Command& cmd_run();
const Command& cmd_kill();
const Command& cmd_delete();
const Command& cmd_state();
const Command& cmd_list();
const Command& cmd_spec();
const Command& cmd_features();
const Command& cmd_check();
const Command& cmd_exec();
const Command& cmd_ps();
const Command& cmd_pause();
const Command& cmd_resume();
const Command& cmd_update();
const Command& cmd_events();
const Command& cmd_checkpoint();
const Command& cmd_restore();

}  // namespace skiff::cli
