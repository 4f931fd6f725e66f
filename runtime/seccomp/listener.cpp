// Parent side of SCMP_ACT_NOTIFY: hand the listener fd to the seccomp agent
// at listenerPath with the container process state (config-linux.md, "The
// Container Process State").  One connection, one message, then close.
#include <sys/socket.h>
#include <sys/un.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/fd.hpp"
#include "seccomp/program.hpp"
#include "skiff_build.h"

namespace skiff::seccomp {
namespace {

struct GenDeleter {
    void operator()(yajl_gen g) const { yajl_gen_free(g); }
};
struct TreeDeleter {
    void operator()(yajl_val v) const { yajl_tree_free(v); }
};

void gen_string(yajl_gen g, std::string_view s) {
    yajl_gen_string(g, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

// The process state without its "state" member; the caller's state object is
// spliced in verbatim so it reaches the agent exactly as `state` prints it.
std::string process_state(const oci::Seccomp& s, int64_t pid, const std::string& state_json) {
    std::unique_ptr<yajl_gen_t, GenDeleter> g(yajl_gen_alloc(nullptr));
    yajl_gen_map_open(g.get());
    gen_string(g.get(), "ociVersion");
    gen_string(g.get(), SKIFF_SPEC_VERSION);
    gen_string(g.get(), "fds");
    yajl_gen_array_open(g.get());
    gen_string(g.get(), "seccompFd");
    yajl_gen_array_close(g.get());
    gen_string(g.get(), "pid");
    yajl_gen_integer(g.get(), pid);
    if (s.listenerMetadata) {
        gen_string(g.get(), "metadata");
        gen_string(g.get(), *s.listenerMetadata);
    }
    yajl_gen_map_close(g.get());
    const unsigned char* buf;
    size_t len;
    yajl_gen_get_buf(g.get(), &buf, &len);
    std::string out(reinterpret_cast<const char*>(buf), len);
    out.pop_back();  // the closing '}'
    out += ",\"state\":";
    out += state_json;
    out += '}';
    return out;
}

oci::Result<yajl_val> parse_state(const std::string& state_json) {
    char err[256] = "";
    yajl_val v = yajl_tree_parse(state_json.c_str(), err, sizeof err);
    if (!v) return oci::Error::msg(std::string("state: ") + err);
    if (!YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        return oci::Error::msg("state: expected an object");
    }
    return v;
}

}  // namespace

oci::Result<void> send_listener(const oci::Seccomp& s, int listener_fd, int64_t pid,
                                const std::string& state_json) {
    if (!s.listenerPath || s.listenerPath->empty())
        return oci::Error::msg("linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    const std::string& path = *s.listenerPath;
    std::string what = "send seccomp listener to \"" + path + "\"";
    auto parsed = parse_state(state_json);
    if (!parsed) return std::move(parsed).error().wrap(what);
    yajl_tree_free(*parsed);
    std::string msg = process_state(s, pid, state_json);

    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return oci::Error::msg(what + ": path longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return oci::Error::sys(what + ": socket", errno);
    int rc;
    do rc = ::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return oci::Error::sys(what + ": connect", errno);

    // The fd travels with the first bytes only (the spec allows several
    // sendmsg calls but fds in the first one).
    size_t sent = 0;
    bool first = true;
    while (sent < msg.size()) {
        iovec iov{msg.data() + sent, msg.size() - sent};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        OneFdControl control;
        if (first) control.attach(mh, listener_fd);
        ssize_t n = ::sendmsg(sock.get(), &mh, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return oci::Error::sys(what + ": sendmsg", errno);
        sent += static_cast<size_t>(n);
        first = false;
    }
    return oci::ok();
}

oci::Result<void> send_listener(const oci::Seccomp& s, int listener_fd, const std::string& state_json) {
    TRY_ASSIGN(yajl_val v, parse_state(state_json));
    std::unique_ptr<std::remove_pointer_t<yajl_val>, TreeDeleter> tree(v);
    const char* key[] = {"pid", nullptr};
    yajl_val pid = yajl_tree_get(tree.get(), key, yajl_t_number);
    if (!pid || !YAJL_IS_INTEGER(pid))
        return oci::Error::msg("send seccomp listener: state has no integer \"pid\"");
    return send_listener(s, listener_fd, YAJL_GET_INTEGER(pid), state_json);
}

}  // namespace skiff::seccomp
