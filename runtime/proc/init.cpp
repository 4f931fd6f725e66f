// The container init between clone3 and execve.  Order (runtime.md, and
// runc where the spec is silent):
//   namespaces (join, unshare, user ns maps via the parent, time offsets)
//   -> session, hostname, keyring -> early process attributes (rlimits...)
//   -> rootfs mounts -> [prestart/createRuntime by the parent,
//   createContainer here] -> console -> pivot_root -> sysctl -> masked and
//   readonly paths -> identity and capabilities -> Ready -> [the parent
//   records the container] -> Recorded -> wait on the exec fifo (`start`)
//   -> startContainer hooks -> seccomp -> execve.
// From its first instruction the init holds no fd of the host but the
// sync socket, exec.fifo (O_PATH) and what its plans opened for it; those
// go once pivot_root is done (proc/fds.hpp).  It is non-dumpable throughout
// (inherited from the parent; execve resets it), so a container process
// cannot open /proc/1/exe (the runtime binary) or /proc/1/fd while it waits.
#include <poll.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/failpoint.hpp"
#include "common/timings.hpp"
#include "linux/hooks.hpp"
#include "linux/process_impl.hpp"
#include "linux/rootfs_impl.hpp"
#include "proc/fds.hpp"
#include "proc/init.hpp"
#include "proc/protocol.hpp"
#include "proc/spawn.hpp"

