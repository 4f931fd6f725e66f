#include "core/notify.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/clock.hpp"
#include "common/libsystemd.hpp"
#include "common/log.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

namespace {

constexpr const char* kDirInContainer = "/run/notify";
constexpr const char* kSocketName = "notify.sock";
// systemd's own limit on a notification is far below this
constexpr size_t kMaxDatagram = 64 * 1024;
// as runc: a host that does not speak the barrier protocol costs this once
constexpr uint64_t kBarrierTimeoutUsec = 30ULL * 1000 * 1000;

Result<void> write_small_file(const std::string& path, const std::string& data) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Error::sys("open \"" + path + "\"", errno);
    if (::write(fd.get(), data.data(), data.size()) != ssize_t(data.size()))
        return Error::sys("write \"" + path + "\"", errno ? errno : EIO);
    return {};
}

std::string read_small_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return {};
    char buf[4096];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// One datagram; fds that came with it (a container's own barrier pipe) are
// closed, so a container waiting on its barrier is released.
Result<std::string> receive_datagram(int sock) {
    std::string buf(kMaxDatagram, '\0');
    char control[CMSG_SPACE(sizeof(int) * 16)];
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return std::string();
        return Error::sys("receive from the notify proxy socket", errno);
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            ::close(fd);
        }
    }
    buf.resize(size_t(n));
    return buf;
}

}  // namespace

Result<NotifyProxy> prepare_notify(oci::Config& cfg, const std::string& state_dir) {
    NotifyProxy p;
    const char* host = std::getenv("NOTIFY_SOCKET");
    if (!host || !*host) return p;
    p.active = true;
    p.host_socket = host;
    const std::string dir = state_dir + "/notify";
    p.socket_path = dir + "/" + kSocketName;
    p.container_path = std::string(kDirInContainer) + "/" + kSocketName;
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return Error::sys("mkdir \"" + dir + "\"", errno);
    // the container's process may be any uid
    if (::chmod(dir.c_str(), 0755) < 0) return Error::sys("chmod \"" + dir + "\"", errno);
    // kept outside notify/, which the container can read
    TRY(write_small_file(state_dir + "/notify-host", p.host_socket));

    if (!cfg.mounts) cfg.mounts.emplace();
    oci::Mount m;
    m.destination = kDirInContainer;
    m.source = dir;
    m.type = "bind";
    m.options = oci::Strings{"bind", "nosuid", "noexec", "nodev", "ro"};
    cfg.mounts->push_back(std::move(m));

    if (cfg.process) {
        if (!cfg.process->env) cfg.process->env.emplace();
        auto& env = *cfg.process->env;
        // getenv() returns the first match: an inherited value must not win
        std::erase_if(env, [](const std::string& e) { return e.starts_with("NOTIFY_SOCKET="); });
        env.push_back("NOTIFY_SOCKET=" + p.container_path);
    }
    return p;
}

Result<NotifyRelay> NotifyRelay::open(const std::string& state_dir) {
    NotifyRelay r;
    const std::string dir = state_dir + "/notify";
    struct stat st {};
    if (::stat(dir.c_str(), &st) < 0) return r;  // created without NOTIFY_SOCKET
    const char* env = std::getenv("NOTIFY_SOCKET");
    r.host_ = env && *env ? env : read_small_file(state_dir + "/notify-host");
    if (r.host_.empty()) {
        log::debug("notify: no host NOTIFY_SOCKET, READY is not relayed");
        return r;
    }
    r.path_ = dir + "/" + kSocketName;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (r.path_.size() >= sizeof addr.sun_path)
        return Error::msg("notify proxy socket \"" + r.path_ + "\": path too long for a unix socket");
    std::memcpy(addr.sun_path, r.path_.c_str(), r.path_.size() + 1);
    UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) return Error::sys("notify proxy socket", errno);
    ::unlink(r.path_.c_str());
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return Error::sys("bind notify proxy socket \"" + r.path_ + "\"", errno);
    if (::chmod(r.path_.c_str(), 0777) < 0) return Error::sys("chmod \"" + r.path_ + "\"", errno);
    r.sock_ = std::move(s);
    return r;
}

Result<bool> NotifyRelay::relay_ready(int init_pidfd, pid_t mainpid, int timeout_ms) {
    if (!sock_) return false;
    const int64_t deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
    std::string earlier;  // lines that came before READY, passed on with it
    for (;;) {
        int wait = -1;
        if (deadline >= 0) {
            wait = int(std::max<int64_t>(0, deadline - monotonic_ms()));
        }
        pollfd p[2] = {{sock_.get(), POLLIN, 0}, {init_pidfd, POLLIN, 0}};
        int n = poll(p, 2, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("wait for the container's READY", errno);
        if (n == 0) {
            log::warn("notify: no READY=1 from the container within " + std::to_string(timeout_ms) + " ms");
            return false;
        }
        if (p[0].revents & POLLIN) {
            TRY_ASSIGN(std::string d, receive_datagram(sock_.get()));
            bool ready = false;
            size_t start = 0;
            while (start < d.size()) {
                size_t end = d.find('\n', start);
                if (end == std::string::npos) end = d.size();
                std::string_view line(d.data() + start, end - start);
                start = end + 1;
                // the container's pids mean nothing to systemd; the barrier's
                // fd was closed above
                if (line.empty() || line.starts_with("MAINPID=") || line.starts_with("BARRIER=")) continue;
                if (line.starts_with("READY=")) ready = true;
                if (earlier.size() + line.size() < kMaxDatagram) {
                    earlier.append(line);
                    earlier.push_back('\n');
                }
            }
            if (ready) break;
            continue;
        }
        if (p[1].revents) {
            log::debug("notify: the container exited before READY=1");
            return false;
        }
    }
    std::string msg = "MAINPID=" + std::to_string(mainpid) + "\n" + earlier;
    // sd_notify reads the target from the environment; `start` may have
    // been given it only through create's record
    if (::setenv("NOTIFY_SOCKET", host_.c_str(), 1) < 0) return Error::sys("setenv NOTIFY_SOCKET", errno);
    TRY_ASSIGN(const sd::Functions* sd, sd::load());
    int r = sd->sd_notify(0, msg.c_str());
    if (r < 0) return Error::sys("send READY to NOTIFY_SOCKET \"" + host_ + "\"", -r);
    r = sd->sd_notify_barrier(0, kBarrierTimeoutUsec);
    if (r < 0) log::debug("notify: barrier on \"" + host_ + "\": " + std::strerror(-r));
    // Later messages have no reader: the socket goes away with us, so the
    // container's senders fail rather than fill a buffer nobody drains.
    ::unlink(path_.c_str());
    sock_.reset();
    return true;
}

}  // namespace skiff::core
