// linux.seccomp: compiled with libseccomp in the parent (before clone), to a
// classic BPF program; loaded in the child as the last step before execve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/fd.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::seccomp {

struct Program {
    struct Impl;
    std::unique_ptr<Impl> impl;
    Program();
    Program(Program&&) noexcept;
    Program& operator=(Program&&) noexcept;
    ~Program();
    bool needs_listener() const;  // an SCMP_ACT_NOTIFY rule is present
    bool cache_hit() const;       // compile() found it in cache_dir
    unsigned int flags() const;   // seccomp(2) flags, NEW_LISTENER included
    size_t instructions() const;  // length of the BPF program
};

// Parent.  `cache_dir` (may be empty) holds compiled programs keyed by a hash
// of the seccomp section + libseccomp version + arch.  Errors name the field:
// `linux.seccomp.syscalls[2].args[0].op: ...`.
oci::Result<Program> compile(const oci::Seccomp& s, const std::string& cache_dir);

// Child: seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).  Returns the notify
// listener fd when needs_listener(), else an empty fd.
oci::Result<UniqueFd> load(const Program& p);

// Parent (after the child sent the listener fd): send it to listenerPath with
// the container state and listenerMetadata, per config-linux.md.
// `state_json` is the container's state object (state.md); the "pid" of the
// process state is taken from it.
oci::Result<void> send_listener(const oci::Seccomp& s, int listener_fd, const std::string& state_json);
// Same, for a process other than the container's init (exec): `pid` is the
// process that loaded the filter.
oci::Result<void> send_listener(const oci::Seccomp& s, int listener_fd, int64_t pid,
                                const std::string& state_json);

}  // namespace skiff::seccomp
