#include "cgroups/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <fstream>
#include <sstream>

#include "common/clock.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Layout detect_layout() { return linux::detect_cgroup_layout(); }

const char* layout_name(Layout l) {
    switch (l) {
        case Layout::Unified: return "cgroup v2";
        case Layout::Hybrid: return "hybrid (cgroup v1 controllers, cgroup2 at /sys/fs/cgroup/unified)";
        case Layout::Legacy: return "cgroup v1";
    }
    return "?";
}

namespace {

// Resources that need cgroup controllers (devices are also enforced by the
// nodes skiff creates; on v2 the BPF filter is added by the cgroup driver).
const char* first_limit_field(const oci::Resources& r) {
    if (r.memory && !(r.memory == oci::MemoryResources{})) return "linux.resources.memory";
    if (r.cpu && !(r.cpu == oci::CpuResources{})) return "linux.resources.cpu";
    if (r.pids && r.pids->limit != 0) return "linux.resources.pids";  // 0: not set (pids.cpp)
    if (r.blockIO && !(r.blockIO == oci::BlockIOResources{})) return "linux.resources.blockIO";
    if (r.hugepageLimits && !r.hugepageLimits->empty()) return "linux.resources.hugepageLimits";
    if (r.rdma && !r.rdma->empty()) return "linux.resources.rdma";
    if (r.unified && !r.unified->empty()) return "linux.resources.unified";
    return nullptr;
}

std::string own_cgroup() {
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    return "/";
}

std::string clean_join(const std::string& a, const std::string& b) {
    std::string out = a;
    if (out.empty() || out.back() != '/') out += '/';
    out += b;
    // collapse "//"
    std::string r;
    for (char ch : out)
        if (!(ch == '/' && !r.empty() && r.back() == '/')) r += ch;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return r;
}

}  // namespace

// ---- rootless: a cgroup the caller may write ----
// A caller that is not root of the initial user namespace cannot make
// cgroups where none was given to it: it gets one only inside a subtree
// delegated to it (writable, e.g. a systemd user session's with
// Delegate=yes), else none.  Limits it asks for without a cgroup are
// refused with the field, as runc and crun do, rather than dropped.
namespace {

// The deepest existing directory on the way to `path`: where mkdir happens.
std::string existing_ancestor(std::string path) {
    struct stat st;
    while (path.size() > 1 && stat(path.c_str(), &st) != 0) path.erase(path.rfind('/') == 0 ? 1 : path.rfind('/'));
    return path;
}

Result<void> plan_rootless_cgroup(CgroupPlan& p, const oci::Resources* res) {
    const std::string at = existing_ancestor(p.path);
    const std::string probe = at == p.path ? p.path + "/cgroup.procs" : at;
    if (faccessat(AT_FDCWD, probe.c_str(), W_OK, AT_EACCESS) == 0) {
        log::debug("cgroups: rootless: using the delegated cgroup subtree at " + at);
        return {};
    }
    if (res)
        if (const char* field = first_limit_field(*res))
            return Error::msg(std::string(field) + ": a rootless container gets a cgroup only inside a subtree delegated to its user, and \"" +
                              at + "\" is not writable by uid " + std::to_string(geteuid()) +
                              " (drop the limits, or run skiff in a delegated cgroup, e.g. `systemd-run --user --scope -p Delegate=yes`)");
    log::debug("cgroups: rootless: \"" + at + "\" is not writable (no delegated cgroup): running without a container cgroup");
    p = CgroupPlan{};
    return {};
}

}  // namespace
// ---- end rootless -----------------------------------------------------------

