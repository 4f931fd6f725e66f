#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "checker.hpp"

namespace conf {

namespace {
void line(const char* verdict, const std::string& section, const std::string& name,
          const std::string& why) {
    // One write per line: the runtime's stdout may be a file shared with hooks.
    std::string out = std::string(verdict) + " " + section + " " + name;
    if (!why.empty()) {
        std::string clean = why;
        for (char& c : clean)
            if (c == '\n') c = ' ';
        out += " # " + clean;
    }
    out += "\n";
    std::fputs(out.c_str(), stdout);
}
}  // namespace

void pass(const std::string& s, const std::string& n) { line("ok", s, n, ""); }
void fail(const std::string& s, const std::string& n, const std::string& w) { line("not ok", s, n, w); }
void skip(const std::string& s, const std::string& n, const std::string& w) { line("skip", s, n, w); }
void expect(bool good, const std::string& s, const std::string& n, const std::string& w) {
    if (good) pass(s, n); else fail(s, n, w);
}

std::string errno_text(int err) { return std::strerror(err); }

std::string read_file(const std::string& path, bool* ok) {
    std::string out;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ok) *ok = fd >= 0;
    if (fd < 0) return out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    if (n < 0 && ok) *ok = false;
    ::close(fd);
    return out;
}

std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\n");
    if (a == std::string::npos) return "";
    size_t b = s.find_last_not_of(" \t\n");
    return s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) break;
        start = at + 1;
    }
    return out;
}

std::string proc_status(const std::string& key) {
    for (const auto& l : split(read_file("/proc/self/status"), '\n'))
        if (l.compare(0, key.size() + 1, key + ":") == 0) return trim(l.substr(key.size() + 1));
    return "";
}

// mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER
std::vector<MountEntry> mountinfo() {
    std::vector<MountEntry> out;
    for (const auto& l : split(read_file("/proc/self/mountinfo"), '\n')) {
        auto f = split(l, ' ');
        if (f.size() < 10) continue;
        MountEntry m;
        m.mountpoint = f[4];
        m.options = split(f[5], ',');
        size_t i = 6;
        for (; i < f.size() && f[i] != "-"; ++i) m.optional.push_back(f[i]);
        if (i + 1 < f.size()) m.fstype = f[i + 1];
        out.push_back(std::move(m));
    }
    return out;
}

const MountEntry* mount_at(const std::vector<MountEntry>& mounts, const std::string& path) {
    std::string want = path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
    const MountEntry* found = nullptr;
    for (const auto& m : mounts)
        if (m.mountpoint == want) found = &m;
    return found;
}

bool has_option(const MountEntry& m, const std::string& opt) {
    for (const auto& o : m.options)
        if (o == opt) return true;
    return false;
}

}  // namespace conf
