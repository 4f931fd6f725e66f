// copy_tree: iterative (an explicit stack of open directories, bounded by
// CopyOptions::max_depth), every step relative to a directory fd.
#include "linux/copyup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/fd.hpp"

namespace skiff::linux {
namespace {

constexpr mode_t kPerms = 07777;

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// A directory being copied: its entries are read one at a time, so only
// the directories on the current path are open.
struct Frame {
    DirPtr src;
    UniqueFd dst;
    std::string rel;  // below the top, for errors; "" is the top
    struct stat st {};  // the source directory's, applied when it is done
};

std::string shown(const std::string& rel) { return oci::quote(rel.empty() ? "." : rel); }

oci::Error fail(const std::string& step, const std::string& rel, int e) {
    return oci::Error::sys(step + " " + shown(rel), e);
}

// What a target may refuse without the copy being wrong: an attribute the
// filesystem or this user namespace cannot hold.
bool refused(int e) { return e == EOPNOTSUPP || e == EPERM || e == EACCES || e == EINVAL || e == ENODATA; }

// The owner, or ours when the id has no mapping in this user namespace
// (EINVAL): the file then shows up as the overflow id, which cannot be set.
oci::Result<void> set_owner(int dir, const char* name, const struct stat& st, const std::string& rel) {
    int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);
    if (::fchownat(dir, name, st.st_uid, st.st_gid, flags) < 0 && errno != EINVAL) return fail("chown", rel, errno);
    return oci::ok();
}

oci::Result<void> set_times(int dir, const char* name, const struct stat& st, const std::string& rel) {
    const struct timespec ts[2] = {st.st_atim, st.st_mtim};
    int rc = name[0] ? ::utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) : ::futimens(dir, ts);
    if (rc < 0) return fail("set times of", rel, errno);
    return oci::ok();
}

// After set_owner: a chown drops security.capability, which is copied here.
oci::Result<void> copy_xattrs(int src, int dst, const std::string& rel) {
    ssize_t n = ::flistxattr(src, nullptr, 0);
    if (n < 0 && refused(errno)) return oci::ok();
    if (n < 0) return fail("list extended attributes of", rel, errno);
    if (n == 0) return oci::ok();
    std::string names(static_cast<size_t>(n), '\0');
    n = ::flistxattr(src, names.data(), names.size());
    if (n < 0) return fail("list extended attributes of", rel, errno);
    names.resize(static_cast<size_t>(n));
    std::string value;
    for (size_t i = 0; i < names.size(); i += std::strlen(names.c_str() + i) + 1) {
        const char* name = names.c_str() + i;
        if (!name[0]) continue;
        ssize_t v = ::fgetxattr(src, name, nullptr, 0);
        if (v >= 0) {
            value.resize(static_cast<size_t>(v));
            v = ::fgetxattr(src, name, value.data(), value.size());
        }
        if (v < 0 && refused(errno)) continue;
        if (v < 0) return fail(std::string("read extended attribute ") + name + " of", rel, errno);
        if (::fsetxattr(dst, name, value.data(), static_cast<size_t>(v), 0) < 0 && !refused(errno))
            return fail(std::string("set extended attribute ") + name + " on", rel, errno);
    }
    return oci::ok();
}

oci::Result<void> copy_data(int in, int out, const std::string& rel) {
    for (;;) {
        ssize_t n = ::sendfile(out, in, nullptr, 1 << 30);
        if (n > 0) continue;
        if (n == 0) return oci::ok();
        if (errno == EINTR) continue;
        if (errno == EINVAL || errno == ENOSYS) break;  // read/write instead
        return fail("copy", rel, errno);
    }
    std::vector<char> buf(1 << 16);
    for (;;) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("read", rel, errno);
        if (n == 0) return oci::ok();
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return fail("write", rel, errno);
            done += w;
        }
    }
}

oci::Result<void> copy_file(int sdir, int ddir, const char* name, const std::string& rel) {
    // O_NONBLOCK|O_NOCTTY: should the entry have become a fifo or a tty
    // since it was looked at, the open neither hangs nor takes it.
    UniqueFd in(::openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!in) return fail("open", rel, errno);
    struct stat st {};
    if (::fstat(in.get(), &st) < 0) return fail("stat", rel, errno);
    if (!S_ISREG(st.st_mode)) return oci::Error::msg("copy " + shown(rel) + ": changed while it was copied");
    UniqueFd out(::openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return fail("create", rel, errno);
    TRY(copy_data(in.get(), out.get(), rel));
    TRY(set_owner(out.get(), "", st, rel));
    TRY(copy_xattrs(in.get(), out.get(), rel));
    if (::fchmod(out.get(), st.st_mode & kPerms) < 0) return fail("chmod", rel, errno);
    return set_times(out.get(), "", st, rel);
}

oci::Result<void> copy_link(int sdir, int ddir, const char* name, const struct stat& st, const std::string& rel) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(sdir, name, target, sizeof target);
    if (n < 0) return fail("read link", rel, errno);
    if (static_cast<size_t>(n) >= sizeof target) return fail("read link", rel, ENAMETOOLONG);
    target[n] = '\0';
    if (::symlinkat(target, ddir, name) < 0) return fail("create", rel, errno);
    TRY(set_owner(ddir, name, st, rel));
    return set_times(ddir, name, st, rel);
}

