// The document `skiff features` prints (features.md, features-linux.md).
#pragma once

#include "ocispec/state.hpp"

namespace skiff::cli {

// Static facts plus host probes (LSMs, seccomp flags the kernel accepts).
oci::Features build_features();

// Every mount option the rootfs module accepts (runc's list plus idmap/ridmap).
const oci::Strings& known_mount_options();

}  // namespace skiff::cli
