#include "linux/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "common/fd.hpp"
#include "common/log.hpp"

namespace skiff::linux {

using oci::Error;
using oci::Result;

namespace {

std::vector<char*> to_argv(std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// After fork, before execve: async-signal-safe only.
void close_fds_from(unsigned int first) {
    if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
    // Kernels before 5.9: close what /proc/self/fd would list, by number.
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20) max = 1 << 20;
    for (long fd = first; fd < max; ++fd) close(int(fd));
}

int64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Result<void> run_hook(const HookCommand& h, const std::string& state) {
    const std::string& what = h.label;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) return Error::sys(what + ": pipe", errno);
    UniqueFd in_r(in[0]), in_w(in[1]);
    if (pipe2(out, O_CLOEXEC) < 0) return Error::sys(what + ": pipe", errno);
    UniqueFd out_r(out[0]), out_w(out[1]);
    // No `env`: the runtime's own environment (runc, crun); `env`: exactly it.
    char* const* envp = h.envp.empty() ? environ : h.envp.data();

    pid_t pid = fork();
    if (pid < 0) return Error::sys(what + ": fork", errno);
    if (pid == 0) {
        dup2(in_r.get(), 0);
        dup2(out_w.get(), 1);
        dup2(out_w.get(), 2);
        signal(SIGPIPE, SIG_DFL);
        // Only the state, stdout and stderr: no fd of skiff's caller (or of
        // skiff) reaches a hook, CLOEXEC or not.
        close_fds_from(3);
        for (int fd = 0; fd < 3; ++fd) fcntl(fd, F_SETFD, 0);  // dup2 onto itself keeps CLOEXEC
        execve(h.path.c_str(), h.argv.data(), envp);
        dprintf(2, "exec: %s", strerror(errno));
        _exit(127);
    }
    in_r.reset();
    out_w.reset();
    int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
    UniqueFd pidfd_guard(pidfd);

    // The hook may exit without reading stdin: ignore EPIPE.
    struct sigaction ign{}, old{};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
    size_t written = 0;

    std::string output;
    const int64_t deadline = h.timeout > 0 ? now_ms() + h.timeout * 1000 : -1;
    bool exited = false, timed_out = false;
    while (!exited) {
        pollfd fds[3] = {{pidfd, POLLIN, 0}, {out_r.get(), POLLIN, 0},
                         {in_w ? in_w.get() : -1, POLLOUT, 0}};
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0) { timed_out = true; break; }
            wait = int(left);
        }
        int n = poll(fds, 3, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (fds[2].revents) {
            ssize_t w = write(in_w.get(), state.data() + written, state.size() - written);
            if (w > 0) written += size_t(w);
            if (w < 0 || written == state.size()) in_w.reset();
        }
        if (fds[1].revents) {
            char buf[4096];
            ssize_t r = read(out_r.get(), buf, sizeof buf);
            if (r > 0 && output.size() < 65536) output.append(buf, size_t(r));
            if (r <= 0) out_r.reset();
        }
        if (fds[0].revents) exited = true;
    }
    sigaction(SIGPIPE, &old, nullptr);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    // Drain what is left of the output.
    while (out_r) {
        char buf[4096];
        ssize_t r = read(out_r.get(), buf, sizeof buf);
        if (r <= 0) break;
        if (output.size() < 65536) output.append(buf, size_t(r));
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    std::string suffix = output.empty() ? "" : ": " + output;
    if (timed_out) return Error::msg(what + ": timed out after " + std::to_string(h.timeout) + "s" + suffix);
    if (WIFSIGNALED(status))
        return Error::msg(what + ": killed by signal " + std::to_string(WTERMSIG(status)) + suffix);
    if (WEXITSTATUS(status) != 0)
        return Error::msg(what + ": exit status " + std::to_string(WEXITSTATUS(status)) + suffix);
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
        c.argv = to_argv(c.args);
        if (h.env) {
            c.env = *h.env;
            c.envp = to_argv(c.env);
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
