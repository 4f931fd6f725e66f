// Parent side: linux.seccomp -> libseccomp filter -> classic BPF program.
// The child never calls libseccomp; it only hands the exported program to
// seccomp(2) (load.cpp).
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include "common/log.hpp"
#include "seccomp/program.hpp"

namespace skiff::seccomp {
namespace {

const std::string kField = "linux.seccomp";

std::string at(std::string_view what, size_t i) {
    return kField + "." + std::string(what) + "[" + std::to_string(i) + "]";
}

// errnoRet is only meaningful for actions that return a value to the caller.
oci::Result<uint32_t> to_action(oci::SeccompAction a, const oci::Opt<uint32_t>& ret,
                                const std::string& field) {
    using A = oci::SeccompAction;
    if (ret && a != A::Errno && a != A::Trace)
        return oci::Error::msg(field + ": " + std::string(oci::enum_name(a)) +
                               " does not take an errno return value");
    if (ret && *ret > 0xffff)
        return oci::Error::msg(field + ": " + std::to_string(*ret) + " is out of range (0-65535)");
    uint32_t e = ret.value_or(EPERM);
    switch (a) {
        case A::Kill:  // runc maps the legacy name to killing the thread
        case A::KillThread: return uint32_t{SCMP_ACT_KILL_THREAD};
        case A::KillProcess: return uint32_t{SCMP_ACT_KILL_PROCESS};
        case A::Trap: return uint32_t{SCMP_ACT_TRAP};
        case A::Errno: return uint32_t{SCMP_ACT_ERRNO(e)};
        case A::Trace: return uint32_t{SCMP_ACT_TRACE(e)};
        case A::Allow: return uint32_t{SCMP_ACT_ALLOW};
        case A::Log: return uint32_t{SCMP_ACT_LOG};
        case A::Notify: return uint32_t{SCMP_ACT_NOTIFY};
    }
    return oci::Error::msg(field + ": unknown action");
}

// 0 when this libseccomp does not know the architecture.
uint32_t to_arch(oci::SeccompArch a) {
    using A = oci::SeccompArch;
    switch (a) {
        case A::X86: return SCMP_ARCH_X86;
        case A::X86_64: return SCMP_ARCH_X86_64;
        case A::X32: return SCMP_ARCH_X32;
        case A::Arm: return SCMP_ARCH_ARM;
        case A::Aarch64: return SCMP_ARCH_AARCH64;
        case A::Mips: return SCMP_ARCH_MIPS;
        case A::Mips64: return SCMP_ARCH_MIPS64;
        case A::Mips64n32: return SCMP_ARCH_MIPS64N32;
        case A::Mipsel: return SCMP_ARCH_MIPSEL;
        case A::Mipsel64: return SCMP_ARCH_MIPSEL64;
        case A::Mipsel64n32: return SCMP_ARCH_MIPSEL64N32;
        case A::Ppc: return SCMP_ARCH_PPC;
        case A::Ppc64: return SCMP_ARCH_PPC64;
        case A::Ppc64le: return SCMP_ARCH_PPC64LE;
        case A::S390: return SCMP_ARCH_S390;
        case A::S390x: return SCMP_ARCH_S390X;
        case A::Parisc: return SCMP_ARCH_PARISC;
        case A::Parisc64: return SCMP_ARCH_PARISC64;
        case A::Riscv64: return SCMP_ARCH_RISCV64;
#ifdef SCMP_ARCH_LOONGARCH64
        case A::Loongarch64: return SCMP_ARCH_LOONGARCH64;
#endif
#ifdef SCMP_ARCH_M68K
        case A::M68k: return SCMP_ARCH_M68K;
#endif
#ifdef SCMP_ARCH_SH
        case A::Sh: return SCMP_ARCH_SH;
        case A::Sheb: return SCMP_ARCH_SHEB;
#endif
        default: return 0;
    }
}

scmp_compare to_op(oci::SeccompOperator op) {
    using O = oci::SeccompOperator;
    switch (op) {
        case O::NotEqual: return SCMP_CMP_NE;
        case O::LessThan: return SCMP_CMP_LT;
        case O::LessEqual: return SCMP_CMP_LE;
        case O::Equal: return SCMP_CMP_EQ;
        case O::GreaterEqual: return SCMP_CMP_GE;
        case O::GreaterThan: return SCMP_CMP_GT;
        case O::MaskedEqual: return SCMP_CMP_MASKED_EQ;
    }
    return _SCMP_CMP_MIN;
}

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

// The child sends the listener fd to the parent after the filter is loaded
// and before execve; trapping these would leave it waiting for an agent that
// has not been told about the filter yet.
constexpr std::array<std::string_view, 4> kNoNotify = {"write", "sendmsg", "sendto", "close"};

struct CtxDeleter {
    void operator()(void* c) const { seccomp_release(c); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

oci::Result<void> add_rules(scmp_filter_ctx ctx, const oci::Seccomp& s, uint32_t def) {
    if (!s.syscalls) return oci::ok();
    for (size_t i = 0; i < s.syscalls->size(); ++i) {
        const auto& call = (*s.syscalls)[i];
        std::string field = at("syscalls", i);
        TRY_ASSIGN(uint32_t act, to_action(call.action, call.errnoRet, field));
        if (act == def) {
            // libseccomp refuses a rule that repeats the default action.
            log::debug(field + ": same action as defaultAction, skipped");
            continue;
        }
        std::vector<scmp_arg_cmp> conds;
        bool same_index = false;
        if (call.args) {
            for (size_t k = 0; k < call.args->size(); ++k) {
                const auto& a = (*call.args)[k];
                if (a.index > 5)
                    return oci::Error::msg(field + ".args[" + std::to_string(k) + "].index: " +
                                           std::to_string(a.index) + " is out of range (0-5)");
                for (const auto& c : conds) same_index |= c.arg == a.index;
                // For MASKED_EQ libseccomp reads (arg & datum_a) == datum_b.
                conds.push_back({a.index, to_op(a.op), a.value, a.valueTwo.value_or(0)});
            }
        }
        for (const auto& name : call.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // Profiles list syscalls of newer kernels and other arches.
                log::debug(field + ": unknown syscall \"" + name + "\" skipped");
                continue;
            }
            int rc = 0;
            if (same_index) {
                // runc's rule: several conditions on one argument can never
                // all hold, so they mean "any of" — one rule each.
                for (const auto& c : conds)
                    if ((rc = seccomp_rule_add_array(ctx, act, nr, 1, &c)) < 0) break;
            } else {
                rc = seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(conds.size()),
                                            conds.empty() ? nullptr : conds.data());
            }
            if (rc < 0)
                return oci::Error::sys(field + ": add rule for \"" + name + "\"", -rc);
        }
    }
    return oci::ok();
}

oci::Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
    UniqueFd mem(::memfd_create("skiff-seccomp", MFD_CLOEXEC));
    if (!mem) return oci::Error::sys("export seccomp filter: memfd_create", errno);
    if (int rc = seccomp_export_bpf(ctx, mem.get()); rc < 0)
        return oci::Error::sys("export seccomp filter", -rc);
    struct stat st;
    if (::fstat(mem.get(), &st) < 0) return oci::Error::sys("export seccomp filter: fstat", errno);
    size_t size = static_cast<size_t>(st.st_size);
    if (size == 0 || size % sizeof(sock_filter) != 0)
        return oci::Error::msg("export seccomp filter: unexpected program size " + std::to_string(size));
    if (size / sizeof(sock_filter) > BPF_MAXINSNS)
        return oci::Error::msg("seccomp filter has " + std::to_string(size / sizeof(sock_filter)) +
                               " instructions, the kernel accepts at most " +
                               std::to_string(BPF_MAXINSNS));
    std::vector<sock_filter> insns(size / sizeof(sock_filter));
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(mem.get(), reinterpret_cast<char*>(insns.data()) + got, size - got,
                            static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return oci::Error::sys("export seccomp filter: read", n < 0 ? errno : EIO);
        got += static_cast<size_t>(n);
    }
    return insns;
}

}  // namespace

