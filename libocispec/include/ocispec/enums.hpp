// Every string enumeration of runtime-spec v1.3.0 as a typed C++ enum with a
// name table, generated from one list each (X-macro), so the reader, writer
// and runtime share exactly one spelling.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace oci {

template <class E>
struct EnumInfo;  // specialised below: names[] in declaration order

template <class E>
constexpr std::string_view enum_name(E e) {
    return EnumInfo<E>::names[static_cast<size_t>(e)];
}
template <class E>
constexpr std::optional<E> enum_parse(std::string_view s) {
    const auto& n = EnumInfo<E>::names;
    for (size_t i = 0; i < n.size(); ++i)
        if (n[i] == s) return static_cast<E>(i);
    return std::nullopt;
}

#define OCI_ENUM_ID(id, str) id,
#define OCI_ENUM_STR(id, str) std::string_view(str),
#define OCI_DEFINE_ENUM(Name, LIST)                                        \
    enum class Name { LIST(OCI_ENUM_ID) };                                 \
    template <>                                                            \
    struct EnumInfo<Name> {                                                \
        static constexpr std::string_view type_name = #Name;               \
        static constexpr std::array names{LIST(OCI_ENUM_STR)};             \
    };

#define OCI_NAMESPACE_TYPES(X) \
    X(Pid, "pid") X(Network, "network") X(Mount, "mount") X(Ipc, "ipc") \
    X(Uts, "uts") X(User, "user") X(Cgroup, "cgroup") X(Time, "time")
OCI_DEFINE_ENUM(NamespaceType, OCI_NAMESPACE_TYPES)

#define OCI_SECCOMP_ACTIONS(X)                                                   \
    X(Kill, "SCMP_ACT_KILL") X(KillProcess, "SCMP_ACT_KILL_PROCESS")             \
    X(KillThread, "SCMP_ACT_KILL_THREAD") X(Trap, "SCMP_ACT_TRAP")               \
    X(Errno, "SCMP_ACT_ERRNO") X(Trace, "SCMP_ACT_TRACE") X(Allow, "SCMP_ACT_ALLOW") \
    X(Log, "SCMP_ACT_LOG") X(Notify, "SCMP_ACT_NOTIFY")
OCI_DEFINE_ENUM(SeccompAction, OCI_SECCOMP_ACTIONS)

#define OCI_SECCOMP_OPERATORS(X)                                          \
    X(NotEqual, "SCMP_CMP_NE") X(LessThan, "SCMP_CMP_LT")                 \
    X(LessEqual, "SCMP_CMP_LE") X(Equal, "SCMP_CMP_EQ")                   \
    X(GreaterEqual, "SCMP_CMP_GE") X(GreaterThan, "SCMP_CMP_GT")          \
    X(MaskedEqual, "SCMP_CMP_MASKED_EQ")
OCI_DEFINE_ENUM(SeccompOperator, OCI_SECCOMP_OPERATORS)

#define OCI_SECCOMP_ARCHS(X)                                                       \
    X(X86, "SCMP_ARCH_X86") X(X86_64, "SCMP_ARCH_X86_64") X(X32, "SCMP_ARCH_X32")  \
    X(Arm, "SCMP_ARCH_ARM") X(Aarch64, "SCMP_ARCH_AARCH64")                        \
    X(Loongarch64, "SCMP_ARCH_LOONGARCH64") X(M68k, "SCMP_ARCH_M68K")              \
    X(Mips, "SCMP_ARCH_MIPS") X(Mips64, "SCMP_ARCH_MIPS64")                        \
    X(Mips64n32, "SCMP_ARCH_MIPS64N32") X(Mipsel, "SCMP_ARCH_MIPSEL")              \
    X(Mipsel64, "SCMP_ARCH_MIPSEL64") X(Mipsel64n32, "SCMP_ARCH_MIPSEL64N32")      \
    X(Ppc, "SCMP_ARCH_PPC") X(Ppc64, "SCMP_ARCH_PPC64") X(Ppc64le, "SCMP_ARCH_PPC64LE") \
    X(S390, "SCMP_ARCH_S390") X(S390x, "SCMP_ARCH_S390X") X(Sh, "SCMP_ARCH_SH")    \
    X(Sheb, "SCMP_ARCH_SHEB") X(Parisc, "SCMP_ARCH_PARISC")                        \
    X(Parisc64, "SCMP_ARCH_PARISC64") X(Riscv64, "SCMP_ARCH_RISCV64")
