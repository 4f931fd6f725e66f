// The container lifecycle, called by the CLI commands.
#pragma once

#include "core/options.hpp"
#include "ocispec/error.hpp"
#include "ocispec/state.hpp"

namespace skiff::core {

oci::Result<void> create(const GlobalOptions& g, const CreateOptions& o);
oci::Result<void> start(const GlobalOptions& g, const std::string& id);
// Foreground run returns the container's exit status (128+N when killed by signal N).
oci::Result<int> run(const GlobalOptions& g, const CreateOptions& o);
oci::Result<void> kill(const GlobalOptions& g, const KillOptions& o);
oci::Result<void> remove(const GlobalOptions& g, const DeleteOptions& o);  // `delete`
oci::Result<oci::State> state(const GlobalOptions& g, const std::string& id);
// CRIU (core/checkpoint.cpp, core/restore.cpp).  A foreground restore
// returns the restored container's exit status; detached returns 0.
oci::Result<void> checkpoint(const GlobalOptions& g, const CheckpointOptions& o);
oci::Result<int> restore(const GlobalOptions& g, const RestoreOptions& o);

}  // namespace skiff::core

namespace skiff::core {
// Foreground exec returns the process's exit status; detached returns 0.
oci::Result<int> exec(const GlobalOptions& g, const ExecOptions& o);
}  // namespace skiff::core

// cgroup operations (core/cgroup_ops.cpp).
#include <sys/types.h>

#include <functional>
#include <vector>

#include "ocispec/config.hpp"

namespace skiff::core {

oci::Result<void> pause(const GlobalOptions& g, const std::string& id);   // cgroup.freeze 1, waits
oci::Result<void> resume(const GlobalOptions& g, const std::string& id);  // cgroup.freeze 0, waits
// Pids in the container's cgroup (or its pid namespace without one).
oci::Result<std::vector<pid_t>> container_pids(const GlobalOptions& g, const std::string& id);
// Fields set in `patch` replace the container's current resources; all
// values are validated before anything is written; the stored config is
// updated so later `update`s and `events` see the new values.
oci::Result<void> update(const GlobalOptions& g, const std::string& id, const oci::Resources& patch);
// runc's `events`: JSON lines to `emit`.  stats_once: one "stats" line.
// Otherwise a "stats" line every interval_ms and an "oom" line whenever
// memory.events counts a new OOM, until the container stops.
oci::Result<void> events(const GlobalOptions& g, const std::string& id, bool stats_once, int interval_ms,
                         const std::function<void(const std::string&)>& emit);

}  // namespace skiff::core
