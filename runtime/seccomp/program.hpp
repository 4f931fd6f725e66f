// Internal to runtime/seccomp: what a compiled Program holds, and the pieces
// compile() is made of.  Nothing here is used by the child except Impl.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "seccomp/seccomp.hpp"

namespace skiff::seccomp {

struct Program::Impl {
    unsigned int flags = 0;          // passed to seccomp(2) as is
    bool listener = false;           // flags has SECCOMP_FILTER_FLAG_NEW_LISTENER
    bool cache_hit = false;
    std::vector<sock_filter> insns;  // the exported classic BPF program
};

// Checks the profile and works out the seccomp(2) flags, without libseccomp,
// so a cached program is refused for exactly the reasons a fresh one is.
oci::Result<unsigned int> check_profile(const oci::Seccomp& s);

// Translates the profile with libseccomp and exports the BPF program.
oci::Result<std::vector<sock_filter>> build_filter(const oci::Seccomp& s);

namespace cache {

// Everything the compiled program depends on, as one unambiguous string:
// the profile, the libseccomp version, the kernel, and the native arch.
std::string canonical(const oci::Seccomp& s);
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL);
// "<cache_dir>/<16 hex digits>.bpf"
std::string file_name(const std::string& cache_dir, const std::string& canon);

// False on a miss, a short, corrupt or foreign file, or a file written for
// another profile whose hash collides (the whole canonical string is kept).
bool read(const std::string& path, const std::string& canon, Program::Impl& out);
// Atomic (temporary file + rename).  The caller treats failure as a warning.
oci::Result<void> write(const std::string& path, const std::string& canon,
                        const Program::Impl& p);

}  // namespace cache
}  // namespace skiff::seccomp
