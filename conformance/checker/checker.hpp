// The in-container checker: each check family reads the config and prints
// one line per assertion, `ok|not ok|skip <section> <name>[ # reason]`,
// which the driver turns into TAP.  Sections name the spec document and
// field (e.g. config-linux.namespaces, config.process.user).
#pragma once

#include <string>
#include <vector>

#include "json.hpp"

namespace conf {

void pass(const std::string& section, const std::string& name);
void fail(const std::string& section, const std::string& name, const std::string& why);
void skip(const std::string& section, const std::string& name, const std::string& why);
// pass or fail with `why` (a description of what was seen).
void expect(bool good, const std::string& section, const std::string& name, const std::string& why);

std::string read_file(const std::string& path, bool* ok = nullptr);
std::string trim(const std::string& s);
std::vector<std::string> split(const std::string& s, char sep);
// A "Key:\tvalue" line of /proc/self/status.
std::string proc_status(const std::string& key);
std::string errno_text(int err);

struct MountEntry {
    std::string mountpoint;
    std::string fstype;
    std::vector<std::string> options;   // per-mount options (ro, nosuid...)
    std::vector<std::string> optional;  // shared:N, master:N...
};
std::vector<MountEntry> mountinfo();
// The topmost mount whose mountpoint is exactly `path`, or nullptr.
const MountEntry* mount_at(const std::vector<MountEntry>& mounts, const std::string& path);
bool has_option(const MountEntry& m, const std::string& opt);

void check_namespaces(const Json& cfg);
void check_identity(const Json& cfg);    // hostname, domainname, id maps
void check_sysctl(const Json& cfg);
void check_time_offsets(const Json& cfg);
void check_cgroup(const Json& cfg);
void check_mounts(const Json& cfg);
void check_paths(const Json& cfg);       // masked, readonly, root.readonly, propagation
void check_devices(const Json& cfg);     // default devices, linux.devices, symlinks
void check_process(const Json& cfg);     // cwd, env, user, umask
void check_security(const Json& cfg);    // caps, nnp, seccomp
void check_limits(const Json& cfg);      // rlimits, oom, personality, scheduler, ioprio
void check_fds(const Json& cfg);

}  // namespace conf
