// Options the CLI hands to the core, one struct per command family.  Field
// names follow runc's flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "linux/host.hpp"

namespace skiff::core {

enum class Rootless { Auto, True, False };

struct GlobalOptions {
    std::string root;            // --root; default /run/skiff (or $XDG_RUNTIME_DIR/skiff)
    bool systemd_cgroup = false; // --systemd-cgroup
    Rootless rootless = Rootless::Auto;
    linux::HostFacts host;       // who skiff runs as, found once (core::detect_host) with rootless resolved
    bool debug = false;
    bool timings = false;        // --timings: per-step start-path timeline on stderr
    std::string criu;            // --criu: the criu binary; "" or a bare name: looked up in PATH
};

struct CreateOptions {
    std::string id;
    std::string bundle;          // -b/--bundle, default "."; made absolute by the CLI
    std::string pid_file;        // --pid-file (made absolute by the CLI)
    std::string console_socket;  // --console-socket
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;        // fds 3..3+N-1 passed through
    // run only
    bool detach = false;         // -d
    bool keep = false;           // --keep
};

struct KillOptions {
    std::string id;
    int signal = 15;
    bool all = false;
};

struct DeleteOptions {
    std::string id;
    bool force = false;
};

}  // namespace skiff::core

namespace skiff::core {

struct ExecOptions {
    std::string id;
    std::vector<std::string> args;      // command after the id
    std::string process_file;           // -p/--process
    bool tty = false;                   // -t/--tty
    std::string console_socket;
    bool detach = false;                // -d
    std::string pid_file;
    std::string cwd;                    // --cwd
    std::vector<std::string> env;       // -e/--env KEY=VALUE (repeatable)
    std::string user;                   // -u/--user uid[:gid]
    std::vector<uint32_t> additional_gids;  // -g (repeatable)
    std::vector<std::string> caps;      // -c/--cap (repeatable), added to all sets
    bool no_new_privs = false;
    std::string apparmor;
    std::string process_label;
    int preserve_fds = 0;
    std::string cgroup;                 // --cgroup: sub-cgroup of the container's
    bool ignore_paused = false;
};

}  // namespace skiff::core

namespace skiff::core {

// `checkpoint` and `restore` (core/checkpoint.cpp, core/restore.cpp): the
// flags runc passes on to CRIU.
struct CriuOptions {
    std::string image_path;  // --image-path (absolute); default ./checkpoint as runc
    std::string work_path;   // --work-path (absolute); default: the image path
    bool tcp_established = false;
    bool ext_unix_sk = false;
    bool shell_job = false;
    bool file_locks = false;
    std::string manage_cgroups_mode;  // --manage-cgroups-mode: soft|full|strict|ignore ("": CRIU's default)
    bool empty_ns_net = false;        // --empty-ns network
    bool auto_dedup = false;
};

struct CheckpointOptions {
    std::string id;
    CriuOptions criu;
    std::string parent_path;  // --parent-path, as CRIU reads it: relative to the image path
    bool leave_running = false;
    bool pre_dump = false;
};

struct RestoreOptions {
    CreateOptions create;  // id, bundle, pid_file, console_socket, no_pivot, detach
    CriuOptions criu;
};

}  // namespace skiff::core
