#include "proc/affinity.hpp"

namespace skiff::proc {

CpuPinGuard CpuPinGuard::here() {
    CpuPinGuard g;
    if (sched_getaffinity(0, sizeof g.pin_.caller, &g.pin_.caller) < 0) return g;
    if (CPU_COUNT(&g.pin_.caller) < 2) return g;  // nowhere else to be woken
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &g.pin_.caller)) return g;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) == 0) g.pin_.cpu = cpu;
    return g;
}

CpuPinGuard& CpuPinGuard::operator=(CpuPinGuard&& o) noexcept {
    if (this != &o) {
        release();
        pin_ = o.pin_;
        o.pin_.cpu = -1;
    }
    return *this;
}

void CpuPinGuard::release() {
    if (pin_.cpu < 0) return;
    sched_setaffinity(0, sizeof pin_.caller, &pin_.caller);
    pin_.cpu = -1;
}

void unpin_child(CpuPin& p) {
    if (p.cpu < 0) return;
    const int cpu = p.cpu;
    p.cpu = -1;
    cpu_set_t now;
    if (sched_getaffinity(0, sizeof now, &now) < 0) return;
    if (CPU_COUNT(&now) != 1 || !CPU_ISSET(cpu, &now)) return;
    sched_setaffinity(0, sizeof p.caller, &p.caller);
}

}  // namespace skiff::proc
