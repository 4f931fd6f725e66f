// The parent's side of the protocol (proc/protocol.hpp): one loop for
// create and exec.  Each flow passes a handler for every message it
// expects; the loop sends the replies, so which request gets which answer
// is decided here and nowhere else.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "common/fd.hpp"
#include "ocispec/error.hpp"
#include "proc/protocol.hpp"

namespace skiff::proc {

struct Handlers {
    std::function<oci::Result<void>()> map_request;         // then MapsWritten is sent
    std::function<oci::Result<HookStates>()> hook_request;  // then HooksDone with these states
    std::function<oci::Result<void>(UniqueFd)> console_master;
    std::function<oci::Result<void>(UniqueFd)> seccomp_listener;
    std::function<oci::Result<void>(pid_t, UniqueFd)> forked;  // pid and pidfd of the real process
    // EOF before Ready: the child died; the error to report (its exit status).
    std::function<oci::Error()> child_died;
};

// Receives and dispatches until Ready, whose text (the child's --timings
// marks) it returns.  Fail is returned as its Error; a message without a
// handler, or one only the parent sends, is a protocol error naming it; a
// handler's error ends the loop.
oci::Result<std::string> serve(int sock, const Handlers& h);

}  // namespace skiff::proc
