#include "linux/userns_map.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/run.hpp"
#include "common/text.hpp"

namespace skiff::linux {

using oci::Error;
using oci::Result;

namespace {

bool parse_u64(std::string_view s, uint64_t& v) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
}

// A missing file reads as empty: "no ranges" is the error the user can act on.
std::string read_small_file(const char* path) {
    std::string out;
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    return out;
}

std::string range_text(uint64_t start, uint64_t count) {
    return std::to_string(start) + ".." + std::to_string(start + count - 1);
}

std::string user_text(const IdOwner& who, uint32_t id) {
    return who.name.empty() ? "uid " + std::to_string(id) : "user \"" + who.name + "\"";
}

// Finds an executable in PATH (falling back to the usual sbin/bin dirs, as
// su/setpriv may hand us a minimal PATH).
std::string find_helper(const char* name) {
    const char* env = ::getenv("PATH");
    std::string path = env && *env ? env : "";
    path += ":/usr/bin:/bin:/usr/sbin:/sbin";
    for (auto dir : split(path, ":")) {
        if (dir.empty()) continue;
        std::string f = std::string(dir) + "/" + name;
        if (::access(f.c_str(), X_OK) == 0) return f;
    }
    return {};
}

// newuidmap/newgidmap PID c h s [c h s]...; their stderr becomes the error.
Result<void> run_helper(const char* name, const char* field, pid_t pid, const std::vector<oci::IdMapping>& maps) {
    const std::string exe = find_helper(name);
    if (exe.empty())
        return Error::msg(std::string(field) + ": mapping more than the own id needs " + name +
                          " (Debian package uidmap), which is not installed");
    std::vector<std::string> args{exe, std::to_string(pid)};
    for (const auto& m : maps)
        for (uint32_t v : {m.containerID, m.hostID, m.size}) args.push_back(std::to_string(v));
    auto argv = c_strings(args);
    std::string shown = name;
    for (size_t i = 1; i < args.size(); ++i) shown += " " + args[i];

    RunSpec c;
    c.path = exe.c_str();
    c.argv = argv.data();
    c.capture_stdout = false;  // its complaints are on stderr
    c.max_output = 4096;
    auto run = run_command(c);
    if (!run) return std::move(run).error().wrap(std::string(field) + ": run " + shown);
    if (run->success()) return {};
    const std::string& err = run->output;
    std::string how = run->exited() ? "exit status " + std::to_string(run->exit_code())
                                    : "killed by signal " + std::to_string(run->term_signal());
    return Error::msg(std::string(field) + ": " + shown + " failed (" + how + ")" + (err.empty() ? "" : ": " + err));
}

Result<void> write_proc(const std::string& path, const std::string& data, const char* field) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::sys(std::string(field) + ": open " + path, errno);
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) return Error::sys(std::string(field) + ": write \"" + data.substr(0, data.size() - 1) + "\" to " + path, errno);
    if (size_t(n) != data.size()) return Error::msg(std::string(field) + ": short write to " + path);
    return {};
}

Result<void> check_side(const std::vector<oci::IdMapping>& maps, const char* field, uint32_t own,
                        const IdOwner& who, const char* file) {
    if (maps.empty() || single_own_mapping(maps, own)) return {};
    const std::string content = read_small_file(file);
    TRY(check_delegated(maps, field, own, parse_subid(content, who.name, own), who, file));
    const char* helper = std::strcmp(file, "/etc/subuid") == 0 ? "newuidmap" : "newgidmap";
    if (find_helper(helper).empty())
        return Error::msg(std::string(field) + ": mapping more than the own id needs " + helper +
                          " (Debian package uidmap), which is not installed");
    return {};
}

}  // namespace

std::vector<IdRange> parse_subid(std::string_view content, std::string_view name, uint32_t id) {
    std::vector<IdRange> out;
    const std::string id_text = std::to_string(id);
    for (auto line : split(content, "\n")) {
        if (line.empty() || line.front() == '#') continue;
        auto f = split(line, ":");
        if (f.size() != 3) continue;
        if (!((!name.empty() && f[0] == name) || f[0] == id_text)) continue;
        IdRange r;
        if (!parse_u64(f[1], r.start) || !parse_u64(f[2], r.count) || r.count == 0) continue;
        out.push_back(r);
    }
    return out;
}

Result<std::vector<oci::IdMapping>> parse_id_map(std::string_view text) {
    std::vector<oci::IdMapping> out;
    for (auto line : split(text, "\n")) {
        if (line.empty()) continue;
        auto f = split(line, " ");
        uint64_t v[3];
        if (f.size() != 3 || !parse_u64(f[0], v[0]) || !parse_u64(f[1], v[1]) || !parse_u64(f[2], v[2]) ||
            v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[2] > UINT32_MAX)
            return Error::msg("id map line \"" + std::string(line) + "\": expected \"containerID hostID size\"");
        out.push_back({uint32_t(v[0]), uint32_t(v[1]), uint32_t(v[2])});
    }
    return out;
}