Result<CgroupPlan> plan_cgroup(const oci::Config& c, const std::string& id, const linux::HostFacts& host) {
    CgroupPlan p;
    const Layout layout = host.cgroup_layout;
    const oci::Resources* res = c.linux && c.linux->resources ? &*c.linux->resources : nullptr;
    if (layout != Layout::Unified) {
        if (res)
            if (const char* field = first_limit_field(*res))
                return Error::msg(std::string(field) + ": skiff needs cgroup v2 to apply resource limits, and this host is " +
                                  layout_name(layout) +
                                  " (run skiff in a cgroup v2 view, boot with systemd.unified_cgroup_hierarchy=1, or drop the limits; see `skiff check`)");
        log::debug(std::string("cgroups: ") + layout_name(layout) + ": running without a container cgroup");
        return p;
    }
    std::string rel = c.linux && c.linux->cgroupsPath ? *c.linux->cgroupsPath : "";
    if (rel.find(':') != std::string::npos && rel.front() != '/')
        return Error::msg("linux.cgroupsPath \"" + rel +
                          "\": the systemd form slice:prefix:name needs --systemd-cgroup");
    if (rel.empty())
        rel = "/" + id;
    else if (rel.front() != '/')
        rel = clean_join(own_cgroup(), rel);
    for (size_t pos = 0; pos != std::string::npos;) {
        size_t next = rel.find('/', pos + 1);
        std::string comp = rel.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
        if (comp == "..") return Error::msg("linux.cgroupsPath \"" + rel + "\": must not contain \"..\"");
        pos = next;
    }
    p.enabled = true;
    p.path = clean_join(kRoot, rel);
    if (!host.privileged()) TRY(plan_rootless_cgroup(p, res));
    return p;
}

namespace {

// cgroup.freeze of an existing cgroup is "1": it or everything cloned into
// it stops; the v2 freezer is inherited by every cgroup made below it.
bool freeze_requested(const std::string& dir) {
    UniqueFd fd(open((dir + "/cgroup.freeze").c_str(), O_RDONLY | O_CLOEXEC));
    char c = 0;
    return fd && read(fd.get(), &c, 1) == 1 && c == '1';
}

// Calls f(prefix) for each component of path below root, shallowest first.
template <typename F>
void for_each_component(const std::string& root, const std::string& path, F f) {
    for (size_t pos = root.size(); pos != std::string::npos;) {
        size_t next = path.find('/', pos + 1);
        std::string prefix = path.substr(0, next);
        if (prefix.size() > root.size()) f(prefix);
        pos = next;
    }
}

}  // namespace

std::vector<std::string> missing_components(const CgroupPlan& p, const std::string& root) {
    std::vector<std::string> out;
    if (!p.enabled) return out;
    for_each_component(root, p.path, [&](const std::string& prefix) {
        struct stat st;
        if (!out.empty() || stat(prefix.c_str(), &st) != 0) out.push_back(prefix);
    });
    return out;
}

Result<Cgroup> Cgroup::create(const CgroupPlan& p, const std::string& root, const std::vector<std::string>* missing) {
    Cgroup cg;
    if (!p.enabled) return cg;
    cg.path_ = p.path;
    cg.root_ = root;
    // Shallowest first.  An existing component is read for cgroup.freeze
    // before anything is made below it: a frozen one (or parent) would
    // freeze the init at birth and leave create waiting for it forever.
    // Below a component made here everything is new: no freeze to read.
    std::string frozen;
    Result<void> made = {};
    for_each_component(root, p.path, [&](const std::string& prefix) {
        if (!made || !frozen.empty()) return;
        const bool below_made = !cg.created_.empty();
        const bool exists = !below_made && missing &&
                            std::find(missing->begin(), missing->end(), prefix) == missing->end();
        if (!exists) {
            if (mkdir(prefix.c_str(), 0755) == 0) {
                cg.created_.push_back(prefix);
                return;
            }
            if (errno != EEXIST) {
                made = Error::sys("create cgroup \"" + prefix + "\"", errno);
                return;
            }
        }
        if (freeze_requested(prefix)) frozen = prefix;
    });
    TRY(std::move(made));
    if (!frozen.empty())
        return Error::msg("cgroup \"" + frozen + "\" is frozen (cgroup.freeze is 1)" +
                          (frozen == p.path ? "" : ", a parent of \"" + p.path + "\"") +
                          ": cannot start a container in a frozen cgroup; thaw it first");
    int fd = open(p.path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::sys("open cgroup \"" + p.path + "\"", errno);
    cg.fd_.reset(fd);
    return cg;
}

Cgroup::~Cgroup() {
    if (committed_ || created_.empty()) return;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) rmdir(it->c_str());
}

Result<void> Cgroup::add_pid(pid_t pid) const {
    std::string file = path_ + "/cgroup.procs";
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Error::sys("open " + file, errno);
    UniqueFd g(fd);
    std::string s = std::to_string(pid);
    if (write(fd, s.data(), s.size()) < 0) return Error::sys("write " + file, errno);
    return {};
}

