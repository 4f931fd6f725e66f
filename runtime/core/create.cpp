// `create` (and the first half of `run`): everything is prepared in the
// parent before clone3, then the parent serves the init's requests (id maps,
// hooks, console, seccomp listener) until it reports Ready.  Any failure
// unwinds in reverse: init killed, cgroup removed, state dir removed.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

#include "cgroups/manager.hpp"
#include "common/failpoint.hpp"
#include "common/log.hpp"
#include "common/timings.hpp"
#include "core/cgroup_record.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"
#include "core/rootless.hpp"
#include "core/notify.hpp"
#include "linux/hooks.hpp"
#include "linux/netdev.hpp"
#include "ocispec/json.hpp"
#include "proc/fds.hpp"
#include "proc/init.hpp"
#include "proc/protocol.hpp"
#include "proc/serve.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

bool has_hooks(const std::optional<std::vector<oci::Hook>>& h) { return h && !h->empty(); }


// Socket activation: fds 3.. named by LISTEN_FDS are passed through.
int listen_fds() {
    const char* v = std::getenv("LISTEN_FDS");
    if (!v) return 0;
    int n = std::atoi(v);
    return n > 0 && n < 1024 ? n : 0;
}

// The init's requests until Ready (proc/protocol.hpp, "create").
Result<void> serve_init(const proc::InitSpec& spec, int sock, ChildGuard& child, const oci::Config& cfg,
                        const ContainerRecord& rec, int console_sock, UniqueFd& master_out) {
    proc::Handlers h;
    h.map_request = [&]() -> Result<void> {
        TRY(linux::write_id_maps(child.pid(), spec.ns));
        timings::mark("id maps written");
        return {};
    };
    h.hook_request = [&]() -> Result<proc::HookStates> {
        proc::HookStates st{state_json(rec, oci::Status::Creating), state_json(rec, oci::Status::Created)};
        if (cfg.hooks) {
            TRY(linux::run_hooks(cfg.hooks->prestart, "prestart", st.creating));
            TRY(linux::run_hooks(cfg.hooks->createRuntime, "createRuntime", st.creating));
        }
        timings::mark("prestart/createRuntime hooks");
        return st;
    };
    h.console_master = [&](UniqueFd master) -> Result<void> {
        if (console_sock >= 0) return send_console_master(console_sock, master.get());
        master_out = std::move(master);
        return {};
    };
    h.seccomp_listener = [&](UniqueFd listener) {
        return seccomp::send_listener(*cfg.linux->seccomp, listener.get(), state_json(rec, oci::Status::Creating));
    };
    h.child_died = [&] { return Error::msg("container init " + child.reap().describe()); };
    TRY_ASSIGN(std::string marks, proc::serve(sock, h));
    timings::merge(marks);
    failpoint_pause("after-ready");
    return {};
}

}  // namespace

