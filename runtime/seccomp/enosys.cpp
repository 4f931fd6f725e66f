// The ENOSYS stub (runc's libcontainer/seccomp/patchbpf): a deny-by-default
// profile written before a syscall existed would answer it with the default
// errno (EPERM), and programs built for newer kernels treat EPERM as a real
// refusal instead of falling back (glibc's clone3 -> clone, statx -> stat,
// faccessat2 -> faccessat ...).  So, per architecture, a syscall whose number
// is above every number the profile names returns ENOSYS, as it would on an
// older kernel.  Numbers at or below the highest named one keep the default
// action, and so do syscalls named in the profile.
//
// Prepended to libseccomp's program (classic BPF jumps are relative and
// forward only, so its own offsets stay valid):
//
//       ld  [arch]
//   G:  jeq #AUDIT_ARCH, 0, <next G>
//       ld  [nr]
//       jgt #MAX, enosys, end                  (one per group, or for x86_64:)
//       jset #X32_BIT, x32, 0
//       jgt #MAX64, enosys, end  |  ja end     (no x86_64 name known)
//   x32 jgt #MAX32, enosys, end  |  ja end     (x32 not in the profile)
//       ja  end
//   enosys: ret #SECCOMP_RET_ERRNO|ENOSYS
//   end:    <libseccomp's program>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>

#include <cerrno>
#include <map>

#include "seccomp/program.hpp"

namespace skiff::seccomp {
namespace {

constexpr uint32_t kX32Bit = 0x40000000;
constexpr int64_t kNone = -1;

struct Limits {
    int64_t max = kNone;      // highest named number (x86_64: without the x32 bit)
    int64_t max_x32 = kNone;  // x86_64 only: highest x32 number (bit included)
    bool x32 = false;         // x86_64 only: x32 is in the profile
};

sock_filter stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return sock_filter{code, jt, jf, k}; }

}  // namespace

bool wants_enosys_stub(oci::SeccompAction default_action) {
    using A = oci::SeccompAction;
    switch (default_action) {
        case A::Errno:
        case A::Kill:
        case A::KillThread:
        case A::KillProcess:
        case A::Trap: return true;
        case A::Allow:  // permissive defaults already let a new syscall through
        case A::Log:
        case A::Trace:
        case A::Notify: return false;
    }
    return false;
}

std::vector<sock_filter> enosys_stub(const oci::Seccomp& s, const std::vector<uint32_t>& arch_tokens) {
    // Audit arch (what seccomp_data.arch holds) -> highest named numbers.
    std::map<uint32_t, Limits> groups;
    for (uint32_t token : arch_tokens) {
        const bool x32 = token == SCMP_ARCH_X32;
        const uint32_t audit = x32 ? SCMP_ARCH_X86_64 : token;
        Limits& l = groups[audit];
        if (x32) l.x32 = true;
        if (!s.syscalls) continue;
        for (const auto& call : *s.syscalls)
            for (const auto& name : call.names) {
                // Negative: unknown to libseccomp, or not on this arch.
                int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
                if (nr < 0) continue;
                int64_t& m = x32 ? l.max_x32 : l.max;
                if (nr > m) m = nr;
            }
    }
    for (auto it = groups.begin(); it != groups.end();)
        it = it->second.max == kNone && it->second.max_x32 == kNone ? groups.erase(it) : std::next(it);
    if (groups.empty()) return {};

    // Labels are resolved once the stub's length is known.
    enum Target : uint8_t { kEnosys, kEnd };
    struct Fixup { size_t at; Target jt, jf; };
    std::vector<sock_filter> out;
    std::vector<Fixup> fixups;
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    for (const auto& [audit, l] : groups) {
        const bool x86_64 = audit == SCMP_ARCH_X86_64;
        // The group after jeq: ld, then one check (or jset + two checks).
        const uint8_t body = x86_64 ? 4 : 2;
        out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, body));
        out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
        auto check = [&](int64_t max) {
            if (max == kNone) {
                out.push_back(stmt(BPF_JMP | BPF_JA, 0));
                fixups.push_back({out.size() - 1, kEnd, kEnd});
                return;
            }
            out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, uint32_t(max), 0, 0));
            fixups.push_back({out.size() - 1, kEnosys, kEnd});
        };
        if (x86_64) {
            out.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, kX32Bit, 1, 0));
            check(l.max);
            // x32 calls arrive as x86_64 with the bit set; without x32 in the
            // profile libseccomp's program decides as before.
            check(l.x32 ? l.max_x32 : kNone);
        } else {
            check(l.max);
        }
    }
    out.push_back(stmt(BPF_JMP | BPF_JA, 0));  // another arch: libseccomp decides
    fixups.push_back({out.size() - 1, kEnd, kEnd});
    out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
    const size_t enosys = out.size() - 1, end = out.size();

    for (const auto& f : fixups) {
        auto& insn = out[f.at];
        auto offset = [&](Target t) { return (t == kEnosys ? enosys : end) - (f.at + 1); };
        if (BPF_OP(insn.code) == BPF_JA) {
            insn.k = uint32_t(offset(f.jt));
        } else {
            // A few instructions per arch: always within jt/jf's 8 bits.
            insn.jt = uint8_t(offset(f.jt));
            insn.jf = uint8_t(offset(f.jf));
        }
    }
    return out;
}

}  // namespace skiff::seccomp
