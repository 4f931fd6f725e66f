// `exec`: run a new process in an existing container.  Like runc, the
// process starts from the container's own process spec (or -p FILE) with the
// command-line overrides applied, and gets its namespaces, cgroup,
// capabilities, rlimits, no_new_privs and seccomp filter.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/file.hpp"
#include "common/log.hpp"
#include "common/timings.hpp"
#include "core/cgroup_record.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"
#include "linux/namespaces.hpp"
#include "ocispec/json.hpp"
#include "proc/fds.hpp"
#include "proc/init.hpp"
#include "proc/serve.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;
using oci::Status;

namespace {

Result<uint32_t> parse_id(const std::string& s, const char* what) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || v > 0xffffffffUL)
        return Error::msg(std::string(what) + ": \"" + s + "\" is not a numeric id");
    return uint32_t(v);
}

// The process to run: -p FILE, or the container's process with the flags applied.
Result<oci::Process> build_process(const ExecOptions& o, const oci::Config& cfg) {
    oci::Process p;
    if (!o.process_file.empty()) {
        TRY_ASSIGN(std::string json, read_file(o.process_file));
        TRY_ASSIGN(p, oci::parse_process(json, o.process_file));
    } else {
        if (o.args.empty()) return Error::msg("exec: no command given (need COMMAND or --process)");
        p = cfg.process ? *cfg.process : oci::Process{};
        p.args = o.args;
        p.terminal = o.tty;
        p.consoleSize.reset();
    }
    if (!o.cwd.empty()) p.cwd = o.cwd;
    if (p.cwd.empty()) p.cwd = "/";
    if (!o.env.empty()) {
        // --env K=V replaces the process's K (runc): appending would leave
        // the container's value first, where getenv() and the PATH lookup find it.
        if (!p.env) p.env.emplace();
        for (const auto& e : o.env) {
            const size_t eq = e.find('=');
            auto same_key = [&](const std::string& kv) {
                return eq != std::string::npos && kv.size() > eq && kv.compare(0, eq + 1, e, 0, eq + 1) == 0;
            };
            auto it = std::find_if(p.env->begin(), p.env->end(), same_key);
            if (it == p.env->end()) p.env->push_back(e);
            else *it = e;
        }
    }
    if (!o.user.empty()) {
        if (!p.user) p.user.emplace();
        auto colon = o.user.find(':');
        TRY_ASSIGN(p.user->uid, parse_id(o.user.substr(0, colon), "--user"));
        if (colon != std::string::npos) {
            TRY_ASSIGN(p.user->gid, parse_id(o.user.substr(colon + 1), "--user"));
        }
    }
    if (!o.additional_gids.empty()) {
        if (!p.user) p.user.emplace();
        p.user->additionalGids = o.additional_gids;
    }
    if (!o.caps.empty()) {
        // Bounding, effective and permitted only (runc >= 1.1.2, CVE-2022-29162):
        // inheritable or ambient would pass the capability on across execve
        // to every program the process runs, non-root users included.
        if (!p.capabilities) p.capabilities.emplace();
        for (auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted}) {
            if (!*set) set->emplace();
            for (const auto& c : o.caps) (*set)->push_back(c);
        }
    }
    if (o.no_new_privs) p.noNewPrivileges = true;
    if (!o.apparmor.empty()) p.apparmorProfile = o.apparmor;
    if (!o.process_label.empty()) p.selinuxLabel = o.process_label;
    if (!p.args || p.args->empty()) return Error::msg("exec: process.args must not be empty");
    return p;
}

// Namespaces the container's init is in that skiff is not.
int namespaces_to_join(pid_t init) {
    static const struct { const char* name; int flag; } kinds[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"net", CLONE_NEWNET},     {"ipc", CLONE_NEWIPC},
        {"uts", CLONE_NEWUTS},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
    };
    int flags = 0;
    for (const auto& k : kinds) {
        struct stat mine, theirs;
        std::string p = "/proc/" + std::to_string(init) + "/ns/" + k.name;
        if (stat(p.c_str(), &theirs) < 0) continue;
        if (stat(("/proc/self/ns/" + std::string(k.name)).c_str(), &mine) < 0) continue;
        if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) flags |= k.flag;
    }
    return flags;
}

bool pid_ns_differs(pid_t init) {
    struct stat mine, theirs;
    return stat(("/proc/" + std::to_string(init) + "/ns/pid").c_str(), &theirs) == 0 &&
           stat("/proc/self/ns/pid", &mine) == 0 && mine.st_ino != theirs.st_ino;
}


}  // namespace

