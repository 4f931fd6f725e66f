#include "core/rootless.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "common/log.hpp"
#include "linux/userns_map.hpp"

namespace skiff::core {

using oci::Error;
using oci::Result;

linux::HostFacts detect_host(Rootless mode) {
    std::optional<bool> rootless;
    if (mode != Rootless::Auto) rootless = mode == Rootless::True;
    linux::HostFacts h = linux::detect_host_facts(rootless);
    if (h.rootless)
        log::debug(std::string("rootless: ") +
                   (h.unprivileged() ? "euid " + std::to_string(h.euid) : std::string("nested user namespace")));
    return h;
}

Result<void> check_rootless_config(const linux::HostFacts& host, const oci::Config& c) {
    // Without privileges, only the ids the config maps through its own user
    // namespace can be had; root in a nested namespace maps what it has.
    if (!host.rootless || !host.unprivileged()) return {};
    const oci::Namespace* user = oci::find_namespace(c, oci::NamespaceType::User);
    if (!user)
        return Error::msg("linux.namespaces: skiff runs unprivileged (euid " + std::to_string(host.euid) +
                          ") and needs a user namespace (type \"user\") to set up the container; "
                          "`skiff spec --rootless` writes a config with one");
    if (user->path && !user->path->empty()) return {};  // joined: its maps are already written
    return linux::check_unprivileged_maps(c);
}

Result<void> check_state_root(const linux::HostFacts& host, const std::string& root) {
    if (!host.unprivileged() || root.empty()) return {};
    // The deepest existing directory on the way: where mkdir would happen.
    std::string at = root;
    while (at.size() > 1 && ::access(at.c_str(), F_OK) != 0) {
        const size_t slash = at.rfind('/');
        at.erase(slash == 0 || slash == std::string::npos ? 1 : slash);
    }
    if (::faccessat(AT_FDCWD, at.c_str(), W_OK | X_OK, AT_EACCESS) == 0) return {};
    const char* xdg = ::getenv("XDG_RUNTIME_DIR");
    return Error::sys("state root \"" + root + "\" (\"" + at + "\" is not writable by uid " +
                          std::to_string(host.euid) + "; " +
                          (xdg && *xdg ? std::string("check $XDG_RUNTIME_DIR or pass --root")
                                       : std::string("$XDG_RUNTIME_DIR is not set: set it or pass --root")) +
                          ")",
                      EACCES);
}

}  // namespace skiff::core
