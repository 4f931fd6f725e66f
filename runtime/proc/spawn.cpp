#include "proc/spawn.hpp"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/timings.hpp"
#include "proc/init.hpp"

namespace skiff::proc {

[[noreturn]] void init_main(InitSpec& spec);

using oci::Error;
using oci::Result;

namespace {
void run_init(void* spec) { init_main(*static_cast<InitSpec*>(spec)); }
}  // namespace

// clone3 on a new stack, the child calling child_main(arg) there and
// exiting with what it returns; returns the pid, or -errno.  In assembly:
// after clone3 the child must not return through the caller's frames,
// which live on the parent's stack.
extern "C" long skiff_clone3_run(clone_args* args, size_t size, ChildMain child_main, void* arg);
#if defined(__x86_64__)
asm(R"(
    .text
    .globl skiff_clone3_run
    .type skiff_clone3_run, @function
skiff_clone3_run:
    mov %rdx, %r8            # child_main and arg survive the syscall
    mov %rcx, %r9
    mov $435, %eax           # SYS_clone3
    syscall
    test %rax, %rax
    jz 1f
    ret                      # parent: pid, or -errno
1:  xor %ebp, %ebp           # child: on the new stack (16-byte aligned top)
    mov %r9, %rdi
    call *%r8
    mov $1, %edi             # child_main does not return; if it did: _exit(1)
    mov $60, %eax            # SYS_exit
    syscall
    hlt
    .size skiff_clone3_run, .-skiff_clone3_run
)");
#endif

namespace {

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
constexpr bool kShareMemory = true;
#else
constexpr bool kShareMemory = false;
#endif

// The child's stack: 1 MiB reserved (pages cost only once touched), a
// guard page below, the top 64 KiB mapped at once (a fault costs ~17 us on
// a VM; one madvise maps them all).  Never unmapped: the child may run on
// it after the parent returns (a created init waits for `start`).
constexpr size_t kStackSize = 1 << 20, kGuard = 4096, kPrefault = 64 << 10;

Result<char*> child_stack() {
    void* p = mmap(nullptr, kStackSize + kGuard, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    if (p == MAP_FAILED) return Error::sys("map the child's stack", errno);
    char* base = static_cast<char*>(p) + kGuard;
    if (mprotect(base, kStackSize, PROT_READ | PROT_WRITE) < 0) {
        const int e = errno;
        munmap(p, kStackSize + kGuard);
        return Error::sys("map the child's stack", e);
    }
    madvise(base + kStackSize - kPrefault, kPrefault, MADV_POPULATE_WRITE);  // best effort
    return base;
}

}  // namespace

bool children_share_memory() { return kShareMemory; }

Result<Spawned> clone_child(uint64_t flags, int cgroup_fd, ChildMain child_main, void* arg) {
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
    long pid;
    if constexpr (kShareMemory) {
        TRY_ASSIGN(char* stack, child_stack());
        args.flags |= CLONE_VM;
        args.stack = reinterpret_cast<uint64_t>(stack);
        args.stack_size = kStackSize;
        pid = skiff_clone3_run(&args, sizeof args, child_main, arg);
        if (pid < 0) {
            errno = int(-pid);
            pid = -1;
        }
    } else {
        pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) {
            child_main(arg);
            _exit(1);
        }
    }
    if (pid < 0) return Error::sys("clone3", errno);
    Spawned s;
    s.pid = pid_t(pid);
    s.pidfd.reset(pidfd);
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
    make_undumpable();
    *placed_in_cgroup = cgroup_fd >= 0;
    auto s = clone_child(spec.ns.clone_flags, cgroup_fd, run_init, &spec);
    if (!s && cgroup_fd >= 0) {
        const int e = s.error().err;
        if (e == EINVAL || e == E2BIG || e == EOPNOTSUPP) {
            // Kernel without CLONE_INTO_CGROUP: the parent writes cgroup.procs.
            *placed_in_cgroup = false;
            s = clone_child(spec.ns.clone_flags, -1, run_init, &spec);
        }
    }
    // Where clone3 returned: the namespaces are made.  The child waits for
    // Begin, so it has marked nothing yet (one timings table, turns).
    timings::mark("clone3");
    return s;
}

}  // namespace skiff::proc
