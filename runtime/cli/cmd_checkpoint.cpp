// `checkpoint` and `restore`: runc's CRIU commands, driving the criu binary
// (core/criu.hpp).  runc's flags that need CRIU's RPC or a page server
// (--lazy-pages, --page-server, --status-fd) are refused by name.
#include <unistd.h>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "core/lifecycle.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec checkpoint_flags[] = {
    {"image-path", 0, true, "DIR", "where CRIU writes the image (default: ./checkpoint)"},
    {"work-path", 0, true, "DIR", "where CRIU writes its log and work files (default: the image path)"},
    {"parent-path", 0, true, "DIR", "the previous (pre-dump) image, relative to the image path"},
    {"leave-running", 0, false, "", "leave the container running after the dump"},
    {"tcp-established", 0, false, "", "dump established TCP connections"},
    {"ext-unix-sk", 0, false, "", "allow external unix sockets"},
    {"shell-job", 0, false, "", "allow a shell job (a terminal from outside)"},
    {"lazy-pages", 0, false, "", "not supported (needs CRIU's RPC)"},
    {"status-fd", 0, true, "FD", "not supported (needs CRIU's RPC)"},
    {"page-server", 0, true, "ADDR", "not supported (needs CRIU's RPC)"},
    {"file-locks", 0, false, "", "dump file locks"},
    {"pre-dump", 0, false, "", "dump memory only, leave the container running"},
    {"manage-cgroups-mode", 0, true, "MODE", "soft, full, strict or ignore (CRIU's default: soft)"},
    {"empty-ns", 0, true, "NS", "\"network\": do not dump the network namespace"},
    {"auto-dedup", 0, false, "", "deduplicate the image against its parent"},
};

constexpr FlagSpec restore_flags[] = {
    {"console-socket", 0, true, "PATH", "not supported (needs CRIU's RPC)"},
    {"image-path", 0, true, "DIR", "the CRIU image (default: ./checkpoint)"},
    {"work-path", 0, true, "DIR", "where CRIU writes its log (default: the image path)"},
    {"tcp-established", 0, false, "", "restore established TCP connections"},
    {"ext-unix-sk", 0, false, "", "allow external unix sockets"},
    {"shell-job", 0, false, "", "allow a shell job"},
    {"file-locks", 0, false, "", "restore file locks"},
    {"manage-cgroups-mode", 0, true, "MODE", "soft, full, strict or ignore"},
    {"bundle", 'b', true, "DIR", "the bundle (default: current directory)"},
    {"detach", 'd', false, "", "detach from the restored container"},
    {"pid-file", 0, true, "FILE", "write the restored init's pid to FILE"},
    {"no-subreaper", 0, false, "", "accepted (the init is skiff's own child)"},
    {"no-pivot", 0, false, "", "accepted (CRIU makes the root)"},
    {"empty-ns", 0, true, "NS", "\"network\": the image has no network namespace"},
    {"auto-dedup", 0, false, "", "deduplicate the image while restoring"},
    {"lazy-pages", 0, false, "", "not supported (needs CRIU's RPC)"},
    {"lsm-profile", 0, true, "PROFILE", "not supported (no LSM)"},
    {"lsm-mount-context", 0, true, "CONTEXT", "not supported (no LSM)"},
};

// A flag skiff cannot honour, by name.
oci::Result<void> refuse(const Parsed& p, std::initializer_list<std::string_view> names) {
    for (std::string_view n : names)
        if (p.has(n) && p.get(n) != "false")
            return oci::Error::msg("--" + std::string(n) + ": not supported: needs CRIU's RPC or an LSM");
    return {};
}

oci::Result<core::CriuOptions> criu_options(const Parsed& p) {
    core::CriuOptions o;
    std::string image = p.get("image-path");
    if (image.empty()) {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return oci::Error::sys("getcwd", errno);
        image = std::string(cwd) + "/checkpoint";
    }
    TRY_ASSIGN(o.image_path, absolute_path(image));
    if (p.has("work-path") && !p.get("work-path").empty()) {
        TRY_ASSIGN(o.work_path, absolute_path(p.get("work-path")));
    }
    o.tcp_established = p.flag("tcp-established");
    o.ext_unix_sk = p.flag("ext-unix-sk");
    o.shell_job = p.flag("shell-job");
    o.file_locks = p.flag("file-locks");
    o.auto_dedup = p.flag("auto-dedup");
    o.manage_cgroups_mode = p.get("manage-cgroups-mode");
    if (!o.manage_cgroups_mode.empty() && o.manage_cgroups_mode != "soft" && o.manage_cgroups_mode != "full" &&
        o.manage_cgroups_mode != "strict" && o.manage_cgroups_mode != "ignore")
        return oci::Error::msg("--manage-cgroups-mode: invalid mode \"" + o.manage_cgroups_mode +
                               "\" (soft, full, strict or ignore)");
    for (const std::string& ns : p.all("empty-ns")) {
        if (ns != "network") return oci::Error::msg("--empty-ns: only \"network\" is supported, got \"" + ns + "\"");
        o.empty_ns_net = true;
    }
    return o;
}

oci::Result<core::CheckpointOptions> checkpoint_options(const Parsed& p) {
    core::CheckpointOptions o;
    TRY_ASSIGN(o.id, container_id(p));
    TRY(refuse(p, {"lazy-pages", "status-fd", "page-server"}));
    TRY_ASSIGN(o.criu, criu_options(p));
    o.parent_path = p.get("parent-path");
    o.leave_running = p.flag("leave-running");
    o.pre_dump = p.flag("pre-dump");
    return o;
}

oci::Result<core::RestoreOptions> restore_options(const Parsed& p) {
    core::RestoreOptions o;
    TRY_ASSIGN(o.create, create_options(p));
    TRY(refuse(p, {"lazy-pages", "lsm-profile", "lsm-mount-context"}));
    TRY_ASSIGN(o.criu, criu_options(p));
    return o;
}

int run_checkpoint(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto o = checkpoint_options(p);
    if (!o) return fail(ctx, p.positional[0], o.error());
    if (auto r = core::checkpoint(ctx.global, *o); !r) return fail(ctx, o->id, r.error());
    return 0;
}

int run_restore(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 1, 1)) return 1;
    auto o = restore_options(p);
    if (!o) return fail(ctx, p.positional[0], o.error());
    auto r = core::restore(ctx.global, *o);
    return r ? *r : fail(ctx, o->create.id, r.error());
}

}  // namespace

const Command& cmd_checkpoint() {
    static const Command c{"checkpoint", "checkpoint [command options] <container-id>",
                           "checkpoint a running container with CRIU", checkpoint_flags, false, run_checkpoint};
    return c;
}

const Command& cmd_restore() {
    static const Command c{"restore", "restore [command options] <container-id>",
                           "restore a container from a CRIU checkpoint", restore_flags, false, run_restore};
    return c;
}

}  // namespace skiff::cli
