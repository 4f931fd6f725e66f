// start, kill, delete and state.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


#include "common/log.hpp"
#include "common/timings.hpp"
#include "core/cgroup_record.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"
#include "ocispec/json.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;
using oci::Status;

namespace {


std::string not_state(const std::string& what, const std::string& id, Status s) {
    return "cannot " + what + " container " + id + ": container is " + std::string(oci::enum_name(s));
}

// Without a cgroup: every process in the init's pid namespace.
std::vector<pid_t> pids_in_pid_namespace(pid_t init) {
    std::vector<pid_t> out;
    struct stat want;
    if (stat(("/proc/" + std::to_string(init) + "/ns/pid").c_str(), &want) < 0) return out;
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        pid_t p = pid_t(std::atoi(e->d_name));
        if (p <= 0) continue;
        struct stat st;
        if (stat(("/proc/" + std::string(e->d_name) + "/ns/pid").c_str(), &st) == 0 && st.st_ino == want.st_ino &&
            st.st_dev == want.st_dev)
            out.push_back(p);
    }
    closedir(d);
    return out;
}

Result<void> signal_all(const ContainerRecord& r, int sig) {
    if (const auto cgroup = cgroup_manager(r); cgroup->has_cgroup()) {
        if (sig == SIGKILL && cgroup->kill_all()) return {};
        TRY_ASSIGN(auto pids, cgroup->pids());
        for (pid_t p : pids) ::kill(p, sig);
        return {};
    }
    if (!r.has_pid_namespace)
        return Error::msg("kill --all: container " + r.id + " has neither a cgroup nor a pid namespace");
    for (pid_t p : pids_in_pid_namespace(pid_t(r.pid))) ::kill(p, sig);
    return {};
}

}  // namespace

Result<void> start(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    if (c.status != Status::Created) return Error::msg(not_state("start", id, c.status));
    return start_locked(c.dir, c.rec);
}

Result<void> kill(const GlobalOptions& g, const KillOptions& o) {
    TRY_ASSIGN(Opened c, open_container(g, o.id));
    // kill --all of a stopped container, as runc: what is left in its cgroup
    // (without a pid namespace the init's children outlive it) is signalled;
    // with no cgroup left there is nothing to do.
    if (o.all && c.status == Status::Stopped) {
        struct stat st;
        if (c.rec.cgroup_path.empty() || stat(c.rec.cgroup_path.c_str(), &st) < 0) return {};
        return signal_all(c.rec, o.signal);
    }
    // runc's wording first: containerd's shim matches "container not running".
    if (c.status == Status::Stopped) return Error{"container not running: container " + o.id + " is stopped", ESRCH};
    if (o.all) return signal_all(c.rec, o.signal);
    if (c.rec.pid <= 0)
        return Error{"container not running: container " + o.id + " is creating and has no init process yet", ESRCH};
    TRY_ASSIGN(UniqueFd pidfd, open_init_pidfd(c.rec));
    // Signal 0 checks that the init is alive, as kill(2) does.
    if (syscall(SYS_pidfd_send_signal, pidfd.get(), o.signal, nullptr, 0) < 0)
        return Error::sys("kill container " + o.id + " init", errno);
    return {};
}

Result<void> remove(const GlobalOptions& g, const DeleteOptions& o) {
    auto c = open_container(g, o.id);
    if (!c) {
        // runc: delete --force of a container that is already gone succeeds;
        // containerd's shim relies on it.
        if (o.force && c.error().err == ENOENT) return {};
        return std::move(c).error();
    }
    switch (c->status) {
        case Status::Stopped:
            break;
        // runtime.md: deleting a container that is not stopped MUST fail
        // and leave it alone (runc deletes a created one; engines always
        // add --force, so following the spec costs them nothing).
        default:
            if (!o.force)
                return Error::msg("cannot delete container " + o.id + " that is not stopped: " +
                                  std::string(oci::enum_name(c->status)) +
                                  (c->status == Status::Creating
                                       ? " (its create was interrupted; delete --force removes what it left)"
                                       : ""));
            // Creating, with the lock held: the create that wrote the record
            // was killed before it finished.  Its record names the cgroup
            // (and the init once cloned); destroy() undoes whatever exists.
            // destroy() sends the one SIGKILL: through the cgroup, or to the
            // init (its pid namespace goes with it), and thaws a paused one.
            break;
    }
    return destroy(c->dir, c->rec, c->status);
}

Result<oci::State> state(const GlobalOptions& g, const std::string& id) {
    TRY_ASSIGN(Opened c, open_container(g, id));
    return to_oci_state(c.rec, c.status);
}

}  // namespace skiff::core
