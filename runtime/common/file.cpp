#include "common/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.hpp"

namespace skiff {

oci::Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return oci::Error::sys("read " + path, errno);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return oci::Error::sys("read " + path, errno);
        if (n == 0) return out;
        out.append(buf, size_t(n));
    }
}

}  // namespace skiff
