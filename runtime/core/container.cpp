#include "core/container.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/log.hpp"
#include "core/cgroup_record.hpp"
#include "core/notify.hpp"
#include "linux/hooks.hpp"
#include "ocispec/json.hpp"
#include "proc/protocol.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

void ChildGuard::kill_and_reap() {
    if (pid_ < 0) return;
    if (pidfd_) syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
    pid_ = -1;
}

ExitStatus ChildGuard::reap() {
    int status = 0;
    pid_t p;
    do {
        p = waitpid(pid_, &status, 0);
    } while (p < 0 && errno == EINTR);
    pid_ = -1;
    ExitStatus e;
    if (p < 0) return e;
    if (WIFSIGNALED(status)) {
        e.signal = WTERMSIG(status);
    } else {
        e.exited = true;
        e.code = WEXITSTATUS(status);
    }
    return e;
}

std::string ExitStatus::describe() const {
    if (signal) return "was killed by signal " + std::to_string(signal);
    if (exited) return "exited with status " + std::to_string(code);
    return "exited";
}

bool wait_pidfd(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

Result<UniqueFd> open_init_pidfd(const ContainerRecord& r) {
    int fd = int(syscall(SYS_pidfd_open, pid_t(r.pid), 0));
    if (fd < 0) return Error::sys("container " + r.id + " init (pid " + std::to_string(r.pid) + ")", errno);
    UniqueFd pidfd(fd);
    // The pid may have been reused since: compare start times after the
    // pidfd pins the process.
    if (process_start_time(r.pid) != r.pid_start_time)
        return Error::sys("container " + r.id + " init (pid " + std::to_string(r.pid) + ")", ESRCH);
    return pidfd;
}

std::string rfc3339_now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t;
    gmtime_r(&ts.tv_sec, &t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec);
    return buf;
}

Result<void> write_pid_file(const std::string& path, pid_t pid) {
    std::string tmp = path + ".skiff-tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error::sys("--pid-file \"" + path + "\"", errno);
    std::string s = std::to_string(pid);
    bool ok = write(fd, s.data(), s.size()) == ssize_t(s.size());
    close(fd);
    if (!ok || rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        unlink(tmp.c_str());
        return Error::sys("--pid-file \"" + path + "\"", e);
    }
    return {};
}

namespace {
// The stored config, parsed only when it has hooks: start and delete are on
// the hot path and most containers have none.
oci::Config stored_config_if_hooks(const ContainerRecord& r) {
    oci::Config cfg;
    if (r.config_json.find("\"hooks\"") == std::string::npos) return cfg;
    if (auto c = oci::parse_config(r.config_json, "state.json config"); c) cfg = std::move(*c);
    return cfg;
}
}  // namespace

std::string state_json(const ContainerRecord& r, oci::Status s) { return oci::write_state(to_oci_state(r, s)); }

