// The one message protocol between skiff (parent) and the container's init
// (child) over a SOCK_SEQPACKET socketpair: each message is one packet with a
// fixed header, an optional payload and at most one fd (SCM_RIGHTS).
//
//   child  -> parent   MapRequest        the child has its new user namespace;
//                                        write uid_map/gid_map (payload: none)
//   parent -> child    MapsWritten
//   child  -> parent   HookRequest       mounts are done, before pivot_root:
//                                        run prestart + createRuntime hooks
//   parent -> child    HooksDone         payload: the state JSON for the
//                                        child's createContainer/startContainer hooks
//   child  -> parent   ConsoleMaster     fd: the pty master (terminal: true)
//   child  -> parent   SeccompListener   fd: the seccomp notify listener
//   child  -> parent   Ready             setup done, about to wait on the exec
//                                        fifo; payload: the child's --timings marks
//                                        (exec: the last message before execve)
//   parent -> child    Recorded          init only: state.json is saved; the child
//                                        may outlive the parent now
//   child  -> parent   Detached          init only: PR_SET_PDEATHSIG cleared; the
//                                        parent may exit (create returns)
//   child  -> parent   Fail              err = errno (or 0), payload: message
//   child  -> parent   Forked            exec's intermediate: the real process's
//                                        pidfd (fd) and pid (payload)
//
// The parent answers every request; EOF without Ready means the child died
// (its exit status is then reported).  Until Recorded the init dies with
// its parent (PR_SET_PDEATHSIG SIGKILL, and EOF on this socket when the
// parent died before that was set): an init that no state.json names could
// never be deleted.
#pragma once

#include <cstdint>
#include <string>

#include "common/fd.hpp"
#include "ocispec/error.hpp"

namespace skiff::proc {

enum class Msg : uint32_t {
    MapRequest = 1,
    MapsWritten,
    HookRequest,
    HooksDone,
    ConsoleMaster,
    SeccompListener,
    Ready,
    Fail,
    Forked,
    Recorded,
    Detached,
};

const char* msg_name(Msg m);

struct Message {
    Msg type = Msg::Fail;
    int32_t err = 0;
    std::string payload;
    UniqueFd fd;
};

oci::Result<void> send_msg(int sock, Msg type, std::string_view payload = {}, int fd = -1,
                           int32_t err = 0);
// EOF is reported as an Error with err == 0 and message "EOF".
oci::Result<Message> recv_msg(int sock);
// Wait for one specific message; a Fail message becomes its Error.
oci::Result<Message> expect_msg(int sock, Msg type);

}  // namespace skiff::proc
