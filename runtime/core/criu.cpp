#include "core/criu.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "common/file.hpp"
#include "common/log.hpp"
#include "common/run.hpp"
#include "common/text.hpp"

namespace skiff::core::criu {

using oci::Error;
using oci::Result;

Result<std::string> find_binary(const std::string& given) {
    if (given.find('/') != std::string::npos) {
        if (access(given.c_str(), X_OK) == 0) return given;
        return Error::sys("--criu " + given, errno);
    }
    const std::string name = given.empty() ? "criu" : given;
    const char* path = std::getenv("PATH");
    for (std::string_view dir : split(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ":")) {
        if (dir.empty()) continue;
        std::string candidate = std::string(dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return Error{name + " not found in PATH", ENOENT};
}

std::vector<std::string> common_args(const CriuOptions& o) {
    std::vector<std::string> a;
    if (o.tcp_established) a.push_back("--tcp-established");
    if (o.ext_unix_sk) a.push_back("--ext-unix-sk");
    if (o.shell_job) a.push_back("--shell-job");
    if (o.file_locks) a.push_back("--file-locks");
    if (o.auto_dedup) a.push_back("--auto-dedup");
    if (o.empty_ns_net) a.insert(a.end(), {"--empty-ns", "net"});
    a.push_back(o.manage_cgroups_mode.empty() ? "--manage-cgroups" : "--manage-cgroups=" + o.manage_cgroups_mode);
    return a;
}

namespace {

// The nodes every container gets (runtime-linux.md), besides linux.devices.
constexpr const char* default_devices[] = {"/dev/null", "/dev/zero", "/dev/full",
                                           "/dev/random", "/dev/urandom", "/dev/tty"};

// "(00.123456) Error (criu/x.c:1): text" -> "text" with its place.
std::string strip_log_prefix(std::string_view line) {
    if (!line.empty() && line.front() == '(') {
        if (auto close = line.find(") "); close != std::string_view::npos) line.remove_prefix(close + 2);
    }
    return std::string(line);
}

// CRIU's reason: the first "Error" line of its log (the cause; later ones
// are its consequences, "Could not initialize kernel features detection"),
// else the last line it printed, else its exit status.
std::string failure_reason(const std::string& log_path, const Finished& f) {
    if (auto log = read_file(log_path); log) {
        for (std::string_view line : split(*log, "\n"))
            if (line.find("Error (") != std::string_view::npos) return strip_log_prefix(line);
    }
    if (!f.output.empty()) {
        const auto lines = split(f.output, "\n");
        return strip_log_prefix(lines.back());
    }
    if (f.timed_out) return "timed out";
    if (f.exited()) return "exit status " + std::to_string(f.exit_code());
    return "killed by signal " + std::to_string(f.term_signal());
}

}  // namespace

bool is_bind(const oci::Mount& m) {
    if (m.type && *m.type == "bind") return true;
    if (!m.options) return false;
    return std::any_of(m.options->begin(), m.options->end(),
                       [](const std::string& o) { return o == "bind" || o == "rbind"; });
}

std::vector<std::pair<std::string, std::string>> external_mounts(const oci::Config& cfg) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const oci::Mount& m : cfg.mounts.value_or(std::vector<oci::Mount>{}))
        if (is_bind(m)) out.emplace_back(m.destination, m.source.value_or(m.destination));
    for (const char* d : default_devices) out.emplace_back(d, d);
    if (cfg.linux && cfg.linux->devices)
        for (const oci::Device& d : *cfg.linux->devices) out.emplace_back(d.path, d.path);
    return out;
}

std::vector<ExternalNs> external_namespaces(const oci::Config& cfg) {
    std::vector<ExternalNs> out;
    if (!cfg.linux || !cfg.linux->namespaces) return out;
    for (const oci::Namespace& ns : *cfg.linux->namespaces) {
        if (!ns.path || ns.path->empty()) continue;
        if (ns.type == oci::NamespaceType::Network) out.push_back({"net", "extRootNetNS", *ns.path});
        if (ns.type == oci::NamespaceType::Pid) out.push_back({"pid", "extRootPidNS", *ns.path});
    }
    return out;
}

Result<void> run(const std::string& binary, const Run& r) {
    std::vector<std::string> argv{"criu", r.action, "-v4", "-o", r.log_path};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    log::debug("criu: " + [&] {
        std::string s;
        for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
        return s;
    }());
    auto cargv = c_strings(argv);
    RunSpec spec;
    spec.path = binary.c_str();
    spec.argv = cargv.data();
    spec.keep_fds = r.keep_fds;
    spec.cgroup_fd = r.cgroup_fd;
    TRY_ASSIGN(Finished f, run_command(spec));
    if (f.success()) return {};
    std::string msg = "criu " + r.action + " failed: " + failure_reason(r.log_path, f);
    if (r.log_kept) msg += " (CRIU's log: " + r.log_path + ")";
    return Error::msg(msg);
}

MadeDir::~MadeDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) log::warn("remove " + path_ + ": " + ec.message());
}

Result<MadeDir> MadeDir::ensure(const std::string& path) {
    MadeDir d;
    if (mkdir(path.c_str(), 0700) == 0) {
        d.path_ = path;
        return d;
    }
    if (errno != EEXIST) return Error::sys("mkdir " + path, errno);
    struct stat st;
    if (stat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return Error::msg(path + ": not a directory");
    return d;
}

}  // namespace skiff::core::criu
