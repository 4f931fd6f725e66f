// OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"):
// each hook is executed with the container state JSON on stdin; a non-zero
// exit or a timeout is an error naming the hook kind, index and path, with
// the hook's output.  Used by the parent (prestart, createRuntime,
// poststart, poststop) and by the container's init (createContainer,
// startContainer).
//
// A hook without `env` gets skiff's own environment (as runc and crun);
// with `env`, exactly that.  A hook gets fds 0-2 only (state on stdin).
// poststart and poststop: every hook runs; a failure is logged with
// log::warn and run_hooks succeeds (runtime.md).  Other kinds stop at the
// first failure and return it.
#pragma once

#include <string>
#include <vector>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::core {

oci::Result<void> run_hooks(const std::optional<std::vector<oci::Hook>>& hooks, const char* kind,
                            const std::string& state_json);

}  // namespace skiff::core
