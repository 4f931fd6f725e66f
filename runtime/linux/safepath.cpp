#include "linux/safepath.hpp"

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <climits>
#include <cstdio>

namespace skiff::linux::safepath {

std::string clean(std::string_view path) {
    std::string out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view comp = path.substr(i, j - i);
        i = j + 1;
        if (comp.empty() || comp == ".") continue;
        if (comp == "..") {
            size_t cut = out.rfind('/');
            out.resize(cut == std::string::npos ? 0 : cut);
            continue;
        }
        if (!out.empty()) out += '/';
        out += comp;
    }
    return out;
}

namespace {

int openat2_in_root(int root, const char* rel, int flags) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const char* p = rel[0] ? rel : ".";
    // EAGAIN: a concurrent rename or mount raced the ".." check; retry.
    for (int attempt = 0; attempt < 16; ++attempt) {
        int fd = static_cast<int>(::syscall(SYS_openat2, root, p, &how, sizeof how));
        if (fd >= 0 || errno != EAGAIN) return fd;
    }
    return -1;
}

oci::Error resolve_error(const std::string& rel, int e) {
    return oci::Error::sys("resolve \"/" + rel + "\" in rootfs", e);
}

}  // namespace

oci::Result<UniqueFd> open_in_root(int root, const std::string& rel, int flags) {
    int fd = openat2_in_root(root, rel.c_str(), flags);
    if (fd < 0) return resolve_error(rel, errno);
    return UniqueFd(fd);
}

namespace {

// MAXSYMLINKS of the kernel: a loop of dangling links ends here.
constexpr int kMaxLinks = 40;

oci::Error not_ordinary(const std::string& rel, const char* what) {
    return oci::Error::msg("\"/" + rel + "\" must be mounted on an ordinary directory, not " + what);
}

// A mount point's leaf, opened without following it: a directory, or an error.
oci::Result<UniqueFd> checked_mount_dir(UniqueFd f, const std::string& rel) {
    struct stat st {};
    if (::fstat(f.get(), &st) < 0) return oci::Error::sys("stat \"/" + rel + "\" in rootfs", errno);
    if (S_ISLNK(st.st_mode)) return not_ordinary(rel, "a symlink");
    if (!S_ISDIR(st.st_mode)) return not_ordinary(rel, "a file");
    return f;
}

// The leaf of a mount point: opened without following it, created when absent.
oci::Result<UniqueFd> open_mount_dir(int root, int parent, const std::string& rel, const std::string& name) {
    int fd = openat2_in_root(root, rel.c_str(), O_PATH | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        if (::mkdirat(parent, name.c_str(), 0755) < 0 && errno != EEXIST)
            return oci::Error::sys("create \"/" + rel + "\" in rootfs", errno);
        fd = openat2_in_root(root, rel.c_str(), O_PATH | O_NOFOLLOW);
    }
    if (fd < 0) return resolve_error(rel, errno);
    return checked_mount_dir(UniqueFd(fd), rel);
}

// The usual case, an image that has the whole path: one lookup, the same
// the walk makes for each component (openat2_in_root), of the whole path.
// Anything else (absent, a dangling link, an error) is the walk's, which
// creates what is missing and words the error.
UniqueFd open_existing(int root, const std::string& rel, Leaf leaf) {
    int oflags = O_PATH | (leaf == Leaf::MountDir ? O_NOFOLLOW : leaf == Leaf::Directory ? O_DIRECTORY : 0);
    return UniqueFd(openat2_in_root(root, rel.c_str(), oflags));
}

oci::Result<UniqueFd> create_rel(int root, const std::string& rel, Leaf leaf, int links) {
    if (!rel.empty()) {
        if (UniqueFd f = open_existing(root, rel, leaf))
            return leaf == Leaf::MountDir ? checked_mount_dir(std::move(f), rel) : oci::Result<UniqueFd>(std::move(f));
    }
    UniqueFd cur(openat2_in_root(root, "", O_PATH | O_DIRECTORY));
    if (!cur) return resolve_error("", errno);
    if (rel.empty()) return cur;

    size_t start = 0;
    while (true) {
        size_t slash = rel.find('/', start);
        bool last = slash == std::string::npos;
        std::string prefix = rel.substr(0, last ? rel.size() : slash);
        std::string name = rel.substr(start, prefix.size() - start);
        if (last && leaf == Leaf::MountDir) return open_mount_dir(root, cur.get(), prefix, name);
        bool want_dir = !last || leaf != Leaf::File;
        int oflags = O_PATH | (want_dir ? O_DIRECTORY : 0);

        int fd = openat2_in_root(root, prefix.c_str(), oflags);
        if (fd < 0 && errno == ENOENT) {
            // `cur` is a real directory inside the root and `name` a plain
            // component, so creating it here cannot escape.  O_EXCL and
            // mkdirat never follow a symlink already sitting at `name`.
            int rc;
            if (want_dir) {
                rc = ::mkdirat(cur.get(), name.c_str(), 0755);
            } else {
                rc = ::openat(cur.get(), name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
                if (rc >= 0) ::close(rc);
            }
            if (rc < 0 && errno != EEXIST) return oci::Error::sys("create \"/" + prefix + "\" in rootfs", errno);
            fd = openat2_in_root(root, prefix.c_str(), oflags);
            if (fd < 0 && errno == ENOENT) {
                // Still missing after EEXIST: `name` is a dangling symlink.
                // Its target is taken as a path inside the root (absolute
                // from the root, relative from `cur`; ".." stops at the
                // root), cleaned and created from the top.
                char target[PATH_MAX];
                ssize_t n = ::readlinkat(cur.get(), name.c_str(), target, sizeof target - 1);
                if (n < 0) return resolve_error(prefix, ENOENT);
                if (++links > kMaxLinks) return resolve_error(prefix, ELOOP);
                target[n] = '\0';
                std::string next = target[0] == '/' ? std::string(target)
                                                    : prefix.substr(0, start) + "/" + target;
                if (!last) next += "/" + rel.substr(slash + 1);
                return create_rel(root, clean(next), leaf, links);
            }
        }
        if (fd < 0) return resolve_error(prefix, errno);
        cur.reset(fd);
        if (last) return cur;
        start = slash + 1;
    }
}

}  // namespace

oci::Result<UniqueFd> create_in_root(int root, const std::string& rel, Leaf leaf) {
    return create_rel(root, rel, leaf, 0);
}

ProcFdPath proc_fd_path(int fd) {
    ProcFdPath p;
    std::snprintf(p.buf, sizeof p.buf, "/proc/self/fd/%d", fd);
    return p;
}

}  // namespace skiff::linux::safepath
