// Parent and child take turns until the child's execve (protocol.hpp,
// "turns"): each message wakes the other side.  On an idle machine the
// scheduler often wakes it on the other, idle CPU, and every such wakeup
// is an IPI (in a VM, a vCPU leaving halt), several times per container
// start.  Since the two never run at once, nothing is lost by keeping both
// on the CPU the parent runs on: the parent pins itself before clone3 (the
// child inherits the pin), the child undoes it just before execve, and the
// parent once the hand-overs are done.  The caller's affinity is what the
// container process and every later child of skiff get, as without it.
#pragma once

#include <sched.h>

namespace skiff::proc {

// What the child needs to undo the pin (kept in its spec).
struct CpuPin {
    int cpu = -1;         // the CPU both run on; -1: nothing was pinned
    cpu_set_t caller{};   // the affinity skiff was started with
};

// Pins the calling thread to its current CPU; restores the caller's
// affinity when released or destroyed.  Does nothing on one CPU or when
// the kernel refuses.
class CpuPinGuard {
public:
    CpuPinGuard() = default;
    static CpuPinGuard here();
    CpuPinGuard(CpuPinGuard&& o) noexcept : pin_(o.pin_) { o.pin_.cpu = -1; }
    CpuPinGuard& operator=(CpuPinGuard&& o) noexcept;
    CpuPinGuard(const CpuPinGuard&) = delete;
    CpuPinGuard& operator=(const CpuPinGuard&) = delete;
    ~CpuPinGuard() { release(); }

    const CpuPin& pin() const { return pin_; }
    void release();

private:
    CpuPin pin_;
};

// In the child, before execve: the caller's affinity back, unless the pin
// is already gone (clone3 into a cgroup with its own cpuset sets the
// child's affinity to that cpuset, which must stay).  Async-signal-safe.
// Call it before loading the container's seccomp filter, which may refuse
// the affinity calls.
void unpin_child(CpuPin& p);  // once: it then clears p.cpu

}  // namespace skiff::proc
