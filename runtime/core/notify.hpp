// NOTIFY_SOCKET (systemd Type=notify, Quadlet), done as runc does it:
//
// create: when NOTIFY_SOCKET is set, <state dir>/notify/ is bind-mounted
// read-only at /run/notify in the container and the process gets
// NOTIFY_SOCKET=/run/notify/notify.sock.  Nothing is bound yet, so nothing
// the container could send before `start` is accepted.
//
// start (and run): the proxy socket is bound before the exec fifo releases
// the init, so no message is lost; after the release the runtime waits for
// the container's READY=1 (or the init's exit) and passes it on to the
// host's NOTIFY_SOCKET once, with MAINPID set to the process systemd should
// watch: the init after `start` and `run -d`, skiff itself for a foreground
// `run` (it stays the init's parent).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/fd.hpp"
#include "ocispec/config.hpp"
#include "ocispec/error.hpp"

namespace skiff::core {

// What prepare_notify did; active is false when NOTIFY_SOCKET was not set.
struct NotifyProxy {
    bool active = false;
    std::string host_socket;      // NOTIFY_SOCKET of the create command
    std::string socket_path;      // <state dir>/notify/notify.sock (bound at start)
    std::string container_path;   // /run/notify/notify.sock
};

// create, after the state dir exists and before the rootfs is planned:
// makes <state_dir>/notify, appends its bind mount to cfg.mounts and
// NOTIFY_SOCKET to cfg.process.env, and records the host socket in
// <state_dir>/notify-host for `start`.  A no-op when NOTIFY_SOCKET is unset.
oci::Result<NotifyProxy> prepare_notify(oci::Config& cfg, const std::string& state_dir);

// The bound proxy socket of one container, between bind and relay.
class NotifyRelay {
  public:
    // start, before the init is released: binds <state_dir>/notify/notify.sock
    // when the container was created with a proxy and a host socket is known
    // (NOTIFY_SOCKET of `start`, else the one recorded by create).
    // Returns an inactive relay otherwise.
    static oci::Result<NotifyRelay> open(const std::string& state_dir);

    bool active() const { return bool(sock_); }

    // After the release: waits for a datagram holding READY=1 (forever when
    // timeout_ms < 0) or for the process behind init_pidfd to exit, then sends
    // that datagram's lines (MAINPID and BARRIER lines dropped), followed by
    // MAINPID=<mainpid>, to the host socket, and waits for systemd to take it
    // (sd_notify_barrier).  Exactly one READY is passed on.  Returns false
    // when the init exited (or the timeout passed) without READY.
    oci::Result<bool> relay_ready(int init_pidfd, pid_t mainpid, int timeout_ms);

  private:
    UniqueFd sock_;
    std::string host_;
    std::string path_;
};

}  // namespace skiff::core
