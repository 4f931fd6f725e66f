// Reading and writing the data model.  The reader is a single pass over
// yajl's event API that fills the structs directly; every error names the
// document, the JSON path, what was expected and where:
//   config.json: linux.resources.memory.limit: expected integer, got string (line 12, column 20)
#pragma once

#include <string>
#include <string_view>

#include "ocispec/config.hpp"
#include "ocispec/error.hpp"
#include "ocispec/state.hpp"

namespace oci {

// `name` is used as the prefix of error messages ("config.json").
Result<Config> parse_config(std::string_view json, std::string_view name = "config.json");
Result<Process> parse_process(std::string_view json, std::string_view name = "process.json");
Result<Resources> parse_resources(std::string_view json, std::string_view name = "resources.json");
Result<State> parse_state(std::string_view json, std::string_view name = "state.json");
Result<Features> parse_features(std::string_view json, std::string_view name = "features.json");

// Reads the whole file then parses; errors name `path`.
Result<Config> load_config(const std::string& path);

// Writers (yajl_gen).  pretty=true indents as runc's `spec` does.
std::string write_config(const Config& c, bool pretty = true);
std::string write_process(const Process& p, bool pretty = false);
std::string write_state(const State& s, bool pretty = false);
std::string write_features(const Features& f, bool pretty = true);

// Semantic validation beyond JSON shape (see validate.cpp for the list).
// Errors use the same "config.json: <path>: <reason>" style.
Result<void> validate_config(const Config& c, std::string_view name = "config.json");

// Container ids: runc's rule ^[\w+\-\.]+$, never "." or "..", at most 1024 bytes.
Result<void> validate_container_id(std::string_view id);

}  // namespace oci
