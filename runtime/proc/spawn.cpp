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

namespace {

long do_clone3(uint64_t flags, int* pidfd, int cgroup_fd) {
    clone_args args;
    std::memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = uint64_t(cgroup_fd);
    }
    return syscall(SYS_clone3, &args, sizeof args);
}

}  // namespace

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
    int pidfd = -1;
    *placed_in_cgroup = cgroup_fd >= 0;
    long pid = do_clone3(spec.ns.clone_flags, &pidfd, cgroup_fd);
    if (pid < 0 && cgroup_fd >= 0 && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP)) {
        // Kernel without CLONE_INTO_CGROUP: the parent writes cgroup.procs.
        *placed_in_cgroup = false;
        pid = do_clone3(spec.ns.clone_flags, &pidfd, -1);
    }
    if (pid < 0) return oci::Error::sys("clone3", errno);
    if (pid == 0) init_main(spec);
    Spawned s;
    s.pid = pid_t(pid);
    s.pidfd.reset(pidfd);
    return s;
}

}  // namespace skiff::proc
