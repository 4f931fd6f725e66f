// The one message protocol between skiff (parent) and the process it
// cloned (child) over a SOCK_SEQPACKET socketpair: each message is one
// packet, a fixed header (type, errno, pid, a length) then the payload, and
// at most one fd (SCM_RIGHTS).  Both ends are this binary, so the header is
// in host byte order.
//
// Messages (-> is the direction; "reply" is the only answer the sender waits for):
//
//   parent -> child    Begin             first, once the parent is done with what
//                                        follows clone3 (pid recorded): the child's turn
//   child  -> parent   MapRequest        the child has its new user namespace:
//                                        write uid_map/gid_map.   reply: MapsWritten
//   parent -> child    MapsWritten
//   child  -> parent   HookRequest       mounts are done, before pivot_root:
//                                        run prestart + createRuntime.  reply: HooksDone
//   parent -> child    HooksDone         states: the state JSON for createContainer
//                                        ("creating") and for startContainer ("created")
//   child  -> parent   ConsoleMaster     fd: the pty master (terminal: true).  reply: Taken
//   child  -> parent   SeccompListener   fd: the seccomp notify listener.  reply: Taken
//   child  -> parent   Forked            exec, fork_in_pidns only: pid and fd
//                                        (pidfd) of the real process.  reply: Taken
//   parent -> child    Taken             the fd (or the pid) is the parent's now
//   child  -> parent   Ready             setup done; text: the child's --timings marks
//   parent -> child    Recorded          `create` only: state.json is saved.  reply: Detached
//   child  -> parent   Detached          `create` only: PR_SET_PDEATHSIG cleared
//   parent -> child    Start             `run` only, in place of Recorded: state.json is
//                                        saved; clear PR_SET_PDEATHSIG and execve now
//                                        (no exec.fifo)
//   child  -> parent   Fail              err: errno (or 0), text: the message; the
//                                        child exits right after
//
// ConsoleMaster, SeccompListener and Forked carry an fd; no other message does.
//
// create (parent: core/create.cpp, child: proc/init.cpp):
//   Begin
//   [MapRequest -> MapsWritten]          new user namespace, maps by the parent
//   [HookRequest -> HooksDone]           any of prestart, createRuntime,
//                                        createContainer, startContainer
//   [ConsoleMaster]                      terminal: true
//   [SeccompListener]                    a notify action in linux.seccomp
//   Ready                                the parent saves state.json, then
//   Recorded -> Detached                 `create`: create returns; the init waits on
//                                        exec.fifo, then for EOF (the parent is gone:
//                                        see turns)
//   or Start                             `run`: one message instead of Recorded,
//                                        Detached and the fifo; the parent then waits
//                                        for EOF (the init's execve)
//
// exec (parent: core/exec.cpp, child: proc/exec_init.cpp):
//   Begin
//   [Forked -> Taken]                    rootless pid namespace (fork_in_pidns): the
//                                        intermediate joined the user and pid namespaces,
//                                        cloned the real process (CLONE_PARENT, so it is
//                                        skiff's child), sent Forked and exited 0; the
//                                        parent reaps it and serves the real process
//                                        from then on, over the same socket.  The real
//                                        process starts with reading Taken.
//   [ConsoleMaster -> Taken]             --tty
//   [SeccompListener -> Taken]           a notify action
//   Ready                                the last message before execve; the socket is
//                                        CLOEXEC, so its EOF then means execve happened;
//                                        the parent waits for it
//
// Between those, any message may be replaced by Fail.  EOF before Ready
// means the child died: the parent reaps it and reports its exit status.
// Until Recorded (or Start) the init dies with its parent (PR_SET_PDEATHSIG SIGKILL,
// and EOF on this socket when the parent died before that was set): an init
// that no state.json names could never be deleted.
//
// Turns.  The child shares the parent's memory until execve (proc/spawn.hpp),
// so the two must never run at once: every message hands the turn over.  A
// side that sent a message touches no heap and no state the other uses
// until it has received the next one (or EOF): its sender waits for the
// reply right away, with whatever it sent still alive.  Every message but
// Begin, Ready, Detached and Fail has a reply; after Fail the child exits, after
// Ready (exec) or Start (run) it execve()s, after Detached it waits on
// exec.fifo and then for the parent's exit (EOF).  In both directions EOF
// comes only when the other side's mm is released (execve or exit).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
    Taken,
    Start,
    Begin,
};

const char* msg_name(Msg m);
// Whether a message of this type carries exactly one fd.
bool carries_fd(Msg m);

// The largest packet either side sends or accepts (header included).  The
// biggest payload is HooksDone's two state documents; an AF_UNIX datagram
// larger than the socket buffer could not be sent anyway.
inline constexpr size_t kMaxPacket = 1 << 20;

struct HookStates {
    std::string creating;  // for createContainer (and prestart/createRuntime)
    std::string created;   // for startContainer
};

// One received message; which fields are set depends on the type (above).
struct Message {
    Msg type = Msg::Fail;
    int32_t err = 0;   // Fail
    pid_t pid = -1;    // Forked
    std::string text;  // Fail, Ready
    HookStates states; // HooksDone
    UniqueFd fd;       // ConsoleMaster, SeccompListener, Forked (a pidfd)

    // A Fail message as the error it reports.
    oci::Error error() const { return oci::Error{text, err}; }
};

// A message without payload: fd must be given exactly for the types that
// carry one.
oci::Result<void> send_msg(int sock, Msg type, int fd = -1);
oci::Result<void> send_ready(int sock, std::string_view timings);
oci::Result<void> send_fail(int sock, const oci::Error& e);
oci::Result<void> send_forked(int sock, pid_t pid, int pidfd);
oci::Result<void> send_hooks_done(int sock, const HookStates& states);

// One message, or std::nullopt when the peer has closed its end (EOF).  An
// Error is a failed or malformed receive, never a Fail message.
oci::Result<std::optional<Message>> recv_msg(int sock);
// Wait for one specific message: Fail becomes its Error, EOF or another
// type is a protocol error naming what came instead.
oci::Result<Message> expect_msg(int sock, Msg type);

// Blocks until the peer's end is closed (EOF): its execve or exit.  Any
// message that comes first is an error (Fail as its Error).  Touches no heap
// until then.
oci::Result<void> wait_eof(int sock);

// runc's utils.SendFd: `name` as the data bytes and fd as SCM_RIGHTS, in
// one sendmsg.  What an engine's --console-socket receives (and what the
// protocol itself is built on).
oci::Result<void> send_fd(int sock, std::string_view name, int fd);

}  // namespace skiff::proc
