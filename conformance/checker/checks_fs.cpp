// The filesystem as the container sees it: config mounts, masked and
// readonly paths, the root, default devices, linux.devices, /dev symlinks.
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "checker.hpp"

namespace conf {

namespace {

bool is_bind(const Json& m) {
    if (m["type"].str() == "bind") return true;
    for (const auto& o : m["options"].items)
        if (o.str() == "bind" || o.str() == "rbind") return true;
    return false;
}

bool has_peer(const MountEntry& m, const std::string& prefix) {
    for (const auto& o : m.optional)
        if (o.compare(0, prefix.size(), prefix) == 0) return true;
    return false;
}

// Checks one propagation word against a mount's optional fields; returns
// "" when it matches, else what was seen.
std::string propagation_mismatch(const MountEntry& m, const std::string& want) {
    // "rshared" etc. name the same state for the mount itself.
    std::string w = want;
    if (w == "rshared" || w == "rslave" || w == "rprivate" || w == "runbindable") w = w.substr(1);
    bool shared = has_peer(m, "shared:"), slave = has_peer(m, "master:"), unbind = has_peer(m, "unbindable");
    bool good = (w == "shared" && shared) || (w == "slave" && slave) ||
                (w == "private" && !shared && !slave && !unbind) || (w == "unbindable" && unbind);
    if (good) return "";
    std::string seen;
    for (const auto& o : m.optional) seen += o + " ";
    return "optional fields: [" + trim(seen) + "]";
}

}  // namespace

void check_mounts(const Json& cfg) {
    const std::string sec = "config.mounts";
    auto mounts = mountinfo();
    for (const auto& m : cfg["mounts"].items) {
        std::string dst = m["destination"].str();
        const MountEntry* got = mount_at(mounts, dst);
        if (!got) {
            fail(sec, dst + " mounted", "no mount at " + dst + " in /proc/self/mountinfo");
            continue;
        }
        pass(sec, dst + " mounted");
        std::string type = m["type"].str();
        if (!type.empty() && !is_bind(m)) {
            // On a cgroup v1 or hybrid host "cgroup" is a tmpfs of per-controller
            // mounts; on v2 runtimes mount cgroup2 (config.md leaves the mapping
            // of `type` to the kernel's filesystemtype to the runtime).
            bool ok = got->fstype == type ||
                      (type == "cgroup" && (got->fstype == "cgroup2" || got->fstype == "tmpfs"));
            expect(ok, sec, dst + " type " + type, "mounted as " + got->fstype);
        }
        for (const auto& o : m["options"].items) {
            std::string opt = o.str();
            if (opt == "ro" || opt == "nosuid" || opt == "nodev" || opt == "noexec") {
                expect(has_option(*got, opt), sec, dst + " option " + opt, "mount options lack " + opt);
            } else if (opt == "rw") {
                expect(!has_option(*got, "ro"), sec, dst + " option rw", "mounted read-only");
            } else if (opt == "private" || opt == "rprivate" || opt == "shared" || opt == "rshared" ||
                       opt == "slave" || opt == "rslave" || opt == "unbindable" || opt == "runbindable") {
                std::string why = propagation_mismatch(*got, opt);
                expect(why.empty(), sec, dst + " propagation " + opt, why);
            }
        }
    }
}

void check_paths(const Json& cfg) {
    const Json& lx = cfg["linux"];
    auto mounts = mountinfo();
    for (const auto& p : lx["maskedPaths"].items) {
        std::string path = p.str();
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            skip("config-linux.masked-paths", path, "absent in this container");
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR* d = ::opendir(path.c_str());
            int entries = 0;
            if (d) {
                while (auto* e = ::readdir(d))
                    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++entries;
                ::closedir(d);
            }
            expect(entries == 0, "config-linux.masked-paths", path,
                   "directory still lists " + std::to_string(entries) + " entries");
        } else {
            int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            char c;
            ssize_t n = fd >= 0 ? ::read(fd, &c, 1) : -1;
            int err = errno;
            if (fd >= 0) ::close(fd);
            expect(n <= 0, "config-linux.masked-paths", path,
                   n > 0 ? "still readable" : errno_text(err));
        }
    }
    for (const auto& p : lx["readonlyPaths"].items) {
        std::string path = p.str();
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            skip("config-linux.readonly-paths", path, "absent in this container");
            continue;
        }
        const MountEntry* m = mount_at(mounts, path);
        expect(m && has_option(*m, "ro"), "config-linux.readonly-paths", path,
               m ? "mount is not ro" : "no mount at the path");
    }
    const MountEntry* root = mount_at(mounts, "/");
    if (!root) {
        fail("config.root", "root mounted", "no / in mountinfo");
        return;
    }
    bool ro = cfg["root"]["readonly"].bool_or(false);
    expect(has_option(*root, "ro") == ro, "config.root", ro ? "readonly" : "writable",
           ro ? "/ is not mounted ro" : "/ is mounted ro");
    if (ro) {
        int rc = ::mkdir("/conformance-ro-probe", 0700);
        int err = errno;
        if (rc == 0) ::rmdir("/conformance-ro-probe");
        expect(rc != 0 && err == EROFS, "config.root", "readonly write gives EROFS",
               rc == 0 ? "mkdir succeeded" : errno_text(err));
    }
    std::string prop = lx["rootfsPropagation"].str();
    if (!prop.empty()) {
        std::string why = propagation_mismatch(*root, prop);
        expect(why.empty(), "config-linux.rootfs-mount-propagation", prop, why);
    }
}

