#include "linux/hooks.hpp"

#include <algorithm>
#include <cstdint>

#include "common/log.hpp"
#include "common/run.hpp"

namespace skiff::linux {

using oci::Error;
using oci::Result;

namespace {

Result<void> run_hook(const HookCommand& h, const std::string& state) {
    RunSpec c;
    c.path = h.path.c_str();
    c.argv = h.argv.data();
    // No `env`: the runtime's own environment (runc, crun); `env`: exactly it.
    c.envp = h.envp.empty() ? nullptr : h.envp.data();
    c.input = state;  // stdout and stderr captured together, for the error
    if (h.timeout > 0) c.timeout_ms = int(std::min<int64_t>(h.timeout, INT32_MAX / 1000) * 1000);
    TRY_ASSIGN(Finished f, run_command(c).wrap(h.label));
    const std::string suffix = f.output.empty() ? "" : ": " + f.output;
    if (f.timed_out) return Error::msg(h.label + ": timed out after " + std::to_string(h.timeout) + "s" + suffix);
    if (!f.exited()) return Error::msg(h.label + ": killed by signal " + std::to_string(f.term_signal()) + suffix);
    if (f.exit_code() != 0) return Error::msg(h.label + ": exit status " + std::to_string(f.exit_code()) + suffix);
    return {};
}

}  // namespace

PreparedHooks prepare_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind) {
    PreparedHooks out;
    out.kind = kind;
    if (!hooks) return out;
    out.commands.reserve(hooks->size());
    for (size_t i = 0; i < hooks->size(); ++i) {
        const oci::Hook& h = (*hooks)[i];
        HookCommand c;
        c.label = std::string(kind) + " hook [" + std::to_string(i) + "] \"" + h.path + "\"";
        c.path = h.path;
        c.args = h.args && !h.args->empty() ? *h.args : std::vector<std::string>{h.path};
        c.argv = c_strings(c.args);
        if (h.env) {
            c.env = *h.env;
            c.envp = c_strings(c.env);
        }
        c.timeout = h.timeout.value_or(0);
        out.commands.push_back(std::move(c));
    }
    return out;
}

Result<void> run_hooks(const PreparedHooks& hooks, const std::string& state_json) {
    // runtime.md lifecycle: a failing poststart or poststop hook is logged
    // and the remaining hooks and the lifecycle continue; any other kind
    // stops at its first failure.
    const bool keep_going = hooks.kind == "poststart" || hooks.kind == "poststop";
    for (const auto& h : hooks.commands) {
        auto r = run_hook(h, state_json);
        if (r) continue;
        if (!keep_going) return r;
        log::warn(r.error().message);
    }
    return {};
}

Result<void> run_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind,
                       const std::string& state_json) {
    if (!hooks) return {};
    return run_hooks(prepare_hooks(hooks, kind), state_json);
}

}  // namespace skiff::linux
