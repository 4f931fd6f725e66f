// The compiled-program cache: <cache_dir>/<fnv1a64 of canonical>.bpf.
//
// File layout (native endianness: a cache never leaves the machine):
//   "SKIFFBPF" | u32 format | u32 flags | u32 listener | u32 canon_len |
//   u32 insn_count | canon bytes | insns | u64 fnv1a64 of all bytes before
// The canonical string is stored whole and compared on read, so a hash
// collision is a miss, never the wrong filter.
#include <dirent.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/fd.hpp"
#include "seccomp/program.hpp"

namespace skiff::seccomp::cache {
namespace {

constexpr char kMagic[8] = {'S', 'K', 'I', 'F', 'F', 'B', 'P', 'F'};
// 2: programs carry the ENOSYS stub (enosys.cpp); format-1 files are misses.
constexpr uint32_t kFormat = 2;
constexpr size_t kHeader = sizeof kMagic + 5 * sizeof(uint32_t);
// Far above BPF_MAXINSNS programs; a bigger file is not ours.
constexpr size_t kMaxFile = 4u << 20;

// Length-prefixed fields keep the string unambiguous whatever the names hold.
void put(std::string& out, std::string_view tag, std::string_view v) {
    out += tag;
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += ';';
}
void put(std::string& out, std::string_view tag, uint64_t v) { put(out, tag, std::to_string(v)); }
template <class T>
void put_opt(std::string& out, std::string_view tag, const oci::Opt<T>& v) {
    if (v) put(out, tag, *v);
    else out += "-;";
}

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
uint32_t get_u32(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Owned by us and writable by nobody else.
bool trusted(const struct stat& st) {
    return st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

bool trusted_dir(const std::string& dir) {
    struct stat st;
    return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && trusted(st);
}

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

uint64_t fnv1a64(const void* data, size_t n, uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string canonical(const oci::Seccomp& s) {
    std::string out;
    const scmp_version* v = seccomp_version();
    put(out, "libseccomp", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                               std::to_string(v->micro));
    // Which actions libseccomp accepts depends on the running kernel; its
    // release stands in for seccomp_api_get(), whose probing costs more
    // (~9 seccomp(2) calls) than a whole cache hit.
    struct utsname u;
    if (::uname(&u) == 0) {
        put(out, "kernel", u.release);
        put(out, "build", u.version);
    }
    put(out, "native", seccomp_arch_native());
    put(out, "stub", "enosys-1");  // what enosys.cpp prepends, by version
    put(out, "default", oci::enum_name(s.defaultAction));
    put_opt(out, "defaultErrnoRet", s.defaultErrnoRet);
    if (s.architectures) {
        put(out, "archs", s.architectures->size());
        for (auto a : *s.architectures) put(out, "a", oci::enum_name(a));
    } else out += "-;";
    if (s.flags) {
        put(out, "flags", s.flags->size());
        for (auto f : *s.flags) put(out, "f", oci::enum_name(f));
    } else out += "-;";
    put_opt(out, "listenerPath", s.listenerPath);
    put_opt(out, "listenerMetadata", s.listenerMetadata);
    if (s.syscalls) {
        put(out, "syscalls", s.syscalls->size());
        for (const auto& c : *s.syscalls) {
            put(out, "names", c.names.size());
            for (const auto& n : c.names) put(out, "n", n);
            put(out, "action", oci::enum_name(c.action));
            put_opt(out, "errnoRet", c.errnoRet);
            if (c.args) {
                put(out, "args", c.args->size());
                for (const auto& a : *c.args) {
                    put(out, "i", a.index);
                    put(out, "v", a.value);
                    put_opt(out, "v2", a.valueTwo);
                    put(out, "op", oci::enum_name(a.op));
                }
            } else out += "-;";
        }
    } else out += "-;";
    return out;
}

std::string file_name(const std::string& cache_dir, const std::string& canon) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(fnv1a64(canon.data(), canon.size())));
    return cache_dir + "/" + hex + ".bpf";
}

bool read(const std::string& path, const std::string& canon, Program::Impl& out) {
    if (!trusted_dir(dir_of(path))) return false;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return false;
    struct stat st;
    if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || !trusted(st) || st.st_size < 0 ||
        static_cast<size_t>(st.st_size) > kMaxFile)
        return false;
    std::string buf(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < buf.size()) {
        ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<size_t>(n);
    }
    if (buf.size() < kHeader + sizeof(uint64_t) || std::memcmp(buf.data(), kMagic, sizeof kMagic) != 0)
        return false;
    const char* h = buf.data() + sizeof kMagic;
    uint32_t format = get_u32(h), flags = get_u32(h + 4), listener = get_u32(h + 8);
    uint32_t canon_len = get_u32(h + 12), count = get_u32(h + 16);
    size_t want = kHeader + size_t{canon_len} + size_t{count} * sizeof(sock_filter) + sizeof(uint64_t);
    if (format != kFormat || want != buf.size() || count == 0 || listener > 1) return false;
    uint64_t sum;
    std::memcpy(&sum, buf.data() + buf.size() - sizeof sum, sizeof sum);
    if (sum != fnv1a64(buf.data(), buf.size() - sizeof sum)) return false;
    if (std::string_view(buf.data() + kHeader, canon_len) != canon) return false;
    out.flags = flags;
    out.listener = listener != 0;
    out.insns.resize(count);
    std::memcpy(out.insns.data(), buf.data() + kHeader + canon_len, size_t{count} * sizeof(sock_filter));
    // Recently used: evicted last.  atime, set explicitly (relatime would
    // skip it), so the mtime still says when the program was written.
    const timespec used[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    ::futimens(fd.get(), used);
    return true;
}

oci::Result<void> write(const std::string& path, const std::string& canon, const Program::Impl& p) {
    std::string buf(kMagic, sizeof kMagic);
    put_u32(buf, kFormat);
    put_u32(buf, p.flags);
    put_u32(buf, p.listener ? 1 : 0);
    put_u32(buf, static_cast<uint32_t>(canon.size()));
    put_u32(buf, static_cast<uint32_t>(p.insns.size()));
    buf += canon;
    buf.append(reinterpret_cast<const char*>(p.insns.data()), p.insns.size() * sizeof(sock_filter));
    uint64_t sum = fnv1a64(buf.data(), buf.size());
    buf.append(reinterpret_cast<const char*>(&sum), sizeof sum);

    // <root>/.cache/seccomp: create each missing level (a fresh --root has neither).
    std::string dir = dir_of(path);
    for (size_t pos = 1; pos != std::string::npos;) {
        pos = dir.find('/', pos + 1);
        std::string level = dir.substr(0, pos);
        if (::mkdir(level.c_str(), 0700) < 0 && errno != EEXIST)
            return oci::Error::sys("create seccomp cache directory \"" + level + "\"", errno);
    }
    if (!trusted_dir(dir))
        return oci::Error::msg("seccomp cache directory \"" + dir +
                               "\" is not a directory owned by uid " + std::to_string(::geteuid()) +
                               " and writable only by it; not used");
    std::string tmp = path + ".XXXXXX";
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) return oci::Error::sys("create \"" + tmp + "\"", errno);
    size_t done = 0;
    while (done < buf.size()) {
        ssize_t n = ::write(fd.get(), buf.data() + done, buf.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::unlink(tmp.c_str());
            return oci::Error::sys("write \"" + tmp + "\"", e);
        }
        done += static_cast<size_t>(n);
    }
    // Readers verify the checksum, so a torn file after a crash is only a
    // miss; no fsync on this path.
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return oci::Error::sys("rename \"" + tmp + "\" to \"" + path + "\"", e);
    }
    evict(dir, path.substr(path.rfind('/') + 1));
    return oci::ok();
}

void evict(const std::string& dir, const std::string& keep, size_t max_entries, uint64_t max_bytes) {
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!dfd) return;
    DIR* d = ::fdopendir(::dup(dfd.get()));
    if (!d) return;
    struct Entry { std::string name; timespec used; uint64_t bytes; bool keep; };
    std::vector<Entry> entries;
    std::vector<std::string> doomed;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st;
        if (::fstatat(dfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        // "<hash>.bpf" and writers' "<hash>.bpf.XXXXXX" temporaries, which
        // live a few microseconds unless their writer died.
        const bool entry = name.size() > 4 && name.compare(name.size() - 4, 4, ".bpf") == 0;
        const bool stale_tmp = !entry && name.find(".bpf.") != std::string::npos &&
                               st.st_mtime + 60 < ::time(nullptr);
        if (!S_ISREG(st.st_mode) || !trusted(st) || stale_tmp) {
            doomed.push_back(name);
            continue;
        }
        if (entry)
            entries.push_back({name, st.st_atim, uint64_t(st.st_size), name == keep});
    }
    ::closedir(d);
    // Newest first; the entry just written first of all.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (a.keep != b.keep) return a.keep;
        if (a.used.tv_sec != b.used.tv_sec) return a.used.tv_sec > b.used.tv_sec;
        return a.used.tv_nsec > b.used.tv_nsec;
    });
    size_t count = 0;
    uint64_t bytes = 0;
    for (const auto& e : entries) {
        if (count < max_entries && bytes + e.bytes <= max_bytes) {
            ++count;
            bytes += e.bytes;
        } else {
            doomed.push_back(e.name);
        }
    }
    for (const auto& name : doomed) ::unlinkat(dfd.get(), name.c_str(), 0);
}

}  // namespace skiff::seccomp::cache