void check_devices(const Json& cfg) {
    struct Dev {
        const char* path;
        unsigned maj, min;
    };
    const Dev defaults[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
                            {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    for (const auto& d : defaults) {
        struct stat st {};
        if (::stat(d.path, &st) != 0) {
            fail("config-linux.default-devices", d.path, errno_text(errno));
            continue;
        }
        bool good = S_ISCHR(st.st_mode) && major(st.st_rdev) == d.maj && minor(st.st_rdev) == d.min;
        expect(good, "config-linux.default-devices", d.path,
               "not char " + std::to_string(d.maj) + ":" + std::to_string(d.min));
    }
    struct stat st {};
    bool ptmx = ::stat("/dev/ptmx", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 &&
                minor(st.st_rdev) == 2;
    char target[256] = {};
    ssize_t n = ::readlink("/dev/ptmx", target, sizeof target - 1);
    bool link = n > 0 && (std::string(target) == "pts/ptmx" || std::string(target) == "/dev/pts/ptmx");
    expect(ptmx || link, "config-linux.default-devices", "/dev/ptmx",
           "neither a symlink to pts/ptmx nor a ptmx device");
    if (cfg["process"]["terminal"].bool_or(false)) {
        expect(::stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode), "config-linux.default-devices",
               "/dev/console", "missing with terminal=true");
    }

    const char* links[][2] = {{"/dev/fd", "/proc/self/fd"},
                              {"/dev/stdin", "/proc/self/fd/0"},
                              {"/dev/stdout", "/proc/self/fd/1"},
                              {"/dev/stderr", "/proc/self/fd/2"}};
    for (const auto& l : links) {
        char buf[256] = {};
        ssize_t len = ::readlink(l[0], buf, sizeof buf - 1);
        expect(len > 0 && std::string(buf) == l[1], "runtime-linux.dev-symlinks", l[0],
               len > 0 ? std::string("points to ") + buf : "not a symlink");
    }

    for (const auto& d : cfg["linux"]["devices"].items) {
        std::string path = d["path"].str();
        const std::string sec = "config-linux.devices";
        if (::stat(path.c_str(), &st) != 0) {
            fail(sec, path, errno_text(errno));
            continue;
        }
        std::string type = d["type"].str();
        bool type_ok = (type == "c" || type == "u") ? S_ISCHR(st.st_mode)
                       : type == "b"                ? S_ISBLK(st.st_mode)
                                                    : S_ISFIFO(st.st_mode);
        expect(type_ok, sec, path + " type " + type, "file type differs");
        if (type != "p")
            expect(major(st.st_rdev) == d["major"].uint_or(~0ull) && minor(st.st_rdev) == d["minor"].uint_or(~0ull),
                   sec, path + " major:minor",
                   "is " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)));
        if (d.has("fileMode"))
            expect((st.st_mode & 07777) == d["fileMode"].uint_or(0), sec, path + " fileMode",
                   "mode is " + std::to_string(st.st_mode & 07777) + " (decimal)");
        if (d.has("uid"))
            expect(st.st_uid == d["uid"].uint_or(0), sec, path + " uid", "owner " + std::to_string(st.st_uid));
        if (d.has("gid"))
            expect(st.st_gid == d["gid"].uint_or(0), sec, path + " gid", "group " + std::to_string(st.st_gid));
    }
}

}  // namespace conf