bool single_own_mapping(const std::vector<oci::IdMapping>& maps, uint32_t own) {
    return maps.size() == 1 && maps[0].hostID == own && maps[0].size == 1;
}

Result<void> check_delegated(const std::vector<oci::IdMapping>& maps, const char* field, uint32_t own,
                             const std::vector<IdRange>& delegated, const IdOwner& who, const char* file) {
    for (size_t i = 0; i < maps.size(); ++i) {
        const auto& m = maps[i];
        const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
        if (m.size == 0) return Error::msg(where + ": size must not be 0");
        if (m.hostID == own && m.size == 1) continue;
        if (delegated.empty())
            return Error::msg(where + ": host ids " + range_text(m.hostID, m.size) + " are not delegated to " +
                              user_text(who, own) + ": " + file + " has no entry for it (add e.g. \"" +
                              (who.name.empty() ? std::to_string(own) : who.name) + ":100000:65536\")");
        bool inside = false;
        for (const auto& r : delegated)
            inside = inside || (uint64_t(m.hostID) >= r.start && uint64_t(m.hostID) + m.size <= r.start + r.count);
        if (!inside) {
            std::string have;
            for (const auto& r : delegated) have += (have.empty() ? "" : ", ") + range_text(r.start, r.count);
            return Error::msg(where + ": host ids " + range_text(m.hostID, m.size) + " are not delegated to " +
                              user_text(who, own) + " in " + file + " (delegated: " + have + ", and the own id " +
                              std::to_string(own) + ")");
        }
    }
    return {};
}

IdOwner current_owner() {
    IdOwner who;
    who.id = ::geteuid();
    who.gid = ::getegid();
    const std::string want = std::to_string(who.id);
    // named: a temporary in a range-for initializer dies before the loop
    const std::string passwd = read_small_file("/etc/passwd");
    for (auto line : split(passwd, "\n")) {
        auto f = split(line, ":");
        if (f.size() >= 3 && f[2] == want) {
            who.name = std::string(f[0]);
            break;
        }
    }
    return who;
}

Result<void> check_unprivileged_maps(const oci::Config& c) {
    if (!c.linux) return {};
    const IdOwner who = current_owner();
    if (c.linux->uidMappings)
        TRY(check_side(*c.linux->uidMappings, "linux.uidMappings", who.id, who, "/etc/subuid"));
    if (c.linux->gidMappings)
        TRY(check_side(*c.linux->gidMappings, "linux.gidMappings", who.gid, who, "/etc/subgid"));
    return {};
}

Result<void> write_unprivileged_maps(pid_t pid, const std::string& uid_map, const std::string& gid_map) {
    TRY_ASSIGN(auto uids, parse_id_map(uid_map).wrap("linux.uidMappings"));
    TRY_ASSIGN(auto gids, parse_id_map(gid_map).wrap("linux.gidMappings"));
    const std::string base = "/proc/" + std::to_string(pid);
    // gid first: "deny" must precede a directly written gid_map, and
    // newgidmap decides setgroups itself.
    if (single_own_mapping(gids, ::getegid())) {
        TRY(write_proc(base + "/setgroups", "deny\n", "linux.gidMappings"));
        TRY(write_proc(base + "/gid_map", gid_map, "linux.gidMappings"));
        log::debug("user namespace: gid_map written directly, setgroups denied");
    } else {
        TRY(run_helper("newgidmap", "linux.gidMappings", pid, gids));
        log::debug("user namespace: gid_map written by newgidmap");
    }
    if (single_own_mapping(uids, ::geteuid())) {
        TRY(write_proc(base + "/uid_map", uid_map, "linux.uidMappings"));
    } else {
        TRY(run_helper("newuidmap", "linux.uidMappings", pid, uids));
        log::debug("user namespace: uid_map written by newuidmap");
    }
    return {};
}

bool uid_map_is_initial(std::string_view uid_map) {
    auto lines = split(uid_map, "\n");
    if (lines.size() > 1 && lines.back().empty()) lines.pop_back();
    if (lines.size() != 1) return false;
    std::vector<std::string_view> f;
    for (auto w : split(lines[0], " "))
        if (!w.empty()) f.push_back(w);
    uint64_t v[3];
    return f.size() == 3 && parse_u64(f[0], v[0]) && parse_u64(f[1], v[1]) && parse_u64(f[2], v[2]) && v[0] == 0 &&
           v[1] == 0 && v[2] == 4294967295ULL;
}

bool in_initial_user_namespace() {
    UniqueFd fd(::open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
    if (!fd) return true;
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return true;
    return uid_map_is_initial(std::string_view(buf, size_t(n)));
}

}  // namespace skiff::linux