// fifos, sockets, device nodes: made, never opened.
oci::Result<void> copy_node(int ddir, const char* name, const struct stat& st, const std::string& rel) {
    if (::mknodat(ddir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
        if (errno == EPERM && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return oci::ok();  // no CAP_MKNOD
        return fail("create", rel, errno);
    }
    TRY(set_owner(ddir, name, st, rel));
    if (::fchmodat(ddir, name, st.st_mode & kPerms, 0) < 0) return fail("chmod", rel, errno);
    return set_times(ddir, name, st, rel);
}

// Opens both sides of a directory and stacks it; its mode and times are
// set once everything in it is copied (finish), so a read-only directory
// can still be filled and its mtime is the source's.
oci::Result<void> enter_dir(std::vector<Frame>& stack, int sdir, int ddir, const char* name, std::string rel) {
    UniqueFd in(::openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return fail("open", rel, errno);
    Frame f;
    if (::fstat(in.get(), &f.st) < 0) return fail("stat", rel, errno);
    if (::mkdirat(ddir, name, 0700) < 0) return fail("create", rel, errno);
    f.dst.reset(::openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!f.dst) return fail("open", rel, errno);
    TRY(set_owner(f.dst.get(), "", f.st, rel));
    TRY(copy_xattrs(in.get(), f.dst.get(), rel));
    f.src.reset(::fdopendir(in.get()));
    if (!f.src) return fail("read directory", rel, errno);
    in.release();  // the DIR owns it now
    f.rel = std::move(rel);
    stack.push_back(std::move(f));
    return oci::ok();
}

oci::Result<void> finish(const Frame& f, bool top) {
    if (!top && ::fchmod(f.dst.get(), f.st.st_mode & kPerms) < 0) return fail("chmod", f.rel, errno);
    return set_times(f.dst.get(), "", f.st, f.rel);
}

}  // namespace

oci::Result<void> copy_tree(int src_dir, int dst_dir, const CopyOptions& o) {
    std::vector<Frame> stack;
    {
        // Own open file descriptions: reading the directory must not move
        // the caller's offset.
        Frame top;
        UniqueFd in(::openat(src_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!in) return fail("open", "", errno);
        if (::fstat(in.get(), &top.st) < 0) return fail("stat", "", errno);
        top.dst.reset(::openat(dst_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!top.dst) return fail("open the copy's top for", "", errno);
        if (o.top_owner) TRY(set_owner(top.dst.get(), "", top.st, ""));
        TRY(copy_xattrs(in.get(), top.dst.get(), ""));
        top.src.reset(::fdopendir(in.get()));
        if (!top.src) return fail("read directory", "", errno);
        in.release();
        stack.push_back(std::move(top));
    }
    while (!stack.empty()) {
        Frame& f = stack.back();
        errno = 0;
        const dirent* de = ::readdir(f.src.get());
        if (!de) {
            if (errno) return fail("read directory", f.rel, errno);
            TRY(finish(f, stack.size() == 1));
            stack.pop_back();
            continue;
        }
        const char* name = de->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        std::string rel = f.rel.empty() ? std::string(name) : f.rel + "/" + name;
        const int sdir = ::dirfd(f.src.get()), ddir = f.dst.get();
        struct stat st {};
        if (::fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return fail("stat", rel, errno);
        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
            TRY(copy_file(sdir, ddir, name, rel));
            break;
        case S_IFLNK:
            TRY(copy_link(sdir, ddir, name, st, rel));
            break;
        case S_IFDIR:
            if (stack.size() > o.max_depth)
                return oci::Error::msg("copy " + shown(rel) + ": more than " + std::to_string(o.max_depth) +
                                       " directories deep");
            // May grow the stack: `f` is not used after this.
            TRY(enter_dir(stack, sdir, ddir, name, std::move(rel)));
            break;
        default:
            TRY(copy_node(ddir, name, st, rel));
            break;
        }
    }
    return oci::ok();
}

}  // namespace skiff::linux
