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

// enosys.cpp: whether a default action denies (errno, kill, trap), and the
// instructions to put before libseccomp's program so that a syscall numbered
// above every one the profile names (per arch in `arch_tokens`, SCMP_ARCH_*)
// returns ENOSYS.  Empty when no name resolves on any of them.
bool wants_enosys_stub(oci::SeccompAction default_action);
std::vector<sock_filter> enosys_stub(const oci::Seccomp& s, const std::vector<uint32_t>& arch_tokens);

namespace cache {

// The cache lives in the state root and grows with every distinct profile:
// after each write the least recently used entries (by atime, which a hit
// sets) go until at most this many files and bytes remain.
constexpr size_t kMaxEntries = 64;
constexpr uint64_t kMaxBytes = uint64_t{16} << 20;

// Everything the compiled program depends on, as one unambiguous string:
// the profile, the libseccomp version, the kernel, and the native arch.
std::string canonical(const oci::Seccomp& s);
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL);
// "<cache_dir>/<16 hex digits>.bpf"
std::string file_name(const std::string& cache_dir, const std::string& canon);

// False on a miss, a short, corrupt or foreign file, or a file written for
// another profile whose hash collides (the whole canonical string is kept).
// Only a directory and file owned by the euid and writable by nobody else
// are trusted (anything else is a miss): a filter read from a file someone
// else could write would be theirs, not the profile's.
bool read(const std::string& path, const std::string& canon, Program::Impl& out);
// Atomic (temporary file + rename), in a directory created 0700 (files are
// 0600); then evicts down to kMaxEntries / kMaxBytes.  Refuses a directory
// it would not read from.  The caller treats failure as a warning.
oci::Result<void> write(const std::string& path, const std::string& canon,
                        const Program::Impl& p);
// Removes the least recently used entries of `dir` (and any entry it would
// not trust) until at most max_entries files and max_bytes remain, `keep`
// (a file name) last of all.
void evict(const std::string& dir, const std::string& keep, size_t max_entries = kMaxEntries,
           uint64_t max_bytes = kMaxBytes);

}  // namespace cache
}  // namespace skiff::seccomp
