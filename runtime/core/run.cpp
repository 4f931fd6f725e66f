// `run`: create + start; in the foreground skiff stays the init's parent,
// forwards signals to it, proxies the terminal when it owns the pty, reaps
// it and exits with its status (128+N when killed by signal N), then
// deletes the container unless --keep.
#include <sys/file.h>
#include <unistd.h>

#include "common/log.hpp"
#include "common/timings.hpp"
#include "core/container.hpp"
#include "core/lifecycle.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

Result<int> run(const GlobalOptions& g, const CreateOptions& o) {
    TRY_ASSIGN(Created c, create_container(g, o, !o.detach, Release::Message));
    // a foreground skiff stays the init's parent: systemd should watch it
    auto started = start_locked(c.dir, c.record, o.detach ? 0 : getpid(), c.init_sock.get(), c.pidfd.get());
    if (!started) {
        (void)destroy(c.dir, c.record, oci::Status::Created);
        return std::move(started).error();
    }
    c.pin.release();
    timings::mark("started");
    if (o.detach) return 0;
    // Others (state, kill, exec) must not wait for our lock while we supervise.
    flock(c.dir.fd(), LOCK_UN);
    TRY_ASSIGN(int code, supervise(c.pidfd.get(), c.console_master.get()));
    timings::mark("exited");
    if (!o.keep) {
        flock(c.dir.fd(), LOCK_EX);
        auto d = destroy(c.dir, c.record, oci::Status::Stopped);  // reaped by supervise
        if (!d) log::warn(d.error().message);
        timings::mark("deleted");
    }
    return code;
}

}  // namespace skiff::core
