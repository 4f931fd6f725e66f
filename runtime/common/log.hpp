// Logging for the whole binary.  runc-compatible: with --log FILE
// --log-format json each record is one line {"level":"error","msg":"...","time":"..."}
// (the containerd shim shows the last line of that file to the user); text
// format is `time="..." level=error msg="..."`.  Errors also go to stderr.
// Messages below the configured level cost one comparison.
#pragma once

#include <string>
#include <string_view>

#include "ocispec/error.hpp"

namespace skiff::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Text, Json };

struct Options {
    std::string file;          // empty: stderr only
    Format format = Format::Text;
    bool debug = false;        // --debug: Debug and Info records are written
};

// Called once by main after global flags are parsed.  A --log file that
// cannot be opened is an error naming the path (as runc: an engine that
// asked for a log file reads its errors from there, so running on without
// it would lose them); logging then goes to stderr only.
oci::Result<void> init(const Options& opts);

bool enabled(Level l);
void write(Level l, std::string_view msg);

inline void debug(std::string_view m) { if (enabled(Level::Debug)) write(Level::Debug, m); }
inline void info(std::string_view m) { if (enabled(Level::Info)) write(Level::Info, m); }
inline void warn(std::string_view m) { write(Level::Warn, m); }
// The error a command fails with: to the log file (if any) and to stderr as
// "skiff: <msg>".
void error(std::string_view m);

}  // namespace skiff::log