Result<int> exec(const GlobalOptions& g, const ExecOptions& o) {
    TRY(oci::validate_container_id(o.id));
    // before skiff opens any fd of its own that could take a preserved number
    TRY(proc::check_preserved_fds(o.preserve_fds, "--preserve-fds"));
    TRY_ASSIGN(StateDir dir, StateDir::open(g.root, o.id));
    TRY_ASSIGN(ContainerRecord rec, dir.load());
    Status st = compute_status(rec, dir.fd());
    if (st == Status::Stopped) return Error::msg("cannot exec in a stopped container " + o.id);
    if (st == Status::Paused && !o.ignore_paused)
        return Error::msg("cannot exec in a paused container " + o.id + " (use --ignore-paused to override)");
    flock(dir.fd(), LOCK_UN);  // exec does not hold the container lock (many may run at once)

    timings::mark("state loaded");
    TRY_ASSIGN(oci::Config cfg, oci::parse_config(rec.config_json, dir.path() + "/state.json"));
    TRY_ASSIGN(oci::Process process, build_process(o, cfg));
    const bool terminal = process.terminal.value_or(false);
    if (terminal && o.console_socket.empty() && o.detach)
        return Error::msg("exec --tty --detach needs --console-socket");

    proc::ExecSpec spec;
    TRY_ASSIGN(spec.process, linux::plan_process(cfg, process));
    if (cfg.linux && cfg.linux->seccomp) {
        TRY_ASSIGN(spec.seccomp, seccomp::compile(*cfg.linux->seccomp, g.root + "/.cache/seccomp"));
    }
    spec.seccomp_early = spec.seccomp && (!process.noNewPrivileges.value_or(false) || spec.seccomp->needs_listener());
    UniqueFd console;
    if (!o.console_socket.empty()) {
        TRY_ASSIGN(console, connect_console_socket(o.console_socket));
    }
    TRY_ASSIGN(UniqueFd init, open_init_pidfd(rec));
    spec.init_pidfd = init.get();
    spec.join_flags = namespaces_to_join(pid_t(rec.pid));
    // A time namespace (the config's, or the one CRIU restores a container
    // into) can only be joined by a process that shares its memory with no
    // other (EUSERS), which the child does not: skiff joins it itself, and
    // the child is cloned into it.  Its clocks are the container's from here.
    if ((spec.join_flags & CLONE_NEWTIME) && setns(init.get(), CLONE_NEWTIME) == 0)
        spec.join_flags &= ~CLONE_NEWTIME;
    spec.terminal = terminal;
    spec.preserve_fds = o.preserve_fds;
    if (process.consoleSize) {
        spec.console_rows = process.consoleSize->height;
        spec.console_cols = process.consoleSize->width;
    }

    TRY_ASSIGN(UniqueFd cg, cgroup_manager(rec)->open_for_process(o.cgroup));

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return Error::sys("socketpair", errno);
    UniqueFd parent_sock(sv[0]), child_sock(sv[1]);
    spec.sync_fd = child_sock.get();
    timings::mark("plans ready");

    // Enter the container's pid namespace for the child only, then return.
    // Unprivileged (rootless), the kernel refuses that here: the child then
    // joins it after the user namespace and forks (see proc/init.hpp).
    UniqueFd own_pidns;
    bool join_pid = pid_ns_differs(pid_t(rec.pid));
    if (join_pid) {
        int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return Error::sys("open /proc/self/ns/pid", errno);
        own_pidns.reset(fd);
        if (setns(init.get(), CLONE_NEWPID) < 0) {
            if (errno != EPERM || !(spec.join_flags & CLONE_NEWUSER))
                return Error::sys("join the container's pid namespace", errno);
            spec.fork_in_pidns = true;
            join_pid = false;
        }
    }
    spec.cgroup_fd = cg.get();
    proc::CpuPinGuard pin = proc::CpuPinGuard::here();  // until the execve (proc/affinity.hpp)
    spec.pin = pin.pin();
    auto spawned = proc::spawn_exec(spec);
    // Going back matters only for later children, and exec forks none after
    // this; inside a user namespace (podman rootless) it can be refused.
    if (join_pid && setns(own_pidns.get(), CLONE_NEWPID) < 0)
        log::debug(std::string("return to skiff's pid namespace: ") + strerror(errno));
    if (!spawned) return std::move(spawned).error();
    timings::mark("clone3");
    std::optional<ChildGuard> child(std::in_place, spawned->pid, std::move(spawned->pidfd));
    child_sock.reset();
    TRY(proc::send_msg(parent_sock.get(), proc::Msg::Begin));  // the child's turn

    // The process's requests until Ready (proc/protocol.hpp, "exec").
    UniqueFd master;
    proc::Handlers h;
    h.console_master = [&](UniqueFd m) -> Result<void> {
        if (console) return send_console_master(console.get(), m.get());
        master = std::move(m);
        return {};
    };
    h.seccomp_listener = [&](UniqueFd listener) {
        // the agent must learn which process the filter belongs to
        return seccomp::send_listener(*cfg.linux->seccomp, listener.get(), child->pid(),
                                      state_json(rec, Status::Running));
    };
    if (spec.fork_in_pidns) {
        h.forked = [&](pid_t pid, UniqueFd pidfd) -> Result<void> {
            // the intermediate is done; the process it forked is ours
            ExitStatus how = child->reap();
            if (!how.success()) return Error::msg("exec intermediate process " + how.describe());
            child.emplace(pid, std::move(pidfd));
            return {};
        };
    }
    h.child_died = [&] { return Error::msg("exec process " + child->reap().describe()); };
    TRY(proc::serve(parent_sock.get(), h));
    // It shares our memory (spec included) until its execve.
    TRY(proc::wait_eof(parent_sock.get()));
    pin.release();
    timings::mark("process ready");
    if (!o.pid_file.empty()) TRY(write_pid_file(o.pid_file, child->pid()));
    UniqueFd pidfd = child->release_pidfd();
    if (o.detach) return 0;
    return supervise(pidfd.get(), master.get());
}

}  // namespace skiff::core
