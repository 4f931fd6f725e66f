// `checkpoint`: CRIU dumps (or pre-dumps) the container's process tree into
// the image directory, as runc: the container's root, its bind mounts,
// device nodes and masked files declared external, joined namespaces
// declared external under runc's keys, the init's stdio recorded in
// descriptors.json.  Without --leave-running (or with --pre-dump) CRIU
// kills the tree after the dump: the container is then stopped, and
// `delete` or a `restore` of the same id cleans it.  A failure changes
// nothing: CRIU resumes the tree, and the directories skiff made for it are
// removed again.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/container.hpp"
#include "core/criu.hpp"
#include "core/lifecycle.hpp"
#include "ocispec/json.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

std::string proc_path(int64_t pid, const std::string& rest) { return "/proc/" + std::to_string(pid) + rest; }

// runc's addMaskPaths: a masked file is /dev/null bound over it.
void add_masked_files(const oci::Config& cfg, int64_t pid, std::vector<std::string>& args) {
    if (!cfg.linux || !cfg.linux->maskedPaths) return;
    for (const std::string& p : *cfg.linux->maskedPaths) {
        struct stat st;
        if (stat(proc_path(pid, "/root" + p).c_str(), &st) < 0 || S_ISDIR(st.st_mode)) continue;
        args.insert(args.end(), {"--ext-mount-map", p + ":/dev/null"});
    }
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) continue;  // a file name with a newline: not a pipe
        out += ch;
    }
    return out + "\"";
}

// The mount ids of the init's mount namespace.
std::set<std::string> mount_ids(int64_t pid) {
    std::set<std::string> ids;
    std::ifstream f(proc_path(pid, "/mountinfo"));
    std::string line;
    while (std::getline(f, line)) ids.insert(line.substr(0, line.find(' ')));
    return ids;
}

// "file[MNT:INO]" (CRIU's key, hex) when fd is a file on a mount the
// container does not have (conmon's /dev/null as stdin), else "".
std::string outside_file(int64_t pid, int fd, const std::set<std::string>& mounts) {
    std::ifstream info(proc_path(pid, "/fdinfo/" + std::to_string(fd)));
    std::string line, mnt;
    while (std::getline(info, line))
        if (line.rfind("mnt_id:", 0) == 0) mnt = line.substr(line.find_first_not_of(" \t", 7));
    struct stat st;
    if (mnt.empty() || mounts.count(mnt) || stat(proc_path(pid, "/fd/" + std::to_string(fd)).c_str(), &st) < 0 ||
        S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return "";
    char key[64];
    snprintf(key, sizeof key, "file[%x:%llx]", unsigned(std::stoul(mnt)), (unsigned long long)st.st_ino);
    return key;
}

// The init's fds 0-2 as /proc shows them ("pipe:[123]", "/dev/null"): restore
// hands a pipe back with --inherit-fd, as runc's descriptors.json; a file
// outside the container's mounts is external to CRIU (--external), under
// its key, and handed back the same way.
std::string stdio_json(int64_t pid, std::vector<std::string>& args) {
    const std::set<std::string> mounts = mount_ids(pid);
    std::string out = "[";
    for (int fd = 0; fd < 3; ++fd) {
        char buf[4096];
        const ssize_t n = readlink(proc_path(pid, "/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf - 1);
        std::string what = n > 0 ? std::string(buf, size_t(n)) : std::string("/dev/null");
        if (n > 0) {
            if (std::string key = outside_file(pid, fd, mounts); !key.empty()) {
                args.insert(args.end(), {"--external", key});
                what = key;
            }
        }
        out += (fd ? "," : "") + json_string(what);
    }
    return out + "]";
}

Result<void> write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::trunc);
    f << text << '\n';
    f.close();
    if (!f) return Error::sys("write " + path, errno ? errno : EIO);
    return {};
}

}  // namespace

Result<void> checkpoint(const GlobalOptions& g, const CheckpointOptions& o) {
    TRY_ASSIGN(Opened c, open_container(g, o.id));
    // runc: a running or a paused one (CRIU freezes through the cgroup)
    if (c.status != oci::Status::Running && c.status != oci::Status::Paused)
        return Error::msg("cannot checkpoint container " + o.id + ": container is " +
                          std::string(oci::enum_name(c.status)));
    TRY_ASSIGN(const std::string binary, criu::find_binary(g.criu));
    TRY_ASSIGN(const oci::Config cfg, oci::parse_config(c.rec.config_json, c.dir.path() + "/state.json"));
    const std::string work = o.criu.work_path.empty() ? o.criu.image_path : o.criu.work_path;
    TRY_ASSIGN(criu::MadeDir image_dir, criu::MadeDir::ensure(o.criu.image_path));
    TRY_ASSIGN(criu::MadeDir work_dir, criu::MadeDir::ensure(work));
    criu::Run r;
    const std::string stdio = stdio_json(c.rec.pid, r.args);
    r.action = o.pre_dump ? "pre-dump" : "dump";
    r.log_path = work + (o.pre_dump ? "/pre-dump.log" : "/dump.log");
    r.args.insert(r.args.end(), {"-t", std::to_string(c.rec.pid), "--images-dir", o.criu.image_path, "--work-dir",
                                 work, "--root", c.rec.rootfs});
    auto common = criu::common_args(o.criu);
    r.args.insert(r.args.end(), common.begin(), common.end());
    // as runc: CRIU stops the tree with the cgroup freezer (a paused
    // container stays frozen), not with ptrace and SIGSTOP one task at a time
    if (!c.rec.cgroup_path.empty()) r.args.insert(r.args.end(), {"--freeze-cgroup", c.rec.cgroup_path});
    if (o.leave_running && !o.pre_dump) r.args.push_back("--leave-running");
    if (o.pre_dump || !o.parent_path.empty()) r.args.push_back("--track-mem");
    if (!o.parent_path.empty()) r.args.insert(r.args.end(), {"--prev-images-dir", o.parent_path});
    for (const auto& [dest, src] : criu::external_mounts(cfg)) {
        (void)src;
        r.args.insert(r.args.end(), {"--ext-mount-map", dest + ":" + dest});
    }
    add_masked_files(cfg, c.rec.pid, r.args);
    for (const criu::ExternalNs& ns : criu::external_namespaces(cfg)) {
        struct stat st;
        if (stat(ns.path.c_str(), &st) < 0) return Error::sys("stat " + ns.path, errno);
        r.args.insert(r.args.end(), {"--external", ns.flag + "[" + std::to_string(st.st_ino) + "]:" + ns.key});
    }
    r.log_kept = !work_dir.made() && !(work == o.criu.image_path && image_dir.made());
    TRY(criu::run(binary, r));
    if (!o.pre_dump) TRY(write_text(o.criu.image_path + "/descriptors.json", stdio));
    image_dir.commit();
    work_dir.commit();
    return {};
}

}  // namespace skiff::core
