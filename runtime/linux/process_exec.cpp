// What execve needs: argv/envp, the working directory, and args[0] looked up
// in the container's PATH, all from buffers prepared by plan_process.
#include <sys/stat.h>
#include <unistd.h>

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
    if (name.find('/') != std::string::npos) return name.c_str();

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

}  // namespace skiff::linux
