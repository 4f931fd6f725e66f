// Shared by the rootfs tests: temp bundles, and a way to run code as pid 1
// of a fresh mount + pid namespace (optionally in a user namespace) so
// nothing it mounts can reach the host.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "support.hpp"

namespace rootfs_test {

using unit::read_file;

// True if any mount on the host (this process's namespace) mentions path.
inline bool host_mounts_mention(const std::string& path) {
    return read_file("/proc/self/mountinfo").find(path) != std::string::npos;
}

struct TempBundle {
    std::string dir;
    std::string rootfs;
    TempBundle() {
        char t[] = "/tmp/skiff-rootfs-test-XXXXXX";
        if (!::mkdtemp(t)) throw std::runtime_error("mkdtemp");
        dir = t;
        rootfs = dir + "/rootfs";
    }
    ~TempBundle() {
        // Never delete through a mount that leaked (the test then fails on
        // host_mounts_mention anyway).
        if (!host_mounts_mention(dir)) std::filesystem::remove_all(dir);
    }
};

// Runs body in a forked child that is root of a new user namespace (only
// its own uid and gid mapped, as any user may) with a new mount namespace
// it owns: there a planner given privileged HostFacts can clone mount trees
// whoever runs the tests.  Returns "" on success or the failure text.
inline std::string run_as_userns_root(const std::function<std::string()>& body) {
    int msg[2];
    if (::pipe2(msg, O_CLOEXEC) < 0) return "pipe failed";
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    pid_t c = ::fork();
    if (c == 0) {
        ::alarm(60);
        auto put = [&](const std::string& m) {
            if (!m.empty() && ::write(msg[1], m.data(), m.size()) < 0) {}
        };
        auto write_proc = [](const char* f, const std::string& v) {
            std::ofstream o(std::string("/proc/self/") + f);
            o << v;
            o.flush();
            return bool(o);
        };
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            put(std::string("unshare: ") + std::strerror(errno));
            ::_exit(2);
        }
        if (!write_proc("setgroups", "deny") || !write_proc("uid_map", "0 " + std::to_string(uid) + " 1\n") ||
            !write_proc("gid_map", "0 " + std::to_string(gid) + " 1\n")) {
            put("write the id maps");
            ::_exit(2);
        }
        std::string r;
        try {
            r = body();
        } catch (const std::exception& e) {
            r = std::string("exception: ") + e.what();
        }
        put(r);
        ::_exit(r.empty() ? 0 : 1);
    }
    ::close(msg[1]);
    std::string err;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(msg[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<size_t>(n));
    ::close(msg[0]);
    int st = 0;
    while (::waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    if (err.empty() && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) err = "child failed, status " + std::to_string(st);
    return err;
}

}  // namespace rootfs_test