namespace skiff::proc {

using oci::Error;
using oci::Result;

namespace {

Result<void> join_keyring(const InitSpec& s) {
    if (s.no_new_keyring) return {};
    constexpr long kJoinSessionKeyring = 1;  // KEYCTL_JOIN_SESSION_KEYRING
    if (syscall(SYS_keyctl, kJoinSessionKeyring, s.keyring_name.c_str()) < 0 && errno != ENOSYS)
        return Error::sys("join session keyring \"" + s.keyring_name + "\"", errno);
    return {};
}

// The pty slave becomes the init's stdio (and controlling terminal) as soon
// as it exists, as runc: the caller's stdio must not be held until `start`
// (`out=$(skiff create --console-socket ...)` would never return).  It is
// owned by the process's uid, its group (tty) kept, as runc.
Result<void> take_console(int slave, const linux::ProcessPlan& p) {
    if (fchown(slave, p.impl->uid, gid_t(-1)) < 0 && errno != EINVAL && errno != EPERM)
        return Error::sys("chown the console to process.user.uid", errno);
    if (ioctl(slave, TIOCSCTTY, 0) < 0) return Error::sys("set controlling terminal", errno);
    for (int fd = 0; fd < 3; ++fd)
        if (dup2(slave, fd) < 0) return Error::sys("dup console onto stdio", errno);
    return {};
}

// exec.fifo opened for writing through the O_PATH fd, via the container's
// /proc; -1 with errno set.
int reopen_fifo(int path_fd, int host_proc_fd) {
    char p[32];
    snprintf(p, sizeof p, "/proc/self/fd/%d", path_fd);
    struct stat want, got;
    if (fstat(path_fd, &want) < 0) return -1;
    // Without a procfs of its own (no mount namespace: the root is only
    // chroot'ed), through the host's /proc opened before the chroot.
    int fd = host_proc_fd >= 0 ? openat(host_proc_fd, p + 6, O_WRONLY | O_CLOEXEC) : open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
        close(fd);
        errno = EXDEV;  // the container's /proc is not the kernel's
        return -1;
    }
    return fd;
}

// Everything up to Ready.  Returns the console slave (or -1) through `slave`.
Result<void> setup(InitSpec& s, UniqueFd& slave, UniqueFd& listener) {
    timings::begin_child();
    timings::mark("child: cloned");
    TRY(linux::join_namespaces(s.ns));
    TRY(linux::unshare_namespaces(s.ns));
    if (s.ns.new_user) {
        // An unprivileged parent writes /proc/PID/{uid,gid}_map, which a
        // non-dumpable process's /proc denies it: dumpable only while the
        // parent writes them (as runc); nothing of the container runs yet.
        prctl(PR_SET_DUMPABLE, 1);
        TRY(send_msg(s.sync_fd, Msg::MapRequest));
        auto written = expect_msg(s.sync_fd, Msg::MapsWritten);
        prctl(PR_SET_DUMPABLE, 0);
        TRY(std::move(written));
        TRY(linux::become_userns_root());
        timings::mark("child: user namespace mapped");
    }
    TRY(linux::setup_time_namespace(s.ns));
    if (setsid() < 0) return Error::sys("setsid", errno);
    TRY(linux::set_uts_names(s.ns));
    TRY(join_keyring(s));
    timings::mark("child: session, names, keyring");
    TRY(linux::apply_early(s.process));
    timings::mark("child: process attributes");

    TRY(linux::prepare_rootfs(s.rootfs));
    timings::mark("child: mounts and devices");
    if (s.hook_sync) {
        TRY(send_msg(s.sync_fd, Msg::HookRequest));
        TRY_ASSIGN(Message done, expect_msg(s.sync_fd, Msg::HooksDone));
        s.hook_state = std::move(done.states.created);
        TRY(linux::run_hooks(s.create_container_hooks, done.states.creating));
        timings::mark("child: createContainer hooks");
    }
    if (s.terminal) {
        TRY_ASSIGN(linux::Console con, linux::open_console(s.rootfs));
        if (s.console_rows || s.console_cols) {
            winsize ws{};
            ws.ws_row = (unsigned short)s.console_rows;
            ws.ws_col = (unsigned short)s.console_cols;
            if (ioctl(con.master.get(), TIOCSWINSZ, &ws) < 0) return Error::sys("set console size", errno);
        }
        TRY(send_msg(s.sync_fd, Msg::ConsoleMaster, con.master.get()));
        TRY(expect_msg(s.sync_fd, Msg::Taken));
        slave = std::move(con.slave);
        TRY(take_console(slave.get(), s.process));
    }
    TRY(failpoint("before-pivot"));
    if (s.rootfs.impl && !s.rootfs.impl->opts.new_mount_namespace) {
        // No mount namespace: nothing is mounted and the root is only
        // chroot'ed, so exec.fifo cannot be reopened through a /proc inside
        // it.  Keep the host's /proc for that one open, and only when no
        // procfs is reachable from the new root (so no path chosen by the
        // config or the container can reach this fd); closed right after.
        struct statfs in_root;
        const std::string proc = s.rootfs.impl->rootfs + "/proc";
        if (statfs(proc.c_str(), &in_root) < 0 || in_root.f_type != PROC_SUPER_MAGIC) {
            s.host_proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (s.host_proc_fd < 0) return Error::sys("open /proc", errno);
        }
    }
    TRY(linux::enter_rootfs(s.rootfs));
    timings::mark("child: pivot_root");
    // The plans' fds (bind trees, namespaces joined) are spent: from here
    // on only the container's own root, the mounts still to be made
    // read-only (finalize_rootfs), the console and the sync socket.
    {
        std::vector<int> keep = {s.sync_fd, s.fifo_fd, s.host_proc_fd, slave.get()};
        if (s.rootfs.impl) {
            keep.push_back(s.rootfs.impl->root.get());
            for (const auto& m : s.rootfs.impl->mounts)
                if (m.ro_fd) keep.push_back(m.ro_fd.get());
        }
        std::sort(keep.begin(), keep.end());
        close_fds_except(keep.data(), keep.size(), s.preserve_fds);
    }
    // Before root.readonly and readonlyPaths apply (runc creates it as early).
    TRY(linux::ensure_cwd(s.process));
    TRY(linux::apply_sysctl(s.process));
    TRY(linux::finalize_rootfs(s.rootfs));
    timings::mark("child: masked/readonly paths");
    TRY(linux::resolve_home(s.process));
    if (chdir(linux::exec_cwd(s.process)) < 0)
        return Error::sys(std::string("chdir to process.cwd \"") + linux::exec_cwd(s.process) + "\"", errno);
    TRY(check_cwd_inside_root(linux::exec_cwd(s.process)));
    TRY(linux::resolve_executable(s.process));
    if (s.seccomp && s.seccomp_early) {
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which
        // the identity switch may drop: load it now (as runc).  A notify
        // listener must also reach the agent while skiff still runs.
        unpin_child(s.pin);
        TRY_ASSIGN(listener, seccomp::load(*s.seccomp));
        if (listener) {
            TRY(send_msg(s.sync_fd, Msg::SeccompListener, listener.get()));
            TRY(expect_msg(s.sync_fd, Msg::Taken));
        }
        timings::mark("child: seccomp");
    }
    TRY(linux::apply_identity(s.process));
    timings::mark("child: identity and capabilities");
    // the container's root fd: not needed while waiting for `start`
    if (s.rootfs.impl) s.rootfs.impl->root.reset();
    TRY(failpoint("before-exec-wait"));
    // Marks made in shared memory are the parent's already.
    const std::string marks = timings::g_enabled && !children_share_memory() ? timings::serialize() : std::string();
    TRY(send_ready(s.sync_fd, marks));
    // The parent records the container, then says so (Recorded, or for
    // `run` Start).  Until then its death (SIGKILL included) must take the
    // init with it: an init nobody recorded could never be found by delete.
    // Only after Recorded may the parent exit and leave the init waiting
    // for `start`.
    if (s.start_by_message) return {};
    TRY(expect_msg(s.sync_fd, Msg::Recorded));
    prctl(PR_SET_PDEATHSIG, 0);
    return {};
}

[[noreturn]] void fail_after_ready(const char* step, int err) {
    dprintf(2, "skiff: container init: %s: %s\n", step, strerror(err));
    _exit(127);
}

[[noreturn]] void fail_after_ready(const Error& e) {
    dprintf(2, "skiff: container init: %s\n", e.message.c_str());
    _exit(127);
}

// Heap-free from Detached on (protocol.hpp, "turns"): wait on exec.fifo
// for `start`, then for the parent's exit (the socket's EOF), which may
// still be running when a quick `start` comes.
void wait_for_start_fifo(InitSpec& s) {
    // Opening the fifo for writing blocks until it is opened for reading.
    // The O_PATH fd is reopened through the container's /proc (as runc),
    // and must still be the same fifo.
    int fifo = reopen_fifo(s.fifo_fd, s.host_proc_fd);
    if (fifo < 0) fail_after_ready("open exec fifo through /proc/self/fd", errno);
    if (s.host_proc_fd >= 0) close(s.host_proc_fd);
    if (write(fifo, "0", 1) != 1) fail_after_ready("write exec fifo", errno);
    // The write end stays open (CLOEXEC) until execve: `start` waits for that
    // hangup so poststart hooks run only once the program is running.
    close(s.fifo_fd);
    char b;
    ssize_t n;
    do {
        n = recv(s.sync_fd, &b, 1, 0);
    } while (n > 0 || (n < 0 && errno == EINTR));
    close(s.sync_fd);
}

}  // namespace

