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
        TRY(expect_msg(s.sync_fd, Msg::Taken));
    }
    TRY(linux::resolve_home(s.process));
    if (chdir(linux::exec_cwd(s.process)) < 0)
        return Error::sys(std::string("chdir to process.cwd \"") + linux::exec_cwd(s.process) + "\"", errno);
    TRY(check_cwd_inside_root(linux::exec_cwd(s.process)));
    TRY(linux::resolve_executable(s.process));
    UniqueFd listener;
    if (s.seccomp && s.seccomp_early) {  // see init.cpp
        unpin_child(s.pin);
        TRY_ASSIGN(listener, seccomp::load(*s.seccomp));
        if (listener) {
            TRY(send_msg(s.sync_fd, Msg::SeccompListener, listener.get()));
            TRY(expect_msg(s.sync_fd, Msg::Taken));
        }
    }
    TRY(linux::apply_identity(s.process));
    return {};
}

[[noreturn]] void exec_process(ExecSpec& s);

// The real process of fork_in_pidns: in every namespace of the container
// already.  It shares the sync socket with the intermediate and speaks only
// after the parent's Taken for Forked, so the parent never takes its
// messages for the intermediate's.
void run_pidns_child(void* spec) {
    auto& s = *static_cast<ExecSpec*>(spec);
    if (!expect_msg(s.sync_fd, Msg::Taken)) _exit(1);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a clone does not inherit it
    s.join_flags = 0;
    exec_process(s);
}

// fork_in_pidns (see init.hpp), in the intermediate: join, clone the real
// process, report it, exit.
[[noreturn]] void become_pidns_child(ExecSpec& s) {
    Result<Spawned> c = Error::msg("");
    if (setns(s.init_pidfd, s.join_flags | CLONE_NEWPID) < 0)
        c = Error::sys("join the container's namespaces", errno);
    else
        c = clone_child(CLONE_PARENT, s.cgroup_fd, run_pidns_child, &s);
    if (!c) {
        (void)send_fail(s.sync_fd, c.error());
        _exit(1);
    }
    (void)send_forked(s.sync_fd, c->pid, c->pidfd.get());
    _exit(0);
}

void exec_main(void* spec) {
    auto& s = *static_cast<ExecSpec*>(spec);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    {
        // the cgroup dir is needed only for fork_in_pidns's second clone3
        int keep[] = {s.sync_fd, s.init_pidfd, s.fork_in_pidns ? s.cgroup_fd : -1};
        std::sort(std::begin(keep), std::end(keep));
        close_fds_except(keep, std::size(keep), s.preserve_fds);
    }
    // Our turn (protocol.hpp); EOF: the parent died before PDEATHSIG was set.
    if (!expect_msg(s.sync_fd, Msg::Begin)) _exit(1);
    if (s.fork_in_pidns) become_pidns_child(s);
    exec_process(s);
}

[[noreturn]] void exec_process(ExecSpec& s) {
    reset_signals();

    UniqueFd slave;
    Result<void> r = setup(s, slave);
    Result<const char*> exe = r ? linux::resolve_executable(s.process) : Result<const char*>(r.error());
    unpin_child(s.pin);  // before the filter, which may refuse it; Ready is the last hand-over
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

Result<Spawned> spawn_exec(ExecSpec& spec) {
    make_undumpable();
    return clone_child(0, spec.cgroup_fd, exec_main, &spec);
}

}  // namespace skiff::proc
