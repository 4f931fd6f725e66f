// The state store: one directory per container under the root
// (<root>/<id>/), holding state.json (written atomically: temp + rename),
// exec.fifo while the container is `created`, and a lock taken with flock on
// the directory itself so operations on one id are serialised.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"
#include "ocispec/state.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

// What skiff remembers about a container (superset of the OCI state).
struct ContainerRecord {
    std::string id;
    std::string bundle;           // absolute
    std::string rootfs;           // absolute path of root.path
    int64_t pid = 0;              // init pid in skiff's pid namespace
    uint64_t pid_start_time = 0;  // field 22 of /proc/<pid>/stat: guards against pid reuse
    std::string created;          // RFC 3339 with nanoseconds, UTC
    uint32_t owner_uid = 0;       // euid that created it
    oci::StringMap annotations;
    std::string cgroup_path;      // absolute path under /sys/fs/cgroup, "" when none
    std::vector<std::string> cgroup_created;  // cgroups skiff made (deepest last), removed on delete
    bool systemd_cgroup = false;
    std::string systemd_unit;       // --systemd-cgroup: the transient scope, stopped on delete
    bool has_pid_namespace = true;  // false: kill --all / delete must kill by cgroup
    std::string config_json;        // the config as parsed, compact (hooks, poststop, annotations)
    // `create` has not finished (see StateDir::save_creating): `state` and
    // `list` say "creating", `delete --force` undoes what the record names.
    bool creating = false;
};

std::string record_to_json(const ContainerRecord& r);
Result<ContainerRecord> record_from_json(std::string_view json, std::string_view name);

// The default --root: /run/skiff for root, else $XDG_RUNTIME_DIR/skiff.
std::string default_root();

class StateDir {
  public:
    // mkdir <root>/<id> (0711) exclusively: "container with id exists: ID" if present.
    // Creates <root> (0700) when missing.  The directory is removed again by
    // the destructor unless commit() was called.
    static Result<StateDir> create(const std::string& root, const std::string& id);
    // Opens and locks an existing one: "container does not exist: ID" (err=ENOENT).
    static Result<StateDir> open(const std::string& root, const std::string& id);
    // Like open() but takes no lock: for readers (`state`, `list`) that must
    // not wait behind a long-held lock; state.json is replaced atomically.
    static Result<StateDir> peek(const std::string& root, const std::string& id);

    StateDir(StateDir&&) noexcept;
    StateDir& operator=(StateDir&&) noexcept;
    ~StateDir();

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }  // O_DIRECTORY fd, flock'ed

    Result<void> save(const ContainerRecord& r);  // state.json, atomic
    // The records of a `create` that has not finished, so that one killed
    // at any step leaves a state `delete --force` can undo: creating.json
    // (atomic) before the cgroup exists, with the planned cgroup, the
    // parents it will make and the systemd unit; then init.pid ("PID
    // START-TIME") once the init is cloned.  state.json, written when the
    // init is ready, supersedes both.  Each is a new file, never a
    // replacement: ext4 flushes a file renamed over another (auto_da_alloc),
    // which cost ~0.3-1 ms per save on the start path.
    Result<void> save_creating(const ContainerRecord& r);
    Result<void> save_init_pid(int64_t pid, uint64_t start_time);
    Result<ContainerRecord> load() const;
    // load(); without a state.json (a create not finished, or killed): the
    // record from creating.json and init.pid, or with only the id and the
    // owner (the directory's) if there is none yet; creating=true.
    Result<ContainerRecord> load_or_creating(const std::string& id) const;
    // rm -r the directory (after all else is cleaned): the files skiff
    // writes by name, then rmdir; a walk only for anything else.
    Result<void> remove();
    void commit() { keep_ = true; }

  private:
    StateDir() = default;
    Result<void> write_atomic(const char* name, const std::string& data);
    static Result<StateDir> open_impl(const std::string& root, const std::string& id, bool lock);
    std::string path_;
    UniqueFd fd_;
    bool keep_ = true;
};

// Ids of all containers under root, sorted: directories with a state.json,
// and those of a `create` that has not written one yet (or was killed
// before it could: empty, or holding only exec.fifo).
Result<std::vector<std::string>> list_ids(const std::string& root);

// Live status: creating while the record says so (create still running, or
// killed before it finished); stopped if the init is gone, a zombie, or its start time
// differs (pid reused); created while <dir>/exec.fifo exists; paused when the
// cgroup is frozen; else running.
oci::Status compute_status(const ContainerRecord& r, int statedir_fd);

// The OCI state document for `state` and hooks.
oci::State to_oci_state(const ContainerRecord& r, oci::Status s);

// Start time (field 22 of /proc/PID/stat), 0 if the process is gone.
uint64_t process_start_time(int64_t pid);

}  // namespace skiff::core
