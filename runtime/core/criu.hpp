// Driving Debian's `criu` binary by its command line for `checkpoint` and
// `restore`, as runc drives it over its RPC socket: the same options, the
// same external mounts and namespaces.  The command line, not RPC or
// libcriu, because skiff links no protobuf; every option runc sets has a
// command-line spelling in CRIU 3.17, except the RPC-only notifications
// (orphan-pts-master for --console-socket, setup-namespaces for hooks).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/options.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::core::criu {

// The criu executable: `path` (runc's --criu) when it has a slash, else
// that name (default "criu") found in PATH: "criu not found in PATH".
oci::Result<std::string> find_binary(const std::string& path);

// The options checkpoint and restore share (--tcp-established, ...).
std::vector<std::string> common_args(const CriuOptions& o);

// A bind mount: type "bind" or a bind/rbind option.
bool is_bind(const oci::Mount& m);

// Mounts CRIU must treat as external, as runc declares them: every bind
// mount (key: its destination) and every device node (which may be a bind
// in a user namespace).  Pairs of (destination, host source).
std::vector<std::pair<std::string, std::string>> external_mounts(const oci::Config& cfg);

// A namespace the container joined by path, which CRIU leaves alone (dump)
// and is handed back (restore) under runc's key.
struct ExternalNs {
    std::string flag;  // CRIU's name: "net", "pid"
    std::string key;   // "extRootNetNS", "extRootPidNS"
    std::string path;
};
std::vector<ExternalNs> external_namespaces(const oci::Config& cfg);

struct Run {
    std::string action;    // "dump", "pre-dump", "restore"
    std::string log_path;  // the -o file CRIU writes (its last error is the reason)
    std::vector<std::string> args;  // after the action
    std::vector<int> keep_fds;      // for --inherit-fd
    int cgroup_fd = -1;             // CRIU runs in this cgroup (restore)
    bool log_kept = false;          // a failure names the log (it is not removed)
};
// Runs CRIU; a failure is "criu ACTION failed: REASON", REASON being the
// first "Error" line of its log (or what it printed, or its exit status).
oci::Result<void> run(const std::string& binary, const Run& r);

// A directory made for CRIU's images or work files: removed again (with
// what CRIU wrote into it) unless commit() is called.  One that existed is
// left alone.
class MadeDir {
  public:
    MadeDir() = default;
    MadeDir(MadeDir&& o) noexcept : path_(std::exchange(o.path_, {})) {}
    MadeDir& operator=(MadeDir&&) = delete;
    ~MadeDir();
    static oci::Result<MadeDir> ensure(const std::string& path);
    void commit() { path_.clear(); }
    bool made() const { return !path_.empty(); }  // removed on failure, with CRIU's log

  private:
    std::string path_;  // "" when nothing to undo
};

}  // namespace skiff::core::criu
