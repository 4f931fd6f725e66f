// Implements core/state_store.hpp: <root>/<id>/state.json, exec.fifo and the
// per-container flock.
#include "core/state_store.hpp"

#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ocispec/json.hpp"
#include "skiff_build.h"

namespace skiff::core {
namespace {

// ---- record <-> JSON -------------------------------------------------------

struct GenDeleter {
    void operator()(yajl_gen g) const { yajl_gen_free(g); }
};
using Gen = std::unique_ptr<std::remove_pointer_t<yajl_gen>, GenDeleter>;

void gen_str(yajl_gen g, std::string_view s) {
    yajl_gen_string(g, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}
void gen_key_str(yajl_gen g, std::string_view k, std::string_view v) {
    gen_str(g, k);
    gen_str(g, v);
}
void gen_key_int(yajl_gen g, std::string_view k, long long v) {
    gen_str(g, k);
    yajl_gen_integer(g, v);
}
void gen_key_bool(yajl_gen g, std::string_view k, bool v) {
    gen_str(g, k);
    yajl_gen_bool(g, v);
}

struct TreeDeleter {
    void operator()(yajl_val v) const { yajl_tree_free(v); }
};
using Tree = std::unique_ptr<std::remove_pointer_t<yajl_val>, TreeDeleter>;

Error field_error(std::string_view name, std::string_view key, std::string_view expected) {
    return Error::msg(std::string(name) + ": " + std::string(key) + ": expected " + std::string(expected));
}

// ---- /proc/<pid>/stat ------------------------------------------------------

struct ProcStat {
    char state = 0;
    uint64_t start_time = 0;
};

bool read_proc_stat(int64_t pid, ProcStat& out) {
    if (pid <= 0) return false;
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buf[1024];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return false;
    buf[n] = '\0';
    // comm (field 2) may contain spaces and ')': fields resume after the last ')'.
    char* p = strrchr(buf, ')');
    if (!p || p[1] != ' ') return false;
    p += 2;
    out.state = *p;
    // p is at field 3; field 22 is 19 fields further.
    for (int field = 3; field < 22; ++field) {
        p = strchr(p, ' ');
        if (!p) return false;
        ++p;
    }
    out.start_time = strtoull(p, nullptr, 10);
    return true;
}

// ---- filesystem helpers ----------------------------------------------------

Result<void> mkdir_p(const std::string& path, mode_t mode) {
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST)
            return Error::sys("mkdir \"" + part + "\"", errno);
    }
    return oci::ok();
}

// rm -r of everything below dirfd (which stays open).
Result<void> remove_contents(int dirfd, const std::string& path) {
    int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return Error::sys("dup \"" + path + "\"", errno);
    std::unique_ptr<DIR, int (*)(DIR*)> d(fdopendir(dup), closedir);
    if (!d) {
        int e = errno;
        ::close(dup);
        return Error::sys("opendir \"" + path + "\"", e);
    }
    rewinddir(d.get());
    while (struct dirent* ent = readdir(d.get())) {
        std::string_view name = ent->d_name;
        if (name == "." || name == "..") continue;
        bool is_dir = ent->d_type == DT_DIR;
        if (ent->d_type == DT_UNKNOWN) {
            struct stat st {};
            if (fstatat(dirfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) is_dir = S_ISDIR(st.st_mode);
        }
        std::string child = path + "/" + ent->d_name;
        if (is_dir) {
            UniqueFd sub(openat(dirfd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) return Error::sys("open \"" + child + "\"", errno);
            TRY(remove_contents(sub.get(), child));
        }
        if (unlinkat(dirfd, ent->d_name, is_dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
            return Error::sys("remove \"" + child + "\"", errno);
    }
    return oci::ok();
}

Result<std::string> read_at(int dirfd, const char* name, const std::string& path) {
    UniqueFd fd(openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return Error::sys("open \"" + path + "\"", errno);
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("read \"" + path + "\"", errno);
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

// A container's directory: it has a state.json, or it is one whose `create`
// has not finished (or was killed): only exec.fifo, notify files and the
// records of an unfinished create.
bool is_state_dir(int rootfd, const std::string& name) {
    struct stat st {};
    if (fstatat(rootfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) return false;
    if (fstatat(rootfd, (name + "/state.json").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return S_ISREG(st.st_mode);
    UniqueFd fd(openat(rootfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return false;
    std::unique_ptr<DIR, int (*)(DIR*)> d(fdopendir(fd.get()), closedir);
    if (!d) return false;
    (void)fd.release();
    while (struct dirent* ent = readdir(d.get())) {
        std::string_view n = ent->d_name;
        if (n == "." || n == ".." || n == "exec.fifo" || n == "state.json.tmp" || n == "creating.json" ||
            n == "creating.json.tmp" || n == "init.pid" || n == "notify" || n == "notify-host")
            continue;
        return false;
    }
    return true;
}

}  // namespace

std::string record_to_json(const ContainerRecord& r) {
    Gen gen(yajl_gen_alloc(nullptr));
    yajl_gen g = gen.get();
    yajl_gen_map_open(g);
    gen_key_str(g, "id", r.id);
    gen_key_str(g, "bundle", r.bundle);
    gen_key_str(g, "rootfs", r.rootfs);
    gen_key_int(g, "pid", r.pid);
    gen_key_int(g, "pid_start_time", static_cast<long long>(r.pid_start_time));
    gen_key_str(g, "created", r.created);
    gen_key_int(g, "owner_uid", r.owner_uid);
    gen_str(g, "annotations");
    yajl_gen_map_open(g);
    for (const auto& [k, v] : r.annotations) gen_key_str(g, k, v);
    yajl_gen_map_close(g);
    gen_key_str(g, "cgroup_path", r.cgroup_path);
    gen_str(g, "cgroup_created");
    yajl_gen_array_open(g);
    for (const auto& c : r.cgroup_created) gen_str(g, c);
    yajl_gen_array_close(g);
    gen_key_bool(g, "systemd_cgroup", r.systemd_cgroup);
    gen_key_str(g, "systemd_unit", r.systemd_unit);
    gen_key_bool(g, "has_pid_namespace", r.has_pid_namespace);
    gen_key_str(g, "config_json", r.config_json);
    if (r.creating) gen_key_bool(g, "creating", true);
    yajl_gen_map_close(g);
    const unsigned char* buf = nullptr;
    size_t len = 0;
    yajl_gen_get_buf(g, &buf, &len);
    return std::string(reinterpret_cast<const char*>(buf), len);
}

Result<ContainerRecord> record_from_json(std::string_view json, std::string_view name) {
    std::string text(json);  // yajl_tree wants a NUL-terminated buffer
    char errbuf[256] = {0};
    Tree root(yajl_tree_parse(text.c_str(), errbuf, sizeof errbuf));
    if (!root) {
        std::string e = errbuf;
        while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
        return Error::msg(std::string(name) + ": invalid JSON: " + (e.empty() ? "parse error" : e));
    }
    if (!YAJL_IS_OBJECT(root.get())) return Error::msg(std::string(name) + ": expected an object");

    ContainerRecord r;
    bool have_id = false;
    const auto& obj = root->u.object;
    for (size_t i = 0; i < obj.len; ++i) {
        std::string_view key = obj.keys[i];
        yajl_val v = obj.values[i];
        auto want_str = [&](std::string& dst) -> Result<void> {
            if (!YAJL_IS_STRING(v)) return field_error(name, key, "string");
            dst = YAJL_GET_STRING(v);
            return oci::ok();
        };
        auto want_int = [&](long long& dst) -> Result<void> {
            if (!YAJL_IS_INTEGER(v)) return field_error(name, key, "integer");
            dst = YAJL_GET_INTEGER(v);
            return oci::ok();
        };
        auto want_bool = [&](bool& dst) -> Result<void> {
            if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) return field_error(name, key, "boolean");
            dst = YAJL_IS_TRUE(v);
            return oci::ok();
        };
        long long n = 0;
        if (key == "id") {
            TRY(want_str(r.id));
            have_id = true;
        } else if (key == "bundle") {
            TRY(want_str(r.bundle));
        } else if (key == "rootfs") {
            TRY(want_str(r.rootfs));
        } else if (key == "pid") {
            TRY(want_int(n));
            r.pid = n;
        } else if (key == "pid_start_time") {
            TRY(want_int(n));
            r.pid_start_time = static_cast<uint64_t>(n);
        } else if (key == "created") {
            TRY(want_str(r.created));
        } else if (key == "owner_uid") {
            TRY(want_int(n));
            r.owner_uid = static_cast<uint32_t>(n);
        } else if (key == "annotations") {
            if (!YAJL_IS_OBJECT(v)) return field_error(name, key, "object");
            for (size_t j = 0; j < v->u.object.len; ++j) {
                yajl_val av = v->u.object.values[j];
                if (!YAJL_IS_STRING(av))
                    return field_error(name, "annotations." + std::string(v->u.object.keys[j]), "string");
                r.annotations[v->u.object.keys[j]] = YAJL_GET_STRING(av);
            }
        } else if (key == "cgroup_path") {
            TRY(want_str(r.cgroup_path));
        } else if (key == "cgroup_created") {
            if (!YAJL_IS_ARRAY(v)) return field_error(name, key, "array");
            for (size_t j = 0; j < v->u.array.len; ++j) {
                yajl_val av = v->u.array.values[j];
                if (!YAJL_IS_STRING(av))
                    return field_error(name, "cgroup_created[" + std::to_string(j) + "]", "string");
                r.cgroup_created.emplace_back(YAJL_GET_STRING(av));
            }
        } else if (key == "systemd_cgroup") {
            TRY(want_bool(r.systemd_cgroup));
        } else if (key == "systemd_unit") {
            TRY(want_str(r.systemd_unit));
        } else if (key == "has_pid_namespace") {
            TRY(want_bool(r.has_pid_namespace));
        } else if (key == "config_json") {
            TRY(want_str(r.config_json));
        } else if (key == "creating") {
            TRY(want_bool(r.creating));
        }
        // Unknown keys are ignored: a newer skiff may have added fields.
    }
    if (!have_id) return Error::msg(std::string(name) + ": id: missing");
    return r;
}

std::string default_root() {
    if (geteuid() == 0) return "/run/skiff";
    const char* xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg) return std::string(xdg) + "/skiff";
    return "/run/skiff";  // as runc: fails clearly rather than guessing a shared /tmp path
}

// ---- StateDir --------------------------------------------------------------

Result<StateDir> StateDir::create(const std::string& root, const std::string& id) {
    TRY(oci::validate_container_id(id));
    TRY(mkdir_p(root, 0700));
    StateDir d;
    d.path_ = root + "/" + id;
    if (::mkdir(d.path_.c_str(), 0711) < 0) {
        if (errno == EEXIST) return Error{"container with id exists: " + id, EEXIST};
        return Error::sys("mkdir \"" + d.path_ + "\"", errno);
    }
    d.keep_ = false;  // from here on, an early return removes the directory
    d.fd_.reset(::open(d.path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d.fd_) return Error::sys("open \"" + d.path_ + "\"", errno);
    if (flock(d.fd_.get(), LOCK_EX) < 0) return Error::sys("lock \"" + d.path_ + "\"", errno);
    return d;
}

Result<StateDir> StateDir::open(const std::string& root, const std::string& id) {
    return open_impl(root, id, true);
}

Result<StateDir> StateDir::peek(const std::string& root, const std::string& id) {
    return open_impl(root, id, false);
}

Result<StateDir> StateDir::open_impl(const std::string& root, const std::string& id, bool lock) {
    TRY(oci::validate_container_id(id));
    std::string path = root + "/" + id;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return Error{"container does not exist: " + id, ENOENT};
        return Error::sys("open \"" + path + "\"", errno);
    }
    if (lock && flock(fd.get(), LOCK_EX) < 0) return Error::sys("lock \"" + path + "\"", errno);
    // The holder of the lock we waited for may have deleted the container.
    struct stat st {};
    if (fstat(fd.get(), &st) == 0 && st.st_nlink == 0)
        return Error{"container does not exist: " + id, ENOENT};
    StateDir d;
    d.path_ = std::move(path);
    d.fd_ = std::move(fd);
    d.keep_ = true;
    return d;
}

StateDir::StateDir(StateDir&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), keep_(std::exchange(o.keep_, true)) {
    o.path_.clear();
}

StateDir& StateDir::operator=(StateDir&& o) noexcept {
    if (this != &o) {
        if (!keep_ && !path_.empty()) (void)remove();
        path_ = std::move(o.path_);
        o.path_.clear();
        fd_ = std::move(o.fd_);
        keep_ = std::exchange(o.keep_, true);
    }
    return *this;
}

StateDir::~StateDir() {
    if (!keep_ && !path_.empty()) (void)remove();
}

Result<void> StateDir::write_atomic(const char* name, const std::string& data) {
    const std::string tmp = std::string(name) + ".tmp";
    const std::string tmp_path = path_ + "/" + tmp;
    {
        UniqueFd fd(openat(fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) return Error::sys("open \"" + tmp_path + "\"", errno);
        size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Error::sys("write \"" + tmp_path + "\"", errno);
            off += static_cast<size_t>(n);
        }
    }
    if (renameat(fd_.get(), tmp.c_str(), fd_.get(), name) < 0)
        return Error::sys("rename \"" + tmp_path + "\" to \"" + name + "\"", errno);
    return oci::ok();
}

Result<void> StateDir::save(const ContainerRecord& r) { return write_atomic("state.json", record_to_json(r)); }

Result<void> StateDir::save_creating(const ContainerRecord& r) {
    return write_atomic("creating.json", record_to_json(r));
}

Result<void> StateDir::save_init_pid(int64_t pid, uint64_t start_time) {
    // One small write of a new file: a reader sees all of it or none (a
    // kill mid-way leaves an empty file, read as "no pid yet").
    const std::string p = path_ + "/init.pid";
    UniqueFd fd(openat(fd_.get(), "init.pid", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Error::sys("open \"" + p + "\"", errno);
    const std::string data = std::to_string(pid) + " " + std::to_string(start_time) + "\n";
    if (::write(fd.get(), data.data(), data.size()) != ssize_t(data.size()))
        return Error::sys("write \"" + p + "\"", errno ? errno : EIO);
    return oci::ok();
}

Result<ContainerRecord> StateDir::load() const {
    std::string p = path_ + "/state.json";
    TRY_ASSIGN(std::string text, read_at(fd_.get(), "state.json", p));
    return record_from_json(text, p);
}

Result<ContainerRecord> StateDir::load_or_creating(const std::string& id) const {
    auto r = load();
    if (r || r.error().err != ENOENT) return r;
    struct stat st {};
    if (fstat(fd_.get(), &st) < 0) return Error::sys("stat \"" + path_ + "\"", errno);
    if (st.st_nlink == 0) return Error{"container does not exist: " + id, ENOENT};  // deleted meanwhile
    ContainerRecord rec;
    if (auto text = read_at(fd_.get(), "creating.json", path_ + "/creating.json"); text) {
        TRY_ASSIGN(rec, record_from_json(*text, path_ + "/creating.json"));
    } else if (text.error().err != ENOENT) {
        return std::move(text).error();
    } else {
        rec.id = id;  // killed before its first record: nothing but the directory exists
        rec.owner_uid = st.st_uid;
    }
    rec.creating = true;
    if (auto text = read_at(fd_.get(), "init.pid", path_ + "/init.pid"); text) {
        long long pid = 0;
        unsigned long long start = 0;
        if (sscanf(text->c_str(), "%lld %llu", &pid, &start) == 2 && pid > 0) {
            rec.pid = pid;
            rec.pid_start_time = start;
        }
    }
    return rec;
}

Result<void> StateDir::remove() {
    if (path_.empty()) return oci::ok();
    // The files every finished create leaves, then the directory; only if
    // something else is there (exec.fifo of a container never started, a
    // temp file of a create killed mid-write) the walk over what is left.
    static constexpr const char* kKnown[] = {"state.json", "creating.json", "init.pid"};
    if (fd_)
        for (const char* name : kKnown)
            if (unlinkat(fd_.get(), name, 0) < 0 && errno != ENOENT)
                return Error::sys("remove \"" + path_ + "/" + name + "\"", errno);
    if (::rmdir(path_.c_str()) < 0 && errno != ENOENT) {
        if ((errno != ENOTEMPTY && errno != EEXIST) || !fd_) return Error::sys("rmdir \"" + path_ + "\"", errno);
        TRY(remove_contents(fd_.get(), path_));
        if (::rmdir(path_.c_str()) < 0 && errno != ENOENT) return Error::sys("rmdir \"" + path_ + "\"", errno);
    }
    fd_.reset();
    keep_ = true;  // nothing left for the destructor to do
    return oci::ok();
}

// ---- queries ---------------------------------------------------------------

Result<std::vector<std::string>> list_ids(const std::string& root) {
    std::vector<std::string> ids;
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(root.c_str()), closedir);
    if (!d) {
        if (errno == ENOENT) return ids;
        return Error::sys("open \"" + root + "\"", errno);
    }
    while (struct dirent* ent = readdir(d.get())) {
        std::string name = ent->d_name;
        if (!oci::validate_container_id(name).ok()) continue;  // also skips "." and ".."
        if (name == ".cache") continue;  // compiled seccomp programs
        if (is_state_dir(dirfd(d.get()), name)) ids.push_back(std::move(name));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

uint64_t process_start_time(int64_t pid) {
    ProcStat st;
    return read_proc_stat(pid, st) ? st.start_time : 0;
}

oci::Status compute_status(const ContainerRecord& r, int statedir_fd) {
    if (r.creating) return oci::Status::Creating;
    ProcStat st;
    if (!read_proc_stat(r.pid, st)) return oci::Status::Stopped;
    if (st.state == 'Z' || st.state == 'X') return oci::Status::Stopped;
    if (r.pid_start_time != 0 && st.start_time != r.pid_start_time) return oci::Status::Stopped;
    if (statedir_fd >= 0 && faccessat(statedir_fd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return oci::Status::Created;
    if (!r.cgroup_path.empty()) {
        std::string p = r.cgroup_path + "/cgroup.freeze";
        UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
        char c = 0;
        if (fd && ::read(fd.get(), &c, 1) == 1 && c == '1') return oci::Status::Paused;
    }
    return oci::Status::Running;
}

oci::State to_oci_state(const ContainerRecord& r, oci::Status s) {
    oci::State st;
    st.ociVersion = SKIFF_SPEC_VERSION;
    st.id = r.id;
    st.status = s;
    if (s != oci::Status::Stopped) st.pid = r.pid;
    st.bundle = r.bundle;
    if (!r.annotations.empty()) st.annotations = r.annotations;
    return st;
}

}  // namespace skiff::core
