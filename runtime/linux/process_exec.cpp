// What execve needs: argv/envp, the working directory, and args[0] looked up
// in the container's PATH, all from buffers prepared by plan_process.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <cerrno>
#include <cstring>

#include "linux/process_impl.hpp"

namespace skiff::linux {

const char* const* exec_argv(const ProcessPlan& p) { return p.impl->argv.data(); }
const char* const* exec_envp(const ProcessPlan& p) { return p.impl->envp.data(); }
const char* exec_cwd(const ProcessPlan& p) { return p.impl->cwd.c_str(); }

oci::Result<const char*> resolve_executable(const ProcessPlan& p) {
    auto& im = *p.impl;
    const std::string& name = im.args[0];
    if (name.find('/') != std::string::npos) {
        struct stat st;
        if (::stat(name.c_str(), &st) != 0) return oci::Error::sys("exec: \"" + name + "\"", errno);
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
            return oci::Error::sys("exec: \"" + name + "\"", EACCES);
        return name.c_str();
    }

    const char* dir = im.path.c_str();
    while (true) {
        const char* end = std::strchr(dir, ':');
        size_t dlen = end ? static_cast<size_t>(end - dir) : std::strlen(dir);
        // An empty element would mean the current directory; like Go's
        // LookPath (and so runc), never resolve relative to it.
        if (dlen > 0 && !name.empty() && dlen + 1 + name.size() < sizeof im.exec_path) {
            std::memcpy(im.exec_path, dir, dlen);
            im.exec_path[dlen] = '/';
            std::memcpy(im.exec_path + dlen + 1, name.c_str(), name.size() + 1);
            struct stat st;
            if (::stat(im.exec_path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
                return static_cast<const char*>(im.exec_path);
        }
        if (!end) break;
        dir = end + 1;
    }
    return oci::Error::msg("exec: \"" + name + "\": executable file not found in $PATH");
}

oci::Result<void> ensure_cwd(const ProcessPlan& p) {
    auto& im = *p.impl;
    struct stat st;
    if (::stat(im.cwd.c_str(), &st) == 0) return oci::ok();
    if (errno != ENOENT) return oci::Error::sys("process.cwd: stat \"" + im.cwd + "\"", errno);

    // mkdir -p, one component at a time, in the prepared scratch buffer.
    char* buf = im.scratch;
    std::memcpy(buf, im.cwd.c_str(), im.cwd.size() + 1);
    for (char* s = buf + 1;; ++s) {
        if (*s != '/' && *s != '\0') continue;
        char saved = *s;
        *s = '\0';
        if (s[-1] != '/' && ::mkdir(buf, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            std::string made = buf;
            *s = saved;
            return oci::Error::sys("process.cwd: mkdir \"" + made + "\"", e);
        }
        *s = saved;
        if (saved == '\0') break;
    }
    return oci::ok();
}

namespace {

// "name:passwd:uid:gid:gecos:home:shell" -> home, when uid matches.
bool passwd_home(const char* line, size_t len, uid_t uid, const char** home, size_t* home_len) {
    const char* field[7];
    size_t flen[7];
    size_t n = 0;
    const char* start = line;
    for (size_t i = 0; i <= len && n < 7; ++i) {
        if (i == len || line[i] == ':') {
            field[n] = start;
            flen[n] = static_cast<size_t>(line + i - start);
            ++n;
            start = line + i + 1;
        }
    }
    if (n < 6 || flen[2] == 0) return false;
    uid_t v = 0;
    for (size_t i = 0; i < flen[2]; ++i) {
        char ch = field[2][i];
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + static_cast<uid_t>(ch - '0');
    }
    if (v != uid || flen[5] == 0) return false;
    *home = field[5];
    *home_len = flen[5];
    return true;
}

}  // namespace

oci::Result<void> resolve_home(const ProcessPlan& p) {
    auto& im = *p.impl;
    if (!im.wants_home) return oci::ok();
    int fd = ::open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return oci::ok();  // no passwd file: HOME stays "/"
    // Stream the file through the scratch buffer one line at a time; a line
    // longer than the buffer cannot be a sane entry and is skipped.
    char* buf = im.scratch;
    size_t have = 0;
    bool skipping = false;
    while (true) {
        ssize_t n = ::read(fd, buf + have, sizeof im.scratch - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 && have == 0) break;
        size_t end = have + static_cast<size_t>(n > 0 ? n : 0);
        size_t pos = 0;
        while (pos < end) {
            char* nl = static_cast<char*>(std::memchr(buf + pos, '\n', end - pos));
            if (!nl && n > 0) break;  // incomplete line: read more
            size_t len = (nl ? static_cast<size_t>(nl - buf) : end) - pos;
            const char* home;
            size_t hlen;
            if (!skipping && passwd_home(buf + pos, len, im.uid, &home, &hlen) && hlen < PATH_MAX) {
                std::memcpy(im.home_env + 5, home, hlen);
                im.home_env[5 + hlen] = '\0';
                ::close(fd);
                return oci::ok();
            }
            skipping = false;
            pos += len + 1;
        }
        if (n <= 0) break;
        if (pos == 0 && end == sizeof im.scratch) {
            skipping = true;  // overlong line: drop what we have of it
            have = 0;
            continue;
        }
        have = pos < end ? end - pos : 0;
        std::memmove(buf, buf + pos, have);
    }
    ::close(fd);
    return oci::ok();
}

}  // namespace skiff::linux
