// `restore`: a container made again from a CRIU image, as runc: the bundle's
// config gives the id's cgroup (made first, with its limits; CRIU runs in
// it and puts the tree there under --cgroup-root), the container's root is
// bound at <state>/criu-root for CRIU's --root, bind mounts, device nodes
// and masked files are handed back as external mounts, joined namespaces
// as inherited fds under runc's keys, and stdio pipes recorded in
// descriptors.json are replaced by restore's own.  CRIU restores the init
// as skiff's child (--restore-sibling), so a foreground restore supervises
// it as `run` does.  Any failure unwinds: the state dir, the cgroup and
// the root bind go, and CRIU kills what it restored.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "cgroups/manager.hpp"
#include "common/file.hpp"
#include "common/log.hpp"
#include "core/cgroup_record.hpp"
#include "core/container.hpp"
#include "core/criu.hpp"
#include "core/lifecycle.hpp"
#include "core/rootless.hpp"
#include "linux/safepath.hpp"
#include "ocispec/json.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

// The container's root bound at <state dir>/criu-root while CRIU runs:
// unmounted and removed again when done, whatever happened.
class RootBind {
  public:
    explicit RootBind(std::string at) : at_(std::move(at)) {}
    RootBind(const RootBind&) = delete;
    RootBind& operator=(const RootBind&) = delete;
    ~RootBind() { undo(); }
    // Once CRIU is done: the restored mount namespace holds its own copy.
    void undo() {
        if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
        if (made_) ::rmdir(at_.c_str());
        mounted_ = made_ = false;
    }
    Result<void> bind(const std::string& rootfs) {
        if (::mkdir(at_.c_str(), 0755) < 0) return Error::sys("mkdir " + at_, errno);
        made_ = true;
        if (::mount(rootfs.c_str(), at_.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            return Error::sys("bind " + rootfs + " on " + at_, errno);
        mounted_ = true;
        return {};
    }
    const std::string& path() const { return at_; }

  private:
    std::string at_;
    bool made_ = false, mounted_ = false;
};

// The strings of descriptors.json (a JSON array of three), "" when absent.
std::vector<std::string> read_descriptors(const std::string& image_dir) {
    std::vector<std::string> out;
    auto text = read_file(image_dir + "/descriptors.json");
    if (!text) return out;
    std::string cur;
    bool in = false, esc = false;
    for (char ch : *text) {
        if (in && esc) {
            cur += ch;
            esc = false;
        } else if (in && ch == '\\') {
            esc = true;
        } else if (ch == '"') {
            if (in) out.push_back(std::move(cur));
            cur.clear();
            in = !in;
        } else if (in) {
            cur += ch;
        }
    }
    return out;
}

// A stopped container of that id (what `checkpoint` leaves) is deleted
// first, as runc's checkpoint itself would have; any other is in the way.
Result<void> clear_stopped(const GlobalOptions& g, const std::string& id) {
    auto c = open_container(g, id);
    if (!c) return c.error().err == ENOENT ? Result<void>{} : std::move(c).error();
    if (c->status != oci::Status::Stopped)
        return Error{"container with id exists: " + id + " (" + std::string(oci::enum_name(c->status)) + ")", EEXIST};
    return destroy(c->dir, c->rec, c->status);
}

// The mount targets that the root lacks (an imported rootfs, a file the
// runtime made at create), made as runc's prepareCriuRestoreMounts: CRIU
// mounts onto them.  Resolved and made inside the root (openat2
// RESOLVE_IN_ROOT), as create's mounts: a symlink in a hostile image never
// makes a directory or file on the host.
Result<void> make_mount_targets(const std::string& rootfs, const oci::Config& cfg) {
    namespace sp = linux::safepath;
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return Error::sys("open root " + rootfs, errno);
    auto make = [&](const std::string& dest, sp::Leaf leaf) -> Result<void> {
        const std::string rel = sp::clean(dest);
        if (rel.empty()) return {};
        auto have = sp::open_in_root(root.get(), rel, O_PATH);
        if (have) return {};
        if (have.error().err != ENOENT) return std::move(have).error().wrap("mount target " + dest);
        auto made = sp::create_in_root(root.get(), rel, leaf);
        if (!made) return std::move(made).error().wrap("make mount target " + dest + " in " + rootfs);
        return {};
    };
    for (const oci::Mount& m : cfg.mounts.value_or(std::vector<oci::Mount>{}))  // proc, tmpfs, ...: directories
        if (!criu::is_bind(m)) TRY(make(m.destination, sp::Leaf::Directory));
    for (const auto& [dest, src] : criu::external_mounts(cfg)) {
        struct stat st;
        if (::stat(src.c_str(), &st) < 0) continue;  // CRIU names a missing source itself
        TRY(make(dest, S_ISDIR(st.st_mode) ? sp::Leaf::Directory : sp::Leaf::File));
    }
    return {};
}

Result<int64_t> read_pid(const std::string& path) {
    TRY_ASSIGN(std::string text, read_file(path));
    const long long pid = std::atoll(text.c_str());
    if (pid <= 0) return Error::msg(path + ": no pid in \"" + text + "\"");
    return int64_t(pid);
}

}  // namespace

Result<int> restore(const GlobalOptions& g, const RestoreOptions& o) {
    const CreateOptions& co = o.create;
    TRY(oci::validate_container_id(co.id));
    if (!co.console_socket.empty())
        return Error::msg("--console-socket: not supported: CRIU hands a restored terminal over only through its "
                          "RPC (orphan-pts-master), and skiff drives criu's command line");
    TRY_ASSIGN(const std::string binary, criu::find_binary(g.criu));
    const std::string config_path = co.bundle + "/config.json";
    TRY_ASSIGN(oci::Config cfg, oci::load_config(config_path));
    TRY(oci::validate_config(cfg, config_path));
    if (!cfg.process) return Error::msg(config_path + ": process: required to restore a container");
    struct stat st;
    if (stat((o.criu.image_path + "/inventory.img").c_str(), &st) < 0)
        return Error::sys("image path " + o.criu.image_path + ": no CRIU image (inventory.img)", errno);
    const std::string work = o.criu.work_path.empty() ? o.criu.image_path : o.criu.work_path;
    TRY_ASSIGN(criu::MadeDir work_dir, criu::MadeDir::ensure(work));

    TRY(clear_stopped(g, co.id));
    TRY(check_state_root(g.host, g.root));
    TRY_ASSIGN(StateDir dir, StateDir::create(g.root, co.id));
    const auto cgroup = cgroups::make_manager(g.systemd_cgroup ? cgroups::Driver::Systemd : cgroups::Driver::Fs, g.host);
    TRY(cgroup->plan(cfg, co.id));
    ContainerRecord rec;
    rec.id = co.id;
    rec.bundle = co.bundle;
    rec.rootfs = cfg.root ? (cfg.root->path.front() == '/' ? cfg.root->path : co.bundle + "/" + cfg.root->path) : "";
    rec.created = rfc3339_now();
    rec.owner_uid = g.host.euid;
    if (cfg.annotations) rec.annotations = *cfg.annotations;
    record_cgroup(rec, cgroup->placement());
    rec.has_pid_namespace = oci::find_namespace(cfg, oci::NamespaceType::Pid) != nullptr;
    rec.config_json = oci::write_config(cfg, false);
    rec.creating = true;
    TRY(dir.save_creating(rec));
    TRY_ASSIGN(cgroups::NewCgroup cg, cgroup->create(cfg, co.id));
    record_cgroup(rec, cg.placement());

    TRY(make_mount_targets(rec.rootfs, cfg));
    RootBind root(dir.path() + "/criu-root");
    TRY(root.bind(rec.rootfs));

    criu::Run r;
    r.action = "restore";
    r.log_path = work + "/restore.log";
    const std::string pidfile = dir.path() + "/criu.pid";
    r.args = {"--images-dir", o.criu.image_path, "--work-dir", work, "--root", root.path(),
              "--restore-detached", "--restore-sibling", "--pidfile", pidfile, "--evasive-devices"};
    auto common = criu::common_args(o.criu);
    r.args.insert(r.args.end(), common.begin(), common.end());
    const std::string& cg_path = cg.placement().path;
    if (cg_path.size() > std::string(cgroups::kRoot).size())
        r.args.insert(r.args.end(), {"--cgroup-root", cg_path.substr(std::string(cgroups::kRoot).size())});
    for (const auto& [dest, src] : criu::external_mounts(cfg))
        r.args.insert(r.args.end(), {"--ext-mount-map", dest + ":" + src});
    if (cfg.linux && cfg.linux->maskedPaths && !cfg.linux->maskedPaths->empty())
        r.args.insert(r.args.end(), {"--ext-mount-map", "/dev/null:/dev/null"});
    std::vector<UniqueFd> inherited;
    for (const criu::ExternalNs& ns : criu::external_namespaces(cfg)) {
        UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return Error::sys("open " + ns.path, errno);
        r.args.insert(r.args.end(), {"--inherit-fd", "fd[" + std::to_string(fd.get()) + "]:" + ns.key});
        r.keep_fds.push_back(fd.get());
        inherited.push_back(std::move(fd));
    }
    const std::vector<std::string> stdio = read_descriptors(o.criu.image_path);
    for (size_t i = 0; i < stdio.size() && i < 3; ++i) {
        if (stdio[i].rfind("pipe:", 0) != 0 && stdio[i].rfind("file[", 0) != 0) continue;
        UniqueFd fd(::fcntl(int(i), F_DUPFD_CLOEXEC, 3));
        if (!fd) continue;  // our own fd i is closed: the image's pipe stays unconnected
        r.args.insert(r.args.end(), {"--inherit-fd", "fd[" + std::to_string(fd.get()) + "]:" + stdio[i]});
        r.keep_fds.push_back(fd.get());
        inherited.push_back(std::move(fd));
    }
    r.cgroup_fd = cg.fd();
    r.log_kept = !work_dir.made();
    TRY(criu::run(binary, r));
    root.undo();

    TRY_ASSIGN(const int64_t pid, read_pid(pidfile));
    UniqueFd pidfd(int(syscall(SYS_pidfd_open, pid_t(pid), 0)));
    if (!pidfd) return Error::sys("restored init " + std::to_string(pid), errno);
    ChildGuard child(pid_t(pid), std::move(pidfd));
    ::unlink(pidfile.c_str());
    rec.pid = pid;
    rec.pid_start_time = process_start_time(pid);
    rec.creating = false;
    TRY(dir.save(rec));
    if (!co.pid_file.empty()) TRY(write_pid_file(co.pid_file, pid_t(pid)));
    cg.commit();
    dir.commit();
    work_dir.commit();
    UniqueFd init = child.release_pidfd();
    if (co.detach) return 0;

    // Foreground, as `run`: the restored init is our child.
    flock(dir.fd(), LOCK_UN);
    TRY_ASSIGN(int code, supervise(init.get(), -1));
    flock(dir.fd(), LOCK_EX);
    if (auto d = destroy(dir, rec, oci::Status::Stopped); !d) log::warn(d.error().message);
    return code;
}

}  // namespace skiff::core
