// conformance-checker: run as a container's process, compare what the
// container sees with the config.json the driver bind-mounted into it.
//
//   conformance-checker [CONFIG] [--only FAMILY,...]
//
// CONFIG defaults to /conformance/config.json.  The driver passes the host's
// namespace inodes as CONF_HOST_NS_<type>=<inode> and the inodes of joined
// namespace paths as CONF_JOIN_NS_<type>=<inode>, since the container cannot
// see the host's /proc.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "checker.hpp"

int main(int argc, char** argv) {
    // Listed first so the fd check sees the fds the runtime left us, not ours.
    conf::Json none;
    conf::check_fds(none);

    std::string path = "/conformance/config.json";
    std::string only;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else
            path = argv[i];
    }
    bool ok = false;
    std::string text = conf::read_file(path, &ok);
    conf::Json cfg;
    std::string err;
    if (!ok || !conf::parse_json(text, cfg, err)) {
        std::printf("not ok checker config # cannot read %s: %s\n", path.c_str(),
                    ok ? err.c_str() : "open failed");
        return 1;
    }
    const std::map<std::string, std::function<void(const conf::Json&)>> families = {
        {"namespaces", conf::check_namespaces}, {"identity", conf::check_identity},
        {"sysctl", conf::check_sysctl},         {"time", conf::check_time_offsets},
        {"cgroup", conf::check_cgroup},         {"mounts", conf::check_mounts},
        {"paths", conf::check_paths},           {"devices", conf::check_devices},
        {"process", conf::check_process},       {"security", conf::check_security},
        {"limits", conf::check_limits},
    };
    for (const auto& [name, fn] : families) {
        if (!only.empty() && ("," + only + ",").find("," + name + ",") == std::string::npos) continue;
        fn(cfg);
    }
    std::fflush(stdout);
    return 0;
}
