#include "proc/serve.hpp"

namespace skiff::proc {

using oci::Error;
using oci::Result;

namespace {

Error unexpected(Msg m) { return Error::msg(std::string("protocol: unexpected ") + msg_name(m)); }

}  // namespace

Result<std::string> serve(int sock, const Handlers& h) {
    // The last reply's payload: freed only once the next message is in
    // (protocol.hpp, "turns").
    HookStates states;
    for (;;) {
        TRY_ASSIGN(std::optional<Message> m, recv_msg(sock));
        states = HookStates{};
        if (!m) return h.child_died ? h.child_died() : Error::msg("the child closed the socket before ready");
        switch (m->type) {
            case Msg::Ready:
                return std::move(m->text);
            case Msg::Fail:
                return m->error();
            case Msg::MapRequest:
                if (!h.map_request) return unexpected(m->type);
                TRY(h.map_request());
                TRY(send_msg(sock, Msg::MapsWritten));
                break;
            case Msg::HookRequest: {
                if (!h.hook_request) return unexpected(m->type);
                TRY_ASSIGN(states, h.hook_request());
                TRY(send_hooks_done(sock, states));
                break;
            }
            case Msg::ConsoleMaster:
                if (!h.console_master) return unexpected(m->type);
                TRY(h.console_master(std::move(m->fd)));
                TRY(send_msg(sock, Msg::Taken));
                break;
            case Msg::SeccompListener:
                if (!h.seccomp_listener) return unexpected(m->type);
                TRY(h.seccomp_listener(std::move(m->fd)));
                TRY(send_msg(sock, Msg::Taken));
                break;
            case Msg::Forked:
                if (!h.forked) return unexpected(m->type);
                TRY(h.forked(m->pid, std::move(m->fd)));
                TRY(send_msg(sock, Msg::Taken));
                break;
            // only the parent sends these (Detached is read after Recorded, not here)
            case Msg::MapsWritten:
            case Msg::HooksDone:
            case Msg::Recorded:
            case Msg::Detached:
            case Msg::Taken:
            case Msg::Start:
            case Msg::Begin:
                return unexpected(m->type);
        }
    }
}

}  // namespace skiff::proc