oci::Result<unsigned int> check_profile(const oci::Seccomp& s) {
    TRY_ASSIGN(uint32_t def, to_action(s.defaultAction, s.defaultErrnoRet, kField + ".defaultAction"));
    (void)def;
    if (s.defaultAction == oci::SeccompAction::Notify)
        return oci::Error::msg(kField + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    if (s.listenerMetadata && !s.listenerPath)
        return oci::Error::msg(kField + ".listenerMetadata: set without listenerPath");
    bool notify = false;
    if (s.syscalls) {
        for (size_t i = 0; i < s.syscalls->size(); ++i) {
            const auto& call = (*s.syscalls)[i];
            if (call.names.empty()) return oci::Error::msg(at("syscalls", i) + ".names: empty");
            if (call.action != oci::SeccompAction::Notify) continue;
            notify = true;
            for (const auto& n : call.names)
                for (auto bad : kNoNotify)
                    if (n == bad)
                        return oci::Error::msg(at("syscalls", i) + ": SCMP_ACT_NOTIFY cannot be used for \"" +
                                               n + "\": the runtime needs it to hand over the listener");
        }
    }
    if (notify && (!s.listenerPath || s.listenerPath->empty()))
        return oci::Error::msg(kField + ".listenerPath: required when SCMP_ACT_NOTIFY is used");

    unsigned int flags = 0;
    if (s.flags) {
        for (auto f : *s.flags) {
            switch (f) {
                case oci::SeccompFlag::Tsync: flags |= SECCOMP_FILTER_FLAG_TSYNC; break;
                case oci::SeccompFlag::Log: flags |= SECCOMP_FILTER_FLAG_LOG; break;
                case oci::SeccompFlag::SpecAllow: flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW; break;
                case oci::SeccompFlag::WaitKillableRecv:
                    // The kernel rejects it without a listener; it changes
                    // nothing then, so it is dropped rather than failing.
                    if (notify) flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
                    else log::debug(kField + ".flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored without SCMP_ACT_NOTIFY");
                    break;
            }
        }
    }
    if (notify) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and NEW_LISTENER are exclusive unless a failed sync reports
        // ESRCH instead of a thread id (the fd is the return value).
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    return flags;
}

oci::Result<std::vector<sock_filter>> build_filter(const oci::Seccomp& s) {
    TRY_ASSIGN(uint32_t def, to_action(s.defaultAction, s.defaultErrnoRet, kField + ".defaultAction"));
    Ctx ctx(seccomp_init(def));
    if (!ctx) return oci::Error::msg(kField + ".defaultAction: libseccomp refused " +
                                     std::string(oci::enum_name(s.defaultAction)));
    // The runtime sets no_new_privs itself (process.noNewPrivileges); the
    // exported program must not imply it.
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0)
        return oci::Error::sys("seccomp: clear no_new_privs attribute", -rc);
    if (s.architectures) {
        for (size_t i = 0; i < s.architectures->size(); ++i) {
            auto a = (*s.architectures)[i];
            uint32_t token = to_arch(a);
            if (token == 0)
                return oci::Error::msg(at("architectures", i) + ": " + std::string(oci::enum_name(a)) +
                                       " is not supported by libseccomp " + libseccomp_version());
            int rc = seccomp_arch_add(ctx.get(), token);
            if (rc < 0 && rc != -EEXIST)  // the native arch is always present
                return oci::Error::sys(at("architectures", i) + ": add " + std::string(oci::enum_name(a)), -rc);
        }
    }
    TRY(add_rules(ctx.get(), s, def));
    TRY_ASSIGN(std::vector<sock_filter> insns, export_bpf(ctx.get()));
    if (!wants_enosys_stub(s.defaultAction)) return insns;

    std::vector<uint32_t> archs{seccomp_arch_native()};
    if (s.architectures)
        for (auto a : *s.architectures) archs.push_back(to_arch(a));
    std::vector<sock_filter> prog = enosys_stub(s, archs);
    if (prog.empty()) return insns;
    prog.insert(prog.end(), insns.begin(), insns.end());
    if (prog.size() > BPF_MAXINSNS)
        return oci::Error::msg("seccomp filter has " + std::to_string(prog.size()) +
                               " instructions, the kernel accepts at most " + std::to_string(BPF_MAXINSNS));
    return prog;
}

oci::Result<Program> compile(const oci::Seccomp& s, const std::string& cache_dir) {
    TRY_ASSIGN(unsigned int flags, check_profile(s));
    Program p;
    std::string canon, path;
    if (!cache_dir.empty()) {
        canon = cache::canonical(s);
        path = cache::file_name(cache_dir, canon);
        if (cache::read(path, canon, *p.impl) && p.impl->flags == flags) {
            p.impl->cache_hit = true;
            return p;
        }
    }
    TRY_ASSIGN(p.impl->insns, build_filter(s));
    p.impl->flags = flags;
    p.impl->listener = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
    p.impl->cache_hit = false;
    if (!path.empty()) {
        if (auto r = cache::write(path, canon, *p.impl); !r)
            log::debug("seccomp cache: " + r.error().message);
    }
    return p;
}

Program::Program() : impl(std::make_unique<Impl>()) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;
bool Program::needs_listener() const { return impl && impl->listener; }
bool Program::cache_hit() const { return impl && impl->cache_hit; }
unsigned int Program::flags() const { return impl ? impl->flags : 0; }
size_t Program::instructions() const { return impl ? impl->insns.size() : 0; }

}  // namespace skiff::seccomp