namespace {
// The fifo handshake of `start`: the init opens exec.fifo for writing, writes
// a byte, and holds it until execve.
Result<void> release_by_fifo(StateDir& dir, int pidfd_raw) {
    int fifo = openat(dir.fd(), "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) return Error::sys("open " + dir.path() + "/exec.fifo", errno);
    UniqueFd fifo_fd(fifo);
    // The init opens the fifo for writing once we hold the read end; it
    // then writes one byte.  If the init dies instead, its pidfd fires.
    for (;;) {
        pollfd p[2] = {{fifo, POLLIN, 0}, {pidfd_raw, POLLIN, 0}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("wait for container init", errno);
        if (p[0].revents & POLLIN) {
            char b;
            if (read(fifo, &b, 1) == 1) break;
        }
        if (p[1].revents) return Error::msg("container init exited before start");
        if (p[0].revents & POLLHUP) return Error::msg("container init closed the exec fifo");
    }
    unlinkat(dir.fd(), "exec.fifo", 0);
    // The init holds the write end until execve (or death): its hangup means
    // the program is running (runtime.md lifecycle step 8 before 9).
    for (;;) {
        pollfd p{fifo, POLLIN, 0};
        int n = poll(&p, 1, -1);
        if (n < 0 && errno == EINTR) continue;
        char b;
        if (n < 0 || (p.revents & POLLHUP) || read(fifo, &b, 1) <= 0) break;
    }
    return {};
}
}  // namespace

Result<void> start_locked(StateDir& dir, const ContainerRecord& r, pid_t notify_mainpid, int init_sock,
                          int init_pidfd) {
    UniqueFd opened;
    if (init_pidfd < 0) {
        TRY_ASSIGN(opened, open_init_pidfd(r));
        init_pidfd = opened.get();
    }
    // bound before the release, so an early READY=1 is not lost
    TRY_ASSIGN(NotifyRelay relay, NotifyRelay::open(dir.path()));
    if (init_sock >= 0) {
        // `run`: the init shares our memory until its execve; nothing of
        // ours runs until the socket's EOF says it is gone (protocol.hpp).
        TRY(proc::send_msg(init_sock, proc::Msg::Start));
        TRY(proc::wait_eof(init_sock));
    } else {
        TRY(release_by_fifo(dir, init_pidfd));
    }
    oci::Config cfg = stored_config_if_hooks(r);
    if (cfg.hooks) {
        auto h = linux::run_hooks(cfg.hooks->poststart, "poststart", state_json(r, oci::Status::Running));
        if (!h) log::warn(h.error().message);  // runtime.md: poststart failures are logged
    }
    if (relay.active()) {
        // waiting for READY may take long: state/kill/exec must not block on us
        flock(dir.fd(), LOCK_UN);
        auto relayed = relay.relay_ready(init_pidfd, notify_mainpid > 0 ? notify_mainpid : pid_t(r.pid), -1);
        if (!relayed) log::warn(relayed.error().message);  // the container runs regardless
    }
    return {};
}

Result<void> destroy(StateDir& dir, const ContainerRecord& r, oci::Status status) {
    const auto cgroup = cgroup_manager(r);
    if (status != oci::Status::Stopped && r.pid > 0)
        if (auto pidfd = open_init_pidfd(r); pidfd) {
            if (!(cgroup->has_cgroup() && cgroup->kill_all()))
                syscall(SYS_pidfd_send_signal, pidfd->get(), SIGKILL, nullptr, 0);
            // A frozen process dies of SIGKILL on cgroup v2; thawed anyway,
            // as runc does, so nothing is left waiting on the freezer.
            if (status == oci::Status::Paused) (void)cgroup->freeze(false, 0);
            wait_pidfd(pidfd->get(), 10000);
        }
    TRY(cgroup->destroy());
    oci::Config cfg = stored_config_if_hooks(r);
    if (cfg.hooks) {
        auto h = linux::run_hooks(cfg.hooks->poststop, "poststop", state_json(r, oci::Status::Stopped));
        if (!h) log::warn(h.error().message);  // runtime.md: poststop failures are logged
    }
    return dir.remove();
}

Result<Opened> open_container(const GlobalOptions& g, const std::string& id, bool lock) {
    TRY(oci::validate_container_id(id));
    TRY_ASSIGN(StateDir dir, lock ? StateDir::open(g.root, id) : StateDir::peek(g.root, id));
    TRY_ASSIGN(ContainerRecord rec, dir.load_or_creating(id));
    oci::Status s = compute_status(rec, dir.fd());
    return Opened{std::move(dir), std::move(rec), s};
}

Result<UniqueFd> connect_console_socket(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::sys("console socket", errno);
    UniqueFd s(fd);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return Error::msg("--console-socket \"" + path + "\": path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return Error::sys("connect to --console-socket \"" + path + "\"", errno);
    return s;
}

Result<void> send_console_master(int console_sock, int master) {
    return proc::send_fd(console_sock, "/dev/ptmx", master).wrap("send pty master to --console-socket");
}

}  // namespace skiff::core
