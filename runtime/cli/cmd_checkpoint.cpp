// `checkpoint` and `restore`: runc's CRIU commands.  skiff has no CRIU
// integration; their flags are accepted so the error is about that, not
// about an unknown flag.
#include "cli/commands.hpp"
#include "common/log.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec checkpoint_flags[] = {
    {"image-path", 0, true, "DIR", ""},       {"work-path", 0, true, "DIR", ""},
    {"parent-path", 0, true, "DIR", ""},      {"leave-running", 0, false, "", ""},
    {"tcp-established", 0, false, "", ""},    {"ext-unix-sk", 0, false, "", ""},
    {"shell-job", 0, false, "", ""},          {"lazy-pages", 0, false, "", ""},
    {"status-fd", 0, true, "FD", ""},         {"page-server", 0, true, "ADDR", ""},
    {"file-locks", 0, false, "", ""},         {"pre-dump", 0, false, "", ""},
    {"manage-cgroups-mode", 0, true, "MODE", ""}, {"empty-ns", 0, true, "NS", ""},
    {"auto-dedup", 0, false, "", ""},
};

constexpr FlagSpec restore_flags[] = {
    {"console-socket", 0, true, "PATH", ""},  {"image-path", 0, true, "DIR", ""},
    {"work-path", 0, true, "DIR", ""},        {"tcp-established", 0, false, "", ""},
    {"ext-unix-sk", 0, false, "", ""},        {"shell-job", 0, false, "", ""},
    {"file-locks", 0, false, "", ""},         {"manage-cgroups-mode", 0, true, "MODE", ""},
    {"bundle", 'b', true, "DIR", ""},         {"detach", 'd', false, "", ""},
    {"pid-file", 0, true, "FILE", ""},        {"no-subreaper", 0, false, "", ""},
    {"no-pivot", 0, false, "", ""},           {"empty-ns", 0, true, "NS", ""},
    {"auto-dedup", 0, false, "", ""},         {"lazy-pages", 0, false, "", ""},
    {"lsm-profile", 0, true, "PROFILE", ""},  {"lsm-mount-context", 0, true, "CONTEXT", ""},
};

int unsupported(Context& ctx, const Parsed&) {
    log::error(ctx.command + ": not supported: skiff has no CRIU (checkpoint/restore) support");
    return 1;
}

}  // namespace

const Command& cmd_checkpoint() {
    static const Command c{"checkpoint", "checkpoint [command options] <container-id>",
                           "not supported (runc's CRIU checkpoint)", checkpoint_flags, false, unsupported};
    return c;
}

const Command& cmd_restore() {
    static const Command c{"restore", "restore [command options] <container-id>",
                           "not supported (runc's CRIU restore)", restore_flags, false, unsupported};
    return c;
}

}  // namespace skiff::cli