namespace {

// The names of the cgroups directly below dir.
std::vector<std::string> child_cgroups(const std::string& dir) {
    std::vector<std::string> out;
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
    if (!d) return out;
    while (dirent* e = readdir(d.get())) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        out.push_back(dir + "/" + e->d_name);
    }
    return out;
}

Result<void> collect_pids(const std::string& path, bool top, std::vector<pid_t>& out) {
    std::ifstream f(path + "/cgroup.procs");
    if (!f) {
        // a child cgroup removed while we walk is not an error
        if (!top) return {};
        return Error::sys("open " + path + "/cgroup.procs", errno ? errno : ENOENT);
    }
    pid_t p;
    while (f >> p) out.push_back(p);
    for (const auto& child : child_cgroups(path)) TRY(collect_pids(child, false, out));
    return {};
}

// rmdir the cgroups below path, deepest first, then path itself: 0 or the
// first errno (EBUSY while processes are still dying).
int rmdir_tree(const std::string& path) {
    int first = 0;
    for (const auto& child : child_cgroups(path))
        if (int e = rmdir_tree(child); e && !first) first = e;
    if (rmdir(path.c_str()) < 0 && errno != ENOENT && !first) first = errno;
    return first;
}

// "populated" of cgroup.events: processes in the cgroup or below it.  An
// events file that cannot be read counts as populated.
bool populated(int events_fd) {
    char buf[128];
    ssize_t n = events_fd < 0 ? -1 : pread(events_fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return true;
    buf[n] = 0;
    const char* p = strstr(buf, "populated ");
    return !p || p[10] != '0';
}

// The slow path of destroy: something is left in the cgroup.  What is left
// of the container's processes gets one cgroup.kill (or, without it, a
// SIGKILL each); then the subtree is removed once they are gone.
Result<void> empty_and_remove(const std::string& path, bool killed) {
    UniqueFd events(open((path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    if (!events && errno == ENOENT && access(path.c_str(), F_OK) != 0) return {};  // removed meanwhile
    if (!killed && populated(events.get()) && !kill_all(path))
        if (auto ps = pids(path); ps)
            for (pid_t p : *ps) ::kill(p, SIGKILL);
    const int64_t deadline = monotonic_ms() + 10000;
    for (;;) {
        int e = rmdir_tree(path);
        if (e == 0) return {};
        if (e != EBUSY || monotonic_ms() >= deadline)
            return Error::sys("remove cgroup \"" + path + "\" and the cgroups below it", e);
        // The dying processes leave: cgroup.events changes (POLLPRI) when
        // the last one has; at least every 10 ms, as notifications are
        // rate-limited and one may come between the read and the poll.
        if (events && populated(events.get())) {
            pollfd p{events.get(), POLLPRI, 0};
            poll(&p, 1, 10);
        } else {
            usleep(1000);
        }
    }
}

}  // namespace

Result<std::vector<pid_t>> pids(const std::string& path) {
    std::vector<pid_t> out;
    TRY(collect_pids(path, true, out));
    return out;
}

bool kill_all(const std::string& path) {
    const std::string file = path + "/cgroup.kill";
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, "1", 1) == 1;
    if (!ok) log::debug("write 1 to " + file + ": " + strerror(errno));
    if (fd >= 0) close(fd);
    return ok;
}

Result<void> destroy(const std::string& path, const std::vector<std::string>& created, bool killed) {
    if (path.empty()) return {};
    // The leaf may be missing (already removed, or a create killed before
    // it made it) while parents skiff made are still there.
    if (rmdir(path.c_str()) < 0 && errno != ENOENT) {
        if (errno != EBUSY && errno != ENOTEMPTY) return Error::sys("remove cgroup \"" + path + "\"", errno);
        log::debug("cgroups: rmdir " + path + ": " + strerror(errno) + ": slow path");
        TRY(empty_and_remove(path, killed));
    }
    for (auto it = created.rbegin(); it != created.rend(); ++it)
        if (*it != path && rmdir(it->c_str()) < 0 && errno != ENOENT && errno != EBUSY &&
            errno != ENOTEMPTY)
            return Error::sys("remove cgroup \"" + *it + "\"", errno);
    return {};
}

}  // namespace skiff::cgroups
