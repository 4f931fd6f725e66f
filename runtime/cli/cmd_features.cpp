// `skiff features`: what this build of skiff implements.
#include <seccomp.h>
#include <sys/capability.h>

#include <cstdio>

#include "cli/check_host.hpp"
#include "cli/commands.hpp"
#include "cli/features.hpp"
#include "ocispec/json.hpp"
#include "skiff_build.h"
#include "skiff_commit.h"

namespace skiff::cli {
namespace {

template <class E>
std::vector<E> all_values() {
    std::vector<E> v;
    for (size_t i = 0; i < oci::EnumInfo<E>::names.size(); ++i) v.push_back(static_cast<E>(i));
    return v;
}

// Only the architectures this libseccomp can build filters for.
std::vector<oci::SeccompArch> supported_archs() {
    std::vector<oci::SeccompArch> out;
    for (auto a : all_values<oci::SeccompArch>()) {
        std::string n(oci::enum_name(a).substr(10));  // after "SCMP_ARCH_"
        for (auto& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (seccomp_arch_resolve_name(n.c_str()) != 0) out.push_back(a);
    }
    return out;
}

oci::Strings capability_names() {
    oci::Strings out;
    for (int i = 0; i < static_cast<int>(cap_max_bits()); ++i) {
        char* n = cap_to_name(static_cast<cap_value_t>(i));
        if (!n) continue;
        std::string s = n;
        cap_free(n);
        for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        out.push_back(s);
    }
    return out;
}

int run_features(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 0, 0)) return 1;
    std::string out = oci::write_features(build_features(), /*pretty=*/true);
    if (out.empty() || out.back() != '\n') out += '\n';
    fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

const oci::Strings& known_mount_options() {
    static const oci::Strings opts = {
        "acl",        "async",      "atime",      "bind",        "defaults",    "dev",        "diratime",
        "dirsync",    "exec",       "idmap",      "iversion",    "lazytime",    "loud",       "mand",
        "noacl",      "noatime",    "nodev",      "nodiratime",  "noexec",      "noiversion", "nolazytime",
        "nomand",     "norelatime", "nostrictatime", "nosuid",   "nosymfollow", "private",    "ratime",
        "rbind",      "rdev",       "rdiratime",  "relatime",    "remount",     "rexec",      "ridmap",
        "rnoatime",   "rnodev",     "rnodiratime", "rnoexec",    "rnorelatime", "rnostrictatime", "rnosuid",
        "rnosymfollow", "ro",       "rprivate",   "rrelatime",   "rro",         "rrw",        "rshared",
        "rslave",     "rstrictatime", "rsuid",    "rsymfollow",  "runbindable", "rw",         "shared",
        "silent",     "slave",      "strictatime", "suid",       "symfollow",   "sync",       "tmpcopyup",
        "unbindable",
    };
    return opts;
}

oci::Features build_features() {
    HostProbe h = probe_host();
    oci::Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = SKIFF_SPEC_VERSION;
    f.hooks = oci::Strings{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    f.mountOptions = known_mount_options();

    oci::LinuxFeatures l;
    l.namespaces = all_values<oci::NamespaceType>();
    l.capabilities = capability_names();
    l.cgroup = oci::CgroupFeatures{false, true, true, true, true};
    oci::SeccompFeatures s;
    s.enabled = true;
    s.actions = all_values<oci::SeccompAction>();
    s.operators = all_values<oci::SeccompOperator>();
    s.archs = supported_archs();
    s.knownFlags = all_values<oci::SeccompFlag>();
    s.supportedFlags = h.seccomp_flags;
    l.seccomp = std::move(s);
    l.apparmor = oci::EnabledFlag{h.apparmor};
    l.selinux = oci::EnabledFlag{h.selinux};
    l.intelRdt = oci::EnabledFlag{false};
    l.mountExtensions = oci::MountExtensions{oci::EnabledFlag{true}};
    l.netDevices = oci::EnabledFlag{true};
    f.linux = std::move(l);

    oci::StringMap ann;
    ann["io.github.skiff.version"] = SKIFF_VERSION;
    ann["io.github.skiff.commit"] = SKIFF_COMMIT;
    if (const scmp_version* v = seccomp_version())
        ann["io.github.seccomp.libseccomp.version"] =
            std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
    f.annotations = std::move(ann);
    return f;
}

const Command& cmd_features() {
    static const Command c{"features", "features", "show the features this skiff implements", {}, false,
                           run_features};
    return c;
}

}  // namespace skiff::cli
