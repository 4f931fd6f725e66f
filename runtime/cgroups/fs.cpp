#include "cgroups/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "common/fd.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<void> write_file(const std::string& path, const std::string& value) {
    // No O_CREAT: a cgroup file that does not exist means a missing
    // controller, never something to create.
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open " + path, errno);
    ssize_t n;
    do n = write(fd.get(), value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return Error::sys("write \"" + value + "\" to " + path, errno);
    return {};
}

bool file_exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_or_empty(const std::string& path) {
    auto r = read_file(path);
    return r ? *r : std::string();
}

std::map<std::string, uint64_t> parse_flat_keyed(const std::string& text) {
    std::map<std::string, uint64_t> out;
    std::istringstream in(text);
    std::string key, val;
    while (in >> key >> val) out[key] = val == "max" ? UINT64_MAX : std::strtoull(val.c_str(), nullptr, 10);
    return out;
}

std::optional<uint64_t> read_u64(const std::string& path) {
    auto t = read_file(path);
    if (!t) return std::nullopt;
    std::string s = *t;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (s == "max") return UINT64_MAX;
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::strtoull(s.c_str(), nullptr, 10);
}

namespace {

Result<void> missing_file(const std::string& dir, const Write& w) {
    if (!w.controller.empty())
        return Error::msg(w.field + ": the " + w.controller + " controller is not enabled for " + dir + " (no " +
                          w.file + ")");
    return Error::msg(w.field + ": " + dir + "/" + w.file + " does not exist");
}

}  // namespace

Result<void> write_fresh(int dirfd, const std::string& dir, const Writes& writes) {
    for (const auto& w : writes) {
        UniqueFd fd(openat(dirfd, w.file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) {
            if (errno != ENOENT) return Error::sys("open " + dir + "/" + w.file, errno).wrap(w.field);
            if (!w.optional) return missing_file(dir, w);
            log::debug("cgroups: " + w.field + ": no " + dir + "/" + w.file + ", skipped");
            continue;
        }
        ssize_t n;
        do n = write(fd.get(), w.value.data(), w.value.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) return Error::sys("write \"" + w.value + "\" to " + dir + "/" + w.file, errno).wrap(w.field);
    }
    return {};
}

namespace {

// Files whose whole content is the value that was written; only these can
// be put back after a failed update (io.max and friends are keyed lists).
bool single_value(const std::string& file, const std::string& old) {
    if (old.find('\n') != old.size() - 1) return false;
    return file != "io.max" && file != "io.weight" && file != "rdma.max" && file != "cgroup.subtree_control";
}

}  // namespace

Result<void> apply_writes(const std::string& dir, const Writes& writes) {
    for (const auto& w : writes)
        if (!w.optional && !file_exists(dir + "/" + w.file)) return missing_file(dir, w);
    std::vector<std::pair<std::string, std::string>> undo;  // path, old content
    for (const auto& w : writes) {
        std::string path = dir + "/" + w.file;
        if (w.optional && !file_exists(path)) {
            log::debug("cgroups: " + w.field + ": no " + path + ", skipped");
            continue;
        }
        auto old = read_file(path);
        auto r = write_file(path, w.value);
        if (!r) {
            for (auto it = undo.rbegin(); it != undo.rend(); ++it)
                if (auto u = write_file(it->first, it->second); !u) log::warn("cgroups: rollback: " + u.error().message);
            return std::move(r).error().wrap(w.field);
        }
        if (old && !old->empty() && single_value(w.file, *old)) undo.emplace_back(path, old->substr(0, old->size() - 1));
    }
    return {};
}

}  // namespace skiff::cgroups
