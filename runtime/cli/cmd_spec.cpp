// `skiff spec [--bundle DIR] [--rootless]`: write a default config.json.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cli/check_host.hpp"
#include "cli/commands.hpp"
#include "cli/spec_default.hpp"
#include "common/fd.hpp"
#include "ocispec/json.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"bundle", 'b', true, "DIR", "directory to write config.json into (default: current directory)"},
    {"rootless", 0, false, "", "a spec for a rootless container"},
};

int run_spec(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 0, 0)) return 1;
    SpecOptions o;
    o.rootless = p.flag("rootless");
    o.uid = geteuid();
    o.gid = getegid();
    o.cgroup_ns = detect_cgroup_layout() == CgroupLayout::Unified;
    std::string json = oci::write_config(default_spec(o), /*pretty=*/true);
    if (json.empty() || json.back() != '\n') json += '\n';

    // runc names the file as given: "config.json", or "DIR/config.json" with --bundle.
    std::string path = p.has("bundle") ? p.get("bundle") + "/config.json" : "config.json";
    // O_EXCL: never overwrite, even if config.json appears while we write.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!fd) {
        if (errno == EEXIST) return fail(ctx, "", oci::Error{"File " + path + " exists. Remove it first", EEXIST});
        return fail(ctx, "", oci::Error::sys("create \"" + path + "\"", errno));
    }
    size_t off = 0;
    while (off < json.size()) {
        ssize_t n = ::write(fd.get(), json.data() + off, json.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            unlink(path.c_str());
            return fail(ctx, "", oci::Error::sys("write \"" + path + "\"", e));
        }
        off += static_cast<size_t>(n);
    }
    return 0;
}

}  // namespace

const Command& cmd_spec() {
    static const Command c{"spec", "spec [command options]", "create a new specification file (config.json)",
                           flags, false, run_spec};
    return c;
}

}  // namespace skiff::cli
