// The v2 freezer: cgroup.freeze is asynchronous; cgroup.events says when
// every task has stopped ("frozen 1"), with a POLLPRI notification.
#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include "cgroups/cgroup.hpp"
#include "cgroups/fs.hpp"
#include "common/clock.hpp"
#include "common/fd.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

Result<void> freeze(const std::string& path, bool frozen, int timeout_ms) {
    if (path.empty()) return Error::msg("the container has no cgroup: pause/resume need cgroup v2");
    const std::string events = path + "/cgroup.events";
    UniqueFd fd(open(events.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::sys("open " + events, errno);
    TRY(write_file(path + "/cgroup.freeze", frozen ? "1" : "0"));
    const std::string want = frozen ? "1" : "0";
    const int64_t deadline = monotonic_ms() + timeout_ms;
    for (;;) {
        char buf[256];
        ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
        if (n < 0) return Error::sys("read " + events, errno);
        auto kv = parse_flat_keyed(std::string(buf, size_t(n)));
        // An empty cgroup counts as frozen; "frozen" is absent on no kernel
        // that has cgroup.freeze.
        if (kv.count("frozen") && std::to_string(kv["frozen"]) == want) return {};
        int64_t left = deadline - monotonic_ms();
        if (left <= 0) {
            if (frozen) (void)write_file(path + "/cgroup.freeze", "0");  // do not leave it half-frozen
            return Error::msg(std::string(frozen ? "freeze " : "thaw ") + path + ": timed out after " +
                              std::to_string(timeout_ms) + " ms waiting for cgroup.events \"frozen " + want + "\"");
        }
        pollfd p{fd.get(), POLLPRI, 0};
        // Wake at least every 100 ms: a notification between the read and
        // the poll would otherwise be missed until the deadline.
        if (poll(&p, 1, int(left < 100 ? left : 100)) < 0 && errno != EINTR) return Error::sys("poll " + events, errno);
    }
}

}  // namespace skiff::cgroups
