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

}  // namespace skiff::core

namespace skiff::core {
// Foreground exec returns the process's exit status; detached returns 0.
oci::Result<int> exec(const GlobalOptions& g, const ExecOptions& o);
}  // namespace skiff::core
