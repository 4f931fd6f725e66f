#include "core/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "common/fd.hpp"
#include "common/log.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

std::vector<char*> to_argv(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
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

Result<void> run_hook(const oci::Hook& h, const std::string& what, const std::string& state) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) return Error::sys(what + ": pipe", errno);
    UniqueFd in_r(in[0]), in_w(in[1]);
    if (pipe2(out, O_CLOEXEC) < 0) return Error::sys(what + ": pipe", errno);
    UniqueFd out_r(out[0]), out_w(out[1]);

    std::vector<std::string> args = h.args && !h.args->empty() ? *h.args : std::vector<std::string>{h.path};
    auto argv = to_argv(args);
    // No `env`: the runtime's own environment (runc, crun); `env`: exactly it.
    std::vector<char*> given;
    if (h.env) given = to_argv(*h.env);
    char* const* envp = h.env ? given.data() : environ;

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
        execve(h.path.c_str(), argv.data(), envp);
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
    const int64_t deadline = h.timeout ? now_ms() + *h.timeout * 1000 : -1;
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
    if (timed_out) return Error::msg(what + ": timed out after " + std::to_string(*h.timeout) + "s" + suffix);
    if (WIFSIGNALED(status))
        return Error::msg(what + ": killed by signal " + std::to_string(WTERMSIG(status)) + suffix);
    if (WEXITSTATUS(status) != 0)
        return Error::msg(what + ": exit status " + std::to_string(WEXITSTATUS(status)) + suffix);
    return {};
}

}  // namespace

Result<void> run_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind,
                       const std::string& state_json) {
    if (!hooks) return {};
    // runtime.md lifecycle: a failing poststart or poststop hook is logged
    // and the remaining hooks and the lifecycle continue; any other kind
    // stops at its first failure.
    const std::string_view k(kind);
    const bool keep_going = k == "poststart" || k == "poststop";
    for (size_t i = 0; i < hooks->size(); ++i) {
        const auto& h = (*hooks)[i];
        auto r = run_hook(h, std::string(kind) + " hook [" + std::to_string(i) + "] \"" + h.path + "\"", state_json);
        if (r) continue;
        if (!keep_going) return r;
        log::warn(r.error().message);
    }
    return {};
}

}  // namespace skiff::core
