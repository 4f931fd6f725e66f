// The child side of `exec`: join, set up, report Ready, execve.  Like the
// init (init.cpp) it holds no host fd but the sync socket and the preserved
// ones, and is non-dumpable until execve, from its first instruction on.
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "linux/process_impl.hpp"
#include "proc/fds.hpp"
#include "proc/init.hpp"
#include "proc/protocol.hpp"
#include "proc/spawn.hpp"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace skiff::proc {

using oci::Error;
using oci::Result;

namespace {

// A pty from the container's own devpts (we are in its mount namespace).
Result<UniqueFd> open_pty(const ExecSpec& s, UniqueFd& slave) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return Error::sys("open /dev/ptmx in the container", errno);
    UniqueFd master(m);
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) return Error::sys("unlock pty", errno);
    int sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (sl < 0) return Error::sys("open pty peer", errno);
    slave.reset(sl);
    // owned by the process's uid, group kept (as runc and the init)
    if (fchown(sl, s.process.impl->uid, gid_t(-1)) < 0 && errno != EINVAL && errno != EPERM)
        return Error::sys("chown the pty to process.user.uid", errno);
    if (s.console_rows || s.console_cols) {
        winsize ws{};
        ws.ws_row = (unsigned short)s.console_rows;
        ws.ws_col = (unsigned short)s.console_cols;
        ioctl(m, TIOCSWINSZ, &ws);
    }
    return master;
}

Result<void> setup(ExecSpec& s, UniqueFd& slave) {
    if (s.join_flags && setns(s.init_pidfd, s.join_flags) < 0)
        return Error::sys("join the container's namespaces", errno);
    // In the container's mount namespace now: the sync socket and the
    // preserved fds are all that may stay.
    close_fds_except(&s.sync_fd, 1, s.preserve_fds);
    if (setsid() < 0) return Error::sys("setsid", errno);
    TRY(linux::apply_early(s.process));
    if (s.terminal) {
        TRY_ASSIGN(UniqueFd master, open_pty(s, slave));
        TRY(send_msg(s.sync_fd, Msg::ConsoleMaster, master.get()));
    }
    TRY(linux::resolve_home(s.process));
    if (chdir(linux::exec_cwd(s.process)) < 0)
        return Error::sys(std::string("chdir to process.cwd \"") + linux::exec_cwd(s.process) + "\"", errno);
    TRY(check_cwd_inside_root(linux::exec_cwd(s.process)));
    TRY(linux::resolve_executable(s.process));
    UniqueFd listener;
    if (s.seccomp && s.seccomp_early) {  // see init.cpp
        TRY_ASSIGN(listener, seccomp::load(*s.seccomp));
        if (listener) TRY(send_msg(s.sync_fd, Msg::SeccompListener, listener.get()));
    }
    TRY(linux::apply_identity(s.process));
    return {};
}

// fork_in_pidns (see init.hpp): returns only in the real process, which is
// in every namespace of the container already.  The two share the sync
// socket, and the real process must not speak before Forked is out:
// otherwise the parent could take its Ready first and wait on the
// intermediate's pidfd.  So it waits for one byte the intermediate writes
// once Forked is sent, and exits without it (the parent then sees EOF).
void become_pidns_child(ExecSpec& s, int cgroup_fd) {
    int order[2] = {-1, -1};
    Result<Spawned> c = Error::msg("");
    if (pipe2(order, O_CLOEXEC) < 0)
        c = Error::sys("pipe", errno);
    else if (setns(s.init_pidfd, s.join_flags | CLONE_NEWPID) < 0)
        c = Error::sys("join the container's namespaces", errno);
    else
        c = clone_child(CLONE_PARENT, cgroup_fd);
    if (!c) {
        (void)send_fail(s.sync_fd, c.error());
        _exit(1);
    }
    if (c->pid == 0) {
        close(order[1]);
        char go;
        ssize_t n;
        do {
            n = read(order[0], &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) _exit(1);
        close(order[0]);
        s.join_flags = 0;
        return;
    }
    close(order[0]);
    if (!send_forked(s.sync_fd, c->pid, c->pidfd.get())) _exit(1);
    while (write(order[1], "1", 1) < 0 && errno == EINTR) {}
    _exit(0);
}

[[noreturn]] void exec_main(ExecSpec& s, int cgroup_fd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    {
        // the cgroup dir is needed only for fork_in_pidns's second clone3
        int keep[] = {s.sync_fd, s.init_pidfd, s.fork_in_pidns ? cgroup_fd : -1};
        std::sort(std::begin(keep), std::end(keep));
        close_fds_except(keep, std::size(keep), s.preserve_fds);
    }
    if (s.fork_in_pidns) {
        become_pidns_child(s, cgroup_fd);
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a fork does not inherit it
    }
    reset_signals();

    UniqueFd slave;
    Result<void> r = setup(s, slave);
    Result<const char*> exe = r ? linux::resolve_executable(s.process) : Result<const char*>(r.error());
    if (exe && s.seccomp && !s.seccomp_early) {
        auto l = seccomp::load(*s.seccomp);
        if (!l) exe = l.error();
    }
    if (exe) {
        auto f = linux::apply_final(s.process);
        if (!f) exe = f.error();
    }
    if (!exe) {
        (void)send_fail(s.sync_fd, exe.error());
        _exit(1);
    }
    if (slave) {
        ioctl(slave.get(), TIOCSCTTY, 0);
        for (int fd = 0; fd < 3; ++fd) dup2(slave.get(), fd);
    }
    prctl(PR_SET_PDEATHSIG, 0);
    for (int fd = 3; fd < 3 + s.preserve_fds; ++fd) fcntl(fd, F_SETFD, 0);
    // Ready rides on the sync socket, which closes on execve (CLOEXEC): the
    // parent learns of success from EOF after Ready, of failure from Fail.
    (void)send_ready(s.sync_fd, {});
    syscall(SYS_close_range, 3 + s.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(*exe, const_cast<char* const*>(linux::exec_argv(s.process)),
           const_cast<char* const*>(linux::exec_envp(s.process)));
    dprintf(2, "skiff: exec %s: %s\n", *exe, strerror(errno));
    _exit(127);
}

}  // namespace

Result<Spawned> spawn_exec(ExecSpec& spec, int cgroup_fd) {
    make_undumpable();
    TRY_ASSIGN(Spawned s, clone_child(0, cgroup_fd));
    if (s.pid == 0) exec_main(spec, cgroup_fd);
    return s;
}

}  // namespace skiff::proc
