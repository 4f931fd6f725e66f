// Internal helpers shared by the lifecycle commands.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/fd.hpp"
#include "core/options.hpp"
#include "core/state_store.hpp"
#include "ocispec/error.hpp"
#include "proc/init.hpp"

namespace skiff::core {

// How a reaped child ended.
struct ExitStatus {
    bool exited = false;  // exit(2)ed with `code`
    int code = 0;
    int signal = 0;       // killed by `signal` (when not exited)
    bool success() const { return exited && code == 0; }
    // "exited with status 1", "was killed by signal 9" ("exited" when
    // waitpid itself failed): completes "container init ...".
    std::string describe() const;
};

// A container init that skiff cloned and has not handed over yet: killed
// (SIGKILL through its pidfd) and reaped unless release()d.
class ChildGuard {
  public:
    ChildGuard() = default;
    ChildGuard(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    ChildGuard(ChildGuard&& o) noexcept : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}
    ChildGuard& operator=(ChildGuard&&) = delete;
    ~ChildGuard() { kill_and_reap(); }
    void kill_and_reap();
    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    UniqueFd release_pidfd() {
        pid_ = -1;
        return std::move(pidfd_);
    }
    // After EOF on the sync socket: waits for the child and says how it ended.
    ExitStatus reap();

  private:
    pid_t pid_ = -1;
    UniqueFd pidfd_;
};

// A pidfd for the record's init, or an error when it is gone or its pid
// was reused (start time differs).
oci::Result<UniqueFd> open_init_pidfd(const ContainerRecord& r);

// An existing container: its state dir (flock'ed unless lock is false), its
// record and its live status.
struct Opened {
    StateDir dir;
    ContainerRecord rec;
    oci::Status status;
};
oci::Result<Opened> open_container(const GlobalOptions& g, const std::string& id, bool lock = true);

// connect(2) to an engine's --console-socket.
oci::Result<UniqueFd> connect_console_socket(const std::string& path);
// Hands the pty master to the --console-socket listener exactly as runc
// does: one sendmsg, the data bytes "/dev/ptmx" (the master's file name)
// and the fd as SCM_RIGHTS.  conmon and containerd read only the fd.
oci::Result<void> send_console_master(int console_sock, int master);

// Releases the init: the fifo handshake, or with init_sock >= 0 (`run`)
// Start on that socket; either way waits for its execve.  Then poststart
// hooks; then, for a container created with NOTIFY_SOCKET, the wait for its
// READY=1, passed on with MAINPID=notify_mainpid (0: the init) after
// unlocking dir.  init_pidfd: the init's pidfd if the caller holds one.
oci::Result<void> start_locked(StateDir& dir, const ContainerRecord& r, pid_t notify_mainpid = 0, int init_sock = -1,
                               int init_pidfd = -1);

// Kill what is left, remove the cgroup, run poststop hooks, remove the state
// dir.  status: what the caller knows of the container.  Stopped (the init
// dead, a zombie, reaped by `run`, or its pid reused): nothing is signalled
// here, the cgroup's removal kills what may be left (a container without a
// pid namespace).  Otherwise a live init gets one SIGKILL for the whole
// container (cgroup.kill when there is a cgroup, else to the init, whose
// pid namespace goes with it), a paused one is thawed, and the init is
// waited for.
oci::Result<void> destroy(StateDir& dir, const ContainerRecord& r, oci::Status status);

// Wait until the process behind pidfd has exited (up to timeout_ms; -1 = forever).
bool wait_pidfd(int pidfd, int timeout_ms);

std::string rfc3339_now();
oci::Result<void> write_pid_file(const std::string& path, pid_t pid);
std::string state_json(const ContainerRecord& r, oci::Status s);

// Foreground: forward signals to the process behind pidfd (which must be
// skiff's child), proxy the pty master when >= 0, reap it; returns the exit
// code (128+N when killed by signal N).
oci::Result<int> supervise(int pidfd, int master);

// What create hands to run: the locked state dir, the record, the init.
struct Created {
    StateDir dir;
    ContainerRecord record;
    UniqueFd pidfd;
    UniqueFd console_master;  // foreground run with terminal and no --console-socket
    // The init shares our memory until its execve (proc/spawn.hpp): its
    // spec and our end of its socket live until then.
    std::unique_ptr<proc::InitSpec> spec;
    UniqueFd init_sock;
    // Until the init's execve (run) or Detached (create): proc/affinity.hpp.
    proc::CpuPinGuard pin;
};

// How the init waits to be started.
enum class Release {
    Fifo,     // `create`: exec.fifo, opened by a later `start`
    Message,  // `run`: Start on the sync socket, no exec.fifo
};
oci::Result<Created> create_container(const GlobalOptions& g, const CreateOptions& o, bool foreground,
                                      Release release);

}  // namespace skiff::core
