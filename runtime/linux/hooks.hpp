// OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"):
// each hook is executed with the container state JSON on stdin; a non-zero
// exit or a timeout is an error naming the hook kind, index and path, with
// the hook's output.  Run by the parent (prestart, createRuntime,
// poststart, poststop: core) and by the container's init (createContainer,
// startContainer: proc).
//
// Why in linux/: running a hook is fork + execve + pidfd + poll, process
// work like process_exec's, and linux/ is the lowest module both core and
// proc may use.  The init must not reach up into core for it.
//
// The init gets its hooks as PreparedHooks built by the parent (argv and
// envp ready, error labels made), so it parses nothing of the config
// between clone and execve.
//
// A hook without `env` gets skiff's own environment (as runc and crun);
// with `env`, exactly that.  A hook gets fds 0-2 only (state on stdin).
// poststart and poststop: every hook runs; a failure is logged with
// log::warn and run_hooks succeeds (runtime.md).  Other kinds stop at the
// first failure and return it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::linux {

// One hook, ready for execve.  argv/envp point into args/env: movable
// (the strings stay where they are), not copyable.
struct HookCommand {
    std::string label;  // `createContainer hook [0] "/usr/bin/x"`, for errors
    std::string path;
    std::vector<std::string> args, env;
    std::vector<char*> argv;  // NULL-terminated view of args
    std::vector<char*> envp;  // NULL-terminated view of env; empty: skiff's environ
    int64_t timeout = 0;      // seconds; 0: none

    HookCommand() = default;
    HookCommand(HookCommand&&) noexcept = default;
    HookCommand& operator=(HookCommand&&) noexcept = default;
    HookCommand(const HookCommand&) = delete;
    HookCommand& operator=(const HookCommand&) = delete;
};

// The hooks of one kind, in config order.
struct PreparedHooks {
    std::string kind;  // "createContainer", ...
    std::vector<HookCommand> commands;
    bool empty() const { return commands.empty(); }
};

// Parent: hooks (absent: none) of `kind`, ready to run here or in the init.
PreparedHooks prepare_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind);

oci::Result<void> run_hooks(const PreparedHooks& hooks, const std::string& state_json);

// Parent: prepare_hooks + run_hooks.
oci::Result<void> run_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind,
                            const std::string& state_json);

}  // namespace skiff::linux
