// Foreground supervision shared by `run` and `exec`: forward signals to the
// process, proxy its terminal when skiff owns the pty, reap it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "core/container.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

// Puts the caller's terminal in raw mode for the pty proxy; restores it.
class RawTerminal {
  public:
    RawTerminal() {
        if (isatty(0) && tcgetattr(0, &saved_) == 0) {
            termios raw = saved_;
            cfmakeraw(&raw);
            active_ = tcsetattr(0, TCSANOW, &raw) == 0;
        }
    }
    ~RawTerminal() {
        if (active_) tcsetattr(0, TCSANOW, &saved_);
    }

  private:
    termios saved_{};
    bool active_ = false;
};

bool copy_once(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, size_t(n - off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        off += w;
    }
    return true;
}

void resize(int master) {
    winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

}  // namespace

Result<int> supervise(int pidfd, int master) {
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGCHLD);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGFPE);
    sigset_t old;
    sigprocmask(SIG_BLOCK, &all, &old);
    int sfd = signalfd(-1, &all, SFD_CLOEXEC);
    if (sfd < 0) return Error::sys("signalfd", errno);
    UniqueFd sig_fd(sfd);
    std::optional<RawTerminal> raw;
    if (master >= 0) {
        raw.emplace();
        resize(master);
    }
    bool stdin_open = master >= 0;
    for (;;) {
        pollfd p[4] = {{pidfd, POLLIN, 0}, {sfd, POLLIN, 0}, {master, POLLIN, 0},
                       {stdin_open ? 0 : -1, POLLIN, 0}};
        int n = poll(p, 4, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("poll", errno);
        if (p[1].revents & POLLIN) {
            signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH && master >= 0)
                    resize(master);
                else
                    syscall(SYS_pidfd_send_signal, pidfd, int(si.ssi_signo), nullptr, 0);
            }
        }
        if (master >= 0 && p[2].revents) {
            if (!copy_once(master, 1)) master = -1;
        }
        if (stdin_open && p[3].revents) {
            if (!copy_once(0, p[2].fd)) stdin_open = false;
        }
        if (p[0].revents) break;
    }
    // Drain the rest of the container's output.
    if (master >= 0) {
        fcntl(master, F_SETFL, O_NONBLOCK);
        while (copy_once(master, 1)) {}
    }
    siginfo_t info{};
    while (waitid(P_PIDFD, id_t(pidfd), &info, WEXITED) < 0 && errno == EINTR) {}
    sigprocmask(SIG_SETMASK, &old, nullptr);
    if (info.si_code == CLD_EXITED) return info.si_status;
    return 128 + info.si_status;
}

}  // namespace skiff::core