[[noreturn]] void init_main(InitSpec& s) {
    failpoint_pause("init-start");  // test: the parent dies before the next line
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Nothing of the parent's survives: not the cgroup dir clone3 used, not
    // the flock'ed state dir (the lock is per open file description), not
    // the parent's socket end, not a caller's stray fds.
    close_fds_except(s.keep_fds.data(), s.keep_fds.size(), s.preserve_fds);
    // Our turn (protocol.hpp).  EOF: the parent died before
    // PR_SET_PDEATHSIG took effect (its socket end is gone, ours of it was
    // just closed).
    if (!expect_msg(s.sync_fd, Msg::Begin)) _exit(1);
    reset_signals();
    UniqueFd slave, listener;
    auto r = setup(s, slave, listener);
    if (!r) {
        (void)send_fail(s.sync_fd, r.error());
        _exit(1);
    }
    if (s.start_by_message) {
        // `run`: Start says the container is recorded and releases us; the
        // parent then waits for EOF, our execve.  From here on the init
        // outlives a killed `run`, as runc's does.
        if (auto go = expect_msg(s.sync_fd, Msg::Start); !go) fail_after_ready(go.error());
        prctl(PR_SET_PDEATHSIG, 0);
        unpin_child(s.pin);  // the hand-overs are done
    } else {
        unpin_child(s.pin);  // Detached is the last hand-over; `start` may be long in coming
        (void)send_msg(s.sync_fd, Msg::Detached);
        wait_for_start_fifo(s);
    }

    if (!s.start_container_hooks.empty()) {
        auto h = linux::run_hooks(s.start_container_hooks, s.hook_state);
        if (!h) fail_after_ready(h.error());
    }
    const char* cwd = linux::exec_cwd(s.process);
    if (chdir(cwd) < 0) fail_after_ready("chdir to process.cwd", errno);
    if (auto in = check_cwd_inside_root(cwd); !in) fail_after_ready(in.error());
    auto exe = linux::resolve_executable(s.process);
    if (!exe) fail_after_ready(exe.error());
    if (s.seccomp && !s.seccomp_early) {
        auto l = seccomp::load(*s.seccomp);
        if (!l) fail_after_ready(l.error());
    }
    auto f = linux::apply_final(s.process);
    if (!f) fail_after_ready(f.error());
    // Only stdio and the preserved fds cross execve.
    for (int fd = 3; fd < 3 + s.preserve_fds; ++fd) fcntl(fd, F_SETFD, 0);
    syscall(SYS_close_range, 3 + s.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(*exe, const_cast<char* const*>(linux::exec_argv(s.process)),
           const_cast<char* const*>(linux::exec_envp(s.process)));
    fail_after_ready(Error::sys(std::string("exec \"") + *exe + "\"", errno));
}

}  // namespace skiff::proc
