// `skiff create [options] ID`: set the container up and leave its process
// waiting on the exec fifo.
#include "cli/commands.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"bundle", 'b', true, "DIR", "path to the bundle directory (default: current directory)"},
    {"console-socket", 0, true, "PATH", "AF_UNIX socket that receives the console's master fd"},
    {"pid-file", 0, true, "FILE", "write the container's init pid to FILE"},
    {"no-pivot", 0, false, "", "do not use pivot_root (for ramfs roots)"},
    {"no-new-keyring", 0, false, "", "do not create a new session keyring"},
    {"preserve-fds", 0, true, "N", "pass N additional fds (3..3+N-1) to the container"},
};

int run_create(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto o = create_options(p);
    if (!o.ok()) return fail(ctx, p.positional[0], o.error());
    auto r = core::create(ctx.global, *o);
    if (!r.ok()) return fail(ctx, o->id, r.error());
    return 0;
}

}  // namespace

oci::Result<core::CreateOptions> create_options(const Parsed& p) {
    core::CreateOptions o;
    TRY_ASSIGN(o.id, container_id(p));
    TRY_ASSIGN(o.bundle, absolute_path(p.get("bundle", ".")));
    if (p.has("pid-file")) {
        TRY_ASSIGN(o.pid_file, absolute_path(p.get("pid-file")));
    }
    if (p.has("console-socket")) {
        TRY_ASSIGN(o.console_socket, absolute_path(p.get("console-socket")));
    }
    o.no_pivot = p.flag("no-pivot");
    o.no_new_keyring = p.flag("no-new-keyring");
    if (p.has("preserve-fds")) {
        TRY_ASSIGN(o.preserve_fds, parse_nonneg_int(p.get("preserve-fds"), "--preserve-fds"));
    }
    o.detach = p.flag("detach");
    o.keep = p.flag("keep");
    return o;
}

const Command& cmd_create() {
    static const Command c{"create", "create [command options] <container-id>",
                           "create a container (its process waits for `start`)", flags, false, run_create};
    return c;
}

}  // namespace skiff::cli