OCI_DEFINE_ENUM(SeccompArch, OCI_SECCOMP_ARCHS)

#define OCI_SECCOMP_FLAGS(X)                                                  \
    X(Tsync, "SECCOMP_FILTER_FLAG_TSYNC") X(Log, "SECCOMP_FILTER_FLAG_LOG")   \
    X(SpecAllow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")                            \
    X(WaitKillableRecv, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
OCI_DEFINE_ENUM(SeccompFlag, OCI_SECCOMP_FLAGS)

// The schema lists the first four; runc (and so docker, which sends "rslave"
// and "rshared") also takes the recursive spellings, applied with MS_REC.
#define OCI_ROOTFS_PROPAGATIONS(X)                                                    \
    X(Private, "private") X(Shared, "shared") X(Slave, "slave") X(Unbindable, "unbindable") \
    X(RPrivate, "rprivate") X(RShared, "rshared") X(RSlave, "rslave")                 \
    X(RUnbindable, "runbindable")
OCI_DEFINE_ENUM(RootfsPropagation, OCI_ROOTFS_PROPAGATIONS)

#define OCI_PERSONALITY_DOMAINS(X) X(Linux, "LINUX") X(Linux32, "LINUX32")
OCI_DEFINE_ENUM(PersonalityDomain, OCI_PERSONALITY_DOMAINS)

#define OCI_SCHED_POLICIES(X)                                                 \
    X(Other, "SCHED_OTHER") X(Fifo, "SCHED_FIFO") X(Rr, "SCHED_RR")           \
    X(Batch, "SCHED_BATCH") X(Iso, "SCHED_ISO") X(Idle, "SCHED_IDLE")         \
    X(Deadline, "SCHED_DEADLINE")
OCI_DEFINE_ENUM(SchedPolicy, OCI_SCHED_POLICIES)

#define OCI_SCHED_FLAGS(X)                                                    \
    X(ResetOnFork, "SCHED_FLAG_RESET_ON_FORK") X(Reclaim, "SCHED_FLAG_RECLAIM") \
    X(DlOverrun, "SCHED_FLAG_DL_OVERRUN") X(KeepPolicy, "SCHED_FLAG_KEEP_POLICY") \
    X(KeepParams, "SCHED_FLAG_KEEP_PARAMS")                                   \
    X(UtilClampMin, "SCHED_FLAG_UTIL_CLAMP_MIN")                              \
    X(UtilClampMax, "SCHED_FLAG_UTIL_CLAMP_MAX")
OCI_DEFINE_ENUM(SchedFlag, OCI_SCHED_FLAGS)

#define OCI_IOPRIO_CLASSES(X) \
    X(Rt, "IOPRIO_CLASS_RT") X(Be, "IOPRIO_CLASS_BE") X(Idle, "IOPRIO_CLASS_IDLE")
OCI_DEFINE_ENUM(IoPrioClass, OCI_IOPRIO_CLASSES)

#define OCI_MEMPOLICY_MODES(X)                                                \
    X(Default, "MPOL_DEFAULT") X(Bind, "MPOL_BIND") X(Interleave, "MPOL_INTERLEAVE") \
    X(WeightedInterleave, "MPOL_WEIGHTED_INTERLEAVE") X(Preferred, "MPOL_PREFERRED") \
    X(PreferredMany, "MPOL_PREFERRED_MANY") X(Local, "MPOL_LOCAL")
OCI_DEFINE_ENUM(MemoryPolicyMode, OCI_MEMPOLICY_MODES)

#define OCI_MEMPOLICY_FLAGS(X)                                                \
    X(NumaBalancing, "MPOL_F_NUMA_BALANCING")                                 \
    X(RelativeNodes, "MPOL_F_RELATIVE_NODES") X(StaticNodes, "MPOL_F_STATIC_NODES")
OCI_DEFINE_ENUM(MemoryPolicyFlag, OCI_MEMPOLICY_FLAGS)

// State "status" (state.md); "paused" is runc's extension, which engines read.
#define OCI_STATUSES(X) \
    X(Creating, "creating") X(Created, "created") X(Running, "running") \
    X(Stopped, "stopped") X(Paused, "paused")
OCI_DEFINE_ENUM(Status, OCI_STATUSES)

}  // namespace oci
