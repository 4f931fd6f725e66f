#include "proc/spawn.hpp"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/timings.hpp"
#include "proc/init.hpp"

namespace skiff::proc {

[[noreturn]] void init_main(InitSpec& spec);

oci::Result<Spawned> clone_child(uint64_t flags, int cgroup_fd) {
    clone_args args;
    std::memset(&args, 0, sizeof args);
    int pidfd = -1;
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = uint64_t(cgroup_fd);
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return oci::Error::sys("clone3", errno);
    Spawned s;
    s.pid = pid_t(pid);
    if (pid > 0) s.pidfd.reset(pidfd);
    return s;
}

void reset_signals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

void make_undumpable() {
    // CVE-2019-5736 class: a process of the runtime that a container can see
    // must not let it open /proc/PID/exe (the runtime binary) or
    // /proc/PID/fd.  The flag lives in the mm, so the child has it from its
    // first instruction; execve of the container's program resets it.
    prctl(PR_SET_DUMPABLE, 0);
}

oci::Result<Spawned> spawn_init(InitSpec& spec, int cgroup_fd, bool* placed_in_cgroup) {
    timings::mark("clone3");
    make_undumpable();
    *placed_in_cgroup = cgroup_fd >= 0;
    auto s = clone_child(spec.ns.clone_flags, cgroup_fd);
    if (!s && cgroup_fd >= 0) {
        const int e = s.error().err;
        if (e == EINVAL || e == E2BIG || e == EOPNOTSUPP) {
            // Kernel without CLONE_INTO_CGROUP: the parent writes cgroup.procs.
            *placed_in_cgroup = false;
            s = clone_child(spec.ns.clone_flags, -1);
        }
    }
    if (s && s->pid == 0) init_main(spec);
    return s;
}

}  // namespace skiff::proc
