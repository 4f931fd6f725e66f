#include "common/run.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/clock.hpp"
#include "common/fd.hpp"
#include "common/text.hpp"

extern char** environ;

namespace skiff {

using oci::Error;
using oci::Result;

bool Finished::exited() const { return WIFEXITED(wait_status); }
int Finished::exit_code() const { return WEXITSTATUS(wait_status); }
int Finished::term_signal() const { return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0; }

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

namespace {

// After fork, before execve: async-signal-safe only.
void close_fds_from(unsigned int first) {
    if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
    // Kernels before 5.9: close what could be open, by number.
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20) max = 1 << 20;
    for (long fd = first; fd < max; ++fd) close(int(fd));
}

// After fork: every fd from `first` on closes at execve (async-signal-safe).
void cloexec_fds_from(unsigned int first) {
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);  // kernels before 5.11
    if (max < 0 || max > 1 << 20) max = 1 << 20;
    for (long fd = first; fd < max; ++fd) fcntl(int(fd), F_SETFD, FD_CLOEXEC);
}

// After fork: moves this process into the cgroup (async-signal-safe).
bool join_cgroup(int cgroup_fd) {
    const int procs = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (procs < 0) return false;
    const bool ok = write(procs, "0", 1) == 1;
    close(procs);
    return ok;
}

struct Pipe {
    UniqueFd rd, wr;
    Result<void> open(const char* what) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) return Error::sys(std::string(what) + ": pipe", errno);
        rd.reset(p[0]);
        wr.reset(p[1]);
        return {};
    }
};

void append_capped(std::string& out, const char* buf, size_t n, size_t cap) {
    if (out.size() < cap) out.append(buf, std::min(n, cap - out.size()));
}

}  // namespace

Result<Finished> run_command(const RunSpec& c) {
    const char* name = c.path ? c.path : c.argv[0];
    Pipe in, out;
    if (c.input) TRY(in.open(name));
    const bool capture = c.capture_stdout || c.capture_stderr;
    if (capture) TRY(out.open(name));
    char* const* envp = c.envp ? c.envp : environ;

    const pid_t pid = fork();
    if (pid < 0) return Error::sys(std::string(name) + ": fork", errno);
    if (pid == 0) {
        if (c.input) dup2(in.rd.get(), 0);
        if (c.capture_stdout) dup2(out.wr.get(), 1);
        if (c.capture_stderr) dup2(out.wr.get(), 2);
        signal(SIGPIPE, SIG_DFL);
        if (c.cgroup_fd >= 0 && !join_cgroup(c.cgroup_fd)) {
            dprintf(2, "join cgroup: %s", strerror(errno));
            _exit(127);
        }
        if (c.keep_fds.empty()) {
            close_fds_from(3);
        } else {
            cloexec_fds_from(3);
            for (int fd : c.keep_fds) fcntl(fd, F_SETFD, 0);
        }
        for (int fd = 0; fd < 3; ++fd) fcntl(fd, F_SETFD, 0);  // dup2 onto itself keeps CLOEXEC
        if (c.path) {
            execve(c.path, c.argv, envp);
        } else {
            environ = const_cast<char**>(envp);
            execvp(c.argv[0], c.argv);
        }
        dprintf(2, "exec: %s", strerror(errno));
        _exit(127);
    }
    in.rd.reset();
    out.wr.reset();
    UniqueFd pidfd(int(syscall(SYS_pidfd_open, pid, 0)));

    // The program may exit without reading stdin: EPIPE, not SIGPIPE.
    struct sigaction ign {}, old {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    if (in.wr) fcntl(in.wr.get(), F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (in.wr && c.input->empty()) in.wr.reset();

    Finished f;
    const int64_t deadline = c.timeout_ms >= 0 ? monotonic_ms() + c.timeout_ms : -1;
    for (bool exited = false; !exited && (pidfd || out.rd);) {
        pollfd fds[3] = {{pidfd.get(), POLLIN, 0}, {out.rd ? out.rd.get() : -1, POLLIN, 0},
                         {in.wr ? in.wr.get() : -1, POLLOUT, 0}};
        int wait = -1;
        if (deadline >= 0) {
            const int64_t left = deadline - monotonic_ms();
            if (left <= 0) {
                f.timed_out = true;
                break;
            }
            wait = int(left);
        }
        const int n = poll(fds, 3, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (fds[2].revents) {
            const ssize_t w = write(in.wr.get(), c.input->data() + written, c.input->size() - written);
            if (w > 0) written += size_t(w);
            if (w < 0 || written == c.input->size()) in.wr.reset();
        }
        if (fds[1].revents) {
            char buf[4096];
            const ssize_t r = read(out.rd.get(), buf, sizeof buf);
            if (r > 0) append_capped(f.output, buf, size_t(r), c.max_output);
            if (r <= 0 && !(r < 0 && errno == EINTR)) out.rd.reset();
        }
        if (fds[0].revents) exited = true;
    }
    sigaction(SIGPIPE, &old, nullptr);
    if (f.timed_out) kill(pid, SIGKILL);
    while (waitpid(pid, &f.wait_status, 0) < 0 && errno == EINTR) {
    }
    // What the program wrote just before it exited.
    while (out.rd) {
        char buf[4096];
        const ssize_t r = read(out.rd.get(), buf, sizeof buf);
        if (r <= 0) break;
        append_capped(f.output, buf, size_t(r), c.max_output);
    }
    f.output.resize(trim_end(f.output).size());
    return f;
}

}  // namespace skiff
