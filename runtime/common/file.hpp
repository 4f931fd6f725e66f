// Whole-file reads with errors as values naming the path.
#pragma once

#include <string>

#include "ocispec/error.hpp"

namespace skiff {

// The file's bytes (O_CLOEXEC, EINTR retried); an error "read PATH: reason".
oci::Result<std::string> read_file(const std::string& path);

}  // namespace skiff