Result<Created> create_container(const GlobalOptions& g, const CreateOptions& o, bool foreground, Release release) {
    TRY(oci::validate_container_id(o.id));
    const std::string config_path = o.bundle + "/config.json";
    TRY_ASSIGN(oci::Config cfg, oci::load_config(config_path));
    TRY(oci::validate_config(cfg, config_path));
    timings::mark("config parsed");
    if (!cfg.process) return Error::msg(config_path + ": process: required to create a container");
    const bool terminal = cfg.process->terminal.value_or(false);
    if (terminal && o.console_socket.empty() && !foreground)
        return Error::msg("process.terminal is true: a detached container needs --console-socket");
    if (!terminal && !o.console_socket.empty())
        return Error::msg("--console-socket given but process.terminal is false");

    // Socket activation fds join the preserved ones.  Checked before skiff
    // opens any fd of its own that could take a number in that range.
    const int listen = listen_fds();
    const int preserve = std::max(o.preserve_fds, listen);
    TRY(proc::check_preserved_fds(preserve, "--preserve-fds/LISTEN_FDS"));

    // --- state dir (first: the notify proxy's mount source lives in it),
    // cgroup, init: unwound in reverse on failure ---
    const linux::HostFacts& host = g.host;
    TRY(check_state_root(host, g.root));
    TRY_ASSIGN(StateDir dir, StateDir::create(g.root, o.id));
    if (release == Release::Fifo) {
        if (mkfifoat(dir.fd(), "exec.fifo", 0622) < 0)
            return Error::sys("mkfifo " + dir.path() + "/exec.fifo", errno);
        fchmodat(dir.fd(), "exec.fifo", 0622, 0);  // umask-proof: the init may be any uid
    }
    timings::mark("state dir");
    TRY(failpoint("after-state-dir"));
    TRY(prepare_notify(cfg, dir.path()));  // may add NOTIFY_SOCKET to process.env

    // The process learns about socket activation through its environment.
    oci::Process process = *cfg.process;
    if (listen) {
        if (!process.env) process.env.emplace();
        process.env->push_back("LISTEN_FDS=" + std::to_string(listen));
        process.env->push_back("LISTEN_PID=1");
    }


    // --- plan everything in the parent ---
    // On the heap, not on our stack: the init shares our memory and reads
    // its spec after we returned (proc/spawn.hpp).
    auto spec_box = std::make_unique<proc::InitSpec>();
    proc::InitSpec& spec = *spec_box;
    TRY_ASSIGN(spec.ns, linux::plan_namespaces(cfg, host));
    TRY(check_rootless_config(host, cfg));
    // linux.netDevices: every check that can be made before anything moves.
    TRY_ASSIGN(const std::vector<linux::NetDevicePlan> netdevs, linux::plan_net_devices(cfg, spec.ns, host));
    TRY(linux::check_net_devices(netdevs, spec.ns));
    linux::RootfsOptions ro;
    ro.no_pivot = o.no_pivot;
    ro.in_user_namespace = spec.ns.new_user || oci::find_namespace(cfg, oci::NamespaceType::User) ||
                           host.nested_userns;  // rootless: podman's own user namespace: no mknod
    ro.new_mount_namespace = spec.ns.new_mount;
    ro.host = host;
    TRY_ASSIGN(spec.rootfs, linux::plan_rootfs(cfg, o.bundle, ro));
    TRY_ASSIGN(spec.process, linux::plan_process(cfg, process));
    if (cfg.linux && cfg.linux->seccomp) {
        TRY_ASSIGN(spec.seccomp, seccomp::compile(*cfg.linux->seccomp, g.root + "/.cache/seccomp"));
    }
    spec.seccomp_early = spec.seccomp && (!process.noNewPrivileges.value_or(false) || spec.seccomp->needs_listener());
    // The init runs these itself; it gets them ready to execve.
    if (cfg.hooks) {
        spec.create_container_hooks = linux::prepare_hooks(cfg.hooks->createContainer, "createContainer");
        spec.start_container_hooks = linux::prepare_hooks(cfg.hooks->startContainer, "startContainer");
    }
    const auto cgroup = cgroups::make_manager(g.systemd_cgroup ? cgroups::Driver::Systemd : cgroups::Driver::Fs, host);
    TRY(cgroup->plan(cfg, o.id));
    timings::mark("plans ready");

    UniqueFd console_sock;
    if (!o.console_socket.empty()) {
        TRY_ASSIGN(console_sock, connect_console_socket(o.console_socket));
    }

    // --- the record, saved before the cgroup and the init exist, so that a
    // create killed from here on leaves a state `delete --force` can undo:
    // the planned cgroup (and the parents it will make), the systemd unit ---
    ContainerRecord rec;
    rec.id = o.id;
    rec.bundle = o.bundle;
    rec.rootfs = cfg.root ? (cfg.root->path.front() == '/' ? cfg.root->path : o.bundle + "/" + cfg.root->path) : "";
    rec.created = rfc3339_now();
    rec.owner_uid = host.euid;
    if (cfg.annotations) rec.annotations = *cfg.annotations;
    record_cgroup(rec, cgroup->placement());
    rec.has_pid_namespace = spec.ns.new_pid || spec.ns.pid_join;
    rec.config_json = oci::write_config(cfg, false);
    rec.creating = true;
    TRY(dir.save_creating(rec));

    // --- cgroup, init: unwound in reverse on failure ---
    // Limits and the device filter go on before clone3 puts the init in.
    TRY_ASSIGN(cgroups::NewCgroup cg, cgroup->create(cfg, o.id));
    timings::mark("cgroup");
    TRY(failpoint("after-cgroup"));

    record_cgroup(rec, cg.placement());

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return Error::sys("socketpair", errno);
    UniqueFd parent_sock(sv[0]), child_sock(sv[1]);

    spec.sync_fd = child_sock.get();
    // The init reaches exec.fifo through an O_PATH fd of the fifo itself:
    // a directory fd would be a way out of the rootfs (proc/fds.hpp).
    UniqueFd fifo_path;
    if (release == Release::Fifo) {
        fifo_path.reset(openat(dir.fd(), "exec.fifo", O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fifo_path) return Error::sys("open " + dir.path() + "/exec.fifo", errno);
    }
    spec.fifo_fd = fifo_path.get();
    spec.start_by_message = release == Release::Message;
    spec.terminal = terminal;
    spec.hook_sync = cfg.hooks && (has_hooks(cfg.hooks->prestart) || has_hooks(cfg.hooks->createRuntime) ||
                                   has_hooks(cfg.hooks->createContainer) || has_hooks(cfg.hooks->startContainer));
    spec.no_new_keyring = o.no_new_keyring;
    spec.keyring_name = "_ses." + o.id;
    spec.preserve_fds = preserve;
    if (cfg.process->consoleSize) {
        spec.console_rows = cfg.process->consoleSize->height;
        spec.console_cols = cfg.process->consoleSize->width;
    }
    spec.keep_fds = proc::init_keep_fds(spec);

    // Hook processes (which skiff runs while pinned) get the caller's
    // affinity only without the pin: no pin then.
    proc::CpuPinGuard pin;
    if (!spec.hook_sync && !(cfg.hooks && has_hooks(cfg.hooks->poststart))) pin = proc::CpuPinGuard::here();
    spec.pin = pin.pin();
    TRY_ASSIGN(UniqueFd own_pidns, linux::enter_pid_namespace(spec.ns));
    bool placed = false;
    auto spawned = proc::spawn_init(spec, cg.fd(), &placed);
    TRY(linux::restore_pid_namespace(own_pidns.get()));
    if (!spawned) return std::move(spawned).error();
    ChildGuard child(spawned->pid, std::move(spawned->pidfd));
    child_sock.reset();
    TRY(cg.adopt_init(child.pid(), placed));
    rec.pid = child.pid();
    rec.pid_start_time = process_start_time(rec.pid);
    TRY(dir.save_init_pid(rec.pid, rec.pid_start_time));
    TRY(failpoint("after-clone"));
    // The init's network namespace exists since clone3 (or was joined by
    // path): the devices go there before it runs, so the prestart and
    // createRuntime hooks see them.  A failure from here kills the init,
    // and with it the namespace (physical devices return to the host).
    if (!netdevs.empty()) {
        TRY_ASSIGN(UniqueFd netns, linux::open_target_netns(spec.ns, child.pid()));
        TRY(linux::move_net_devices(netdevs, netns.get()));
        timings::mark("net devices");
    }
    timings::mark("init recorded");
    TRY(proc::send_msg(parent_sock.get(), proc::Msg::Begin));  // the init's turn

    UniqueFd master;
    if (auto served = serve_init(spec, parent_sock.get(), child, cfg, rec, console_sock.get(), master);
        !served) {
        // runtime.md: a failed create continues the lifecycle at delete,
        // whose poststop hooks still run (after the init is gone).
        child.kill_and_reap();
        if (cfg.hooks) {
            auto h = linux::run_hooks(cfg.hooks->poststop, "poststop", state_json(rec, oci::Status::Stopped));
            if (!h) log::warn(h.error().message);
        }
        return std::move(served).error();
    }
    timings::mark("init ready");

    rec.creating = false;
    TRY(dir.save(rec));
    if (!o.pid_file.empty()) TRY(write_pid_file(o.pid_file, child.pid()));
    failpoint_pause("after-record");
    // Recorded: the init may outlive us now; Detached: it knows.  `run`
    // says both with its Start (start_locked), one round trip less.
    if (release == Release::Fifo) {
        TRY(proc::send_msg(parent_sock.get(), proc::Msg::Recorded));
        if (auto d = proc::expect_msg(parent_sock.get(), proc::Msg::Detached); !d) {
            child.kill_and_reap();
            return std::move(d).error().wrap("container init");
        }
    }
    cg.commit();
    dir.commit();
    if (release == Release::Fifo) pin.release();
    Created out{std::move(dir),      std::move(rec),         child.release_pidfd(), std::move(master),
                std::move(spec_box), std::move(parent_sock), std::move(pin)};
    return out;
}

// Reachable, so not a leak to LeakSanitizer; external, so the store stays.
proc::InitSpec* g_waiting_init_spec = nullptr;

Result<void> create(const GlobalOptions& g, const CreateOptions& o) {
    TRY_ASSIGN(Created c, create_container(g, o, false, Release::Fifo));
    // The init shares our memory and waits on exec.fifo, then for our
    // exit (protocol.hpp, "turns"): its spec must never be freed (nor its
    // memory reused), and our socket end must close only when we exit.
    g_waiting_init_spec = c.spec.release();
    (void)c.init_sock.release();
    return {};
}

}  // namespace skiff::core
