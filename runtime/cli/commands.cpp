// The command table, help output and the helpers the command files share.
#include "cli/commands.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/log.hpp"
#include "ocispec/json.hpp"

namespace skiff::cli {

std::span<const Command* const> commands() {
    static const std::array<const Command*, 18> table = {
        &cmd_check(),  &cmd_checkpoint(), &cmd_create(), &cmd_delete(), &cmd_events(), &cmd_exec(),
        &cmd_features(), &cmd_kill(),     &cmd_list(),   &cmd_pause(),  &cmd_ps(),     &cmd_restore(),
        &cmd_resume(), &cmd_run(),        &cmd_spec(),   &cmd_start(),  &cmd_state(),  &cmd_update(),
    };
    return table;
}

const Command* find_command(std::string_view name) {
    for (const Command* c : commands())
        if (c->name == name) return c;
    return nullptr;
}

namespace {

void print_flags(std::span<const FlagSpec> flags, FILE* out) {
    for (const FlagSpec& f : flags) {
        std::string spell;
        if (f.short_name) {
            spell += "-";
            spell += f.short_name;
            spell += ", ";
        }
        spell += "--";
        spell += f.name;
        if (f.takes_value) {
            spell += " ";
            spell += f.value_name.empty() ? std::string_view("value") : f.value_name;
        }
        fprintf(out, "   %-32s %.*s\n", spell.c_str(), static_cast<int>(f.help.size()), f.help.data());
    }
}

}  // namespace

void print_command_help(const Command& c, FILE* out) {
    fprintf(out, "NAME:\n   skiff %.*s - %.*s\n\nUSAGE:\n   skiff %.*s\n", static_cast<int>(c.name.size()),
            c.name.data(), static_cast<int>(c.summary.size()), c.summary.data(),
            static_cast<int>(c.usage.size()), c.usage.data());
    if (!c.flags.empty()) {
        fprintf(out, "\nOPTIONS:\n");
        print_flags(c.flags, out);
    }
}

void print_main_help(FILE* out) {
    fprintf(out,
            "NAME:\n   skiff - an OCI container runtime (runc-compatible command line)\n\n"
            "USAGE:\n   skiff [global options] command [command options] [arguments...]\n\n"
            "COMMANDS:\n");
    for (const Command* c : commands())
        fprintf(out, "   %-12.*s %.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                static_cast<int>(c->summary.size()), c->summary.data());
    fprintf(out,
            "\nGLOBAL OPTIONS:\n"
            "   --root DIR                       root directory for container state (default: %s)\n"
            "   --log FILE                       append log records to FILE\n"
            "   --log-format text|json           format of the --log records (default: text)\n"
            "   --debug                          also log debug and info records\n"
            "   --systemd-cgroup                 use the systemd cgroup driver\n"
            "   --rootless auto|true|false       rootless mode (default: auto)\n"
            "   --criu PATH                      the criu binary (default: criu in PATH)\n"
            "   --timings                        print a timeline of the start path on stderr\n"
            "   -h, --help                       show help\n"
            "   -v, --version                    print the version\n",
            "/run/skiff, or $XDG_RUNTIME_DIR/skiff when not root");
}

int fail(const Context& ctx, std::string_view id, const oci::Error& e) {
    std::string m = ctx.command;
    if (!id.empty()) {
        m += ' ';
        m += id;
    }
    m += ": ";
    m += e.message;
    log::error(m);
    return 1;
}

int usage_error(const Context& ctx, std::string_view msg) {
    log::error(msg);
    if (ctx.command.empty())
        fprintf(stderr, "Run 'skiff --help' for usage.\n");
    else
        fprintf(stderr, "Run 'skiff %s --help' for usage.\n", ctx.command.c_str());
    return 1;
}

bool check_arg_count(const Context& ctx, const Parsed& p, size_t min, size_t max) {
    size_t n = p.positional.size();
    if (n >= min && n <= max) return true;
    std::string m = "\"" + ctx.command + "\" requires ";
    if (min == max)
        m += "exactly " + std::to_string(min);
    else if (n < min)
        m += "a minimum of " + std::to_string(min);
    else
        m += "a maximum of " + std::to_string(max);
    m += min == 1 && max == 1 ? " argument" : " arguments";
    usage_error(ctx, m);
    return false;
}

oci::Result<std::string> container_id(const Parsed& p) {
    if (p.positional.empty()) return oci::Error::msg("container id cannot be empty");
    const std::string& id = p.positional[0];
    TRY(oci::validate_container_id(id));
    return id;
}

oci::Result<std::string> absolute_path(const std::string& p) {
    if (p.empty()) return oci::Error::msg("empty path");
    if (p[0] == '/') return p;
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) return oci::Error::sys("getcwd", errno);
    std::string base = buf;
    if (p == ".") return base;
    std::string rel = p;
    if (rel.rfind("./", 0) == 0) rel.erase(0, 2);
    return base == "/" ? "/" + rel : base + "/" + rel;
}

}  // namespace skiff::cli
