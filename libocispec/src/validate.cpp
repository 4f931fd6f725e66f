// Semantic validation of a parsed config: the rules of config.md and
// config-linux.md that a JSON schema cannot express, plus the few checks runc
// makes before it touches the system (so a bad config fails before create
// does anything).  Rules, in order:
//   ociVersion is a 1.x version; root is present with a non-empty path;
//   process.args is non-empty; process.cwd is absolute; oomScoreAdj is within
//   -1000..1000; rlimits are known, unique and soft <= hard; capabilities are
//   spelled CAP_*; mount destinations, hook paths, device paths and namespace
//   paths are absolute; hook timeouts are >= 1; namespace types are unique;
//   uid/gid mappings need a user namespace and a new user namespace needs
//   mappings; timeOffsets need a new time namespace; hostname/domainname need
//   a uts namespace; cgroupsPath has no ".." component; sysctl keys are
//   non-empty; unified keys are plain file names; seccomp errno values only
//   with SCMP_ACT_ERRNO/TRACE, SCMP_ACT_NOTIFY needs listenerPath, and
//   listenerMetadata needs listenerPath.
#include <cstdint>
#include <iterator>
#include <string>

#include "describe.hpp"
#include "ocispec/json.hpp"

namespace oci {
namespace {

constexpr std::string_view kRlimits[] = {
    "RLIMIT_CPU",     "RLIMIT_FSIZE",  "RLIMIT_DATA",   "RLIMIT_STACK",
    "RLIMIT_CORE",    "RLIMIT_RSS",    "RLIMIT_NPROC",  "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK", "RLIMIT_AS",     "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

using oci::quote;
std::string idx(std::string_view base, size_t i) {
    return std::string(base) + "[" + std::to_string(i) + "]";
}

class Validator {
  public:
    explicit Validator(std::string_view name) : name_(name) {}

    Error fail(const std::string& path, const std::string& why) const {
        return Error::msg(std::string(name_) + ": " + path + ": " + why);
    }
    // The path of the offending property is spelled out only on failure:
    // a valid config builds no message strings.
    static bool is_absolute(const std::string& value) { return !value.empty() && value[0] == '/'; }
    Error not_absolute(const std::string& path, const std::string& value) const {
        return fail(path, "must be an absolute path, got " + quote(value));
    }

    Result<void> version(const Config& c) const;
    Result<void> process(const Process& p) const;
    Result<void> hooks(const Hooks& h) const;
    Result<void> namespaces(const Config& c) const;
    Result<void> linux_misc(const Linux& l) const;
    Result<void> seccomp(const Seccomp& s) const;

  private:
    std::string_view name_;
};

Result<void> Validator::version(const Config& c) const {
    if (c.ociVersion.empty()) return fail("ociVersion", "must not be empty");
    // Major version 1 (any minor/patch, pre-release suffixes allowed).
    const std::string& v = c.ociVersion;
    bool ok1 = v.size() >= 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '9';
    if (!ok1) return fail("ociVersion", "unsupported version " + quote(v) + ", want 1.x");
    return ok();
}

Result<void> Validator::process(const Process& p) const {
    if (!p.args) return fail("process", "missing required property \"args\"");
    if (p.args->empty()) return fail("process.args", "must have at least one item");
    if (!is_absolute(p.cwd)) return not_absolute("process.cwd", p.cwd);
    if (p.oomScoreAdj && (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000))
        return fail("process.oomScoreAdj",
                    "must be within -1000..1000, got " + std::to_string(*p.oomScoreAdj));
    if (p.rlimits) {
        uint32_t seen = 0;  // bit i: kRlimits[i]
        static_assert(std::size(kRlimits) <= 32);
        for (size_t i = 0; i < p.rlimits->size(); ++i) {
            const Rlimit& r = (*p.rlimits)[i];
            size_t k = 0;
            while (k < std::size(kRlimits) && kRlimits[k] != r.type) ++k;
            if (k == std::size(kRlimits))
                return fail(idx("process.rlimits", i) + ".type", "unknown rlimit " + quote(r.type));
            if (seen & (uint32_t{1} << k))
                return fail(idx("process.rlimits", i) + ".type", "duplicate rlimit " + quote(r.type));
            seen |= uint32_t{1} << k;
            if (r.soft > r.hard)
                return fail(idx("process.rlimits", i), "soft limit " + std::to_string(r.soft) +
                                                           " exceeds hard limit " + std::to_string(r.hard));
        }
    }
    if (p.capabilities) {
        const Capabilities& c = *p.capabilities;
        const std::pair<const char*, const Opt<Strings>*> sets[] = {
            {"bounding", &c.bounding},       {"effective", &c.effective},
            {"inheritable", &c.inheritable}, {"permitted", &c.permitted},
            {"ambient", &c.ambient},
        };
        for (const auto& [set, list] : sets) {
            if (!*list) continue;
            for (size_t i = 0; i < (*list)->size(); ++i) {
                const std::string& cap = (**list)[i];
                bool ok1 = cap.size() > 4 && cap.compare(0, 4, "CAP_") == 0;
                for (size_t j = 4; ok1 && j < cap.size(); ++j)
                    ok1 = (cap[j] >= 'A' && cap[j] <= 'Z') || (cap[j] >= '0' && cap[j] <= '9') ||
                          cap[j] == '_';
                if (!ok1)
                    return fail(idx(std::string("process.capabilities.") + set, i),
                                "invalid capability name " + quote(cap) + ", want CAP_*");
            }
        }
    }
    return ok();
}

Result<void> Validator::hooks(const Hooks& h) const {
    const std::pair<const char*, const Opt<std::vector<Hook>>*> kinds[] = {
        {"prestart", &h.prestart},           {"createRuntime", &h.createRuntime},
        {"createContainer", &h.createContainer}, {"startContainer", &h.startContainer},
        {"poststart", &h.poststart},         {"poststop", &h.poststop},
    };
    for (const auto& [kind, list] : kinds) {
        if (!*list) continue;
        for (size_t i = 0; i < (*list)->size(); ++i) {
            const Hook& hk = (**list)[i];
            const char* k = kind;  // a structured binding cannot be captured before C++20 P1091 (clang < 16)
            auto at = [&] { return idx(std::string("hooks.") + k, i); };
            if (!is_absolute(hk.path)) return not_absolute(at() + ".path", hk.path);
            if (hk.timeout && *hk.timeout < 1)
                return fail(at() + ".timeout",
                            "must be at least 1, got " + std::to_string(*hk.timeout));
        }
    }
    return ok();
}

Result<void> Validator::namespaces(const Config& c) const {
    const Linux* l = c.linux ? &*c.linux : nullptr;
    if (l && l->namespaces) {
        uint32_t seen = 0;  // bit: NamespaceType
        for (size_t i = 0; i < l->namespaces->size(); ++i) {
            const Namespace& ns = (*l->namespaces)[i];
            const uint32_t bit = uint32_t{1} << static_cast<unsigned>(ns.type);
            if (seen & bit)
                return fail(idx("linux.namespaces", i) + ".type",
                            "duplicate namespace " + quote(enum_name(ns.type)));
            seen |= bit;
            if (ns.path && !is_absolute(*ns.path))
                return not_absolute(idx("linux.namespaces", i) + ".path", *ns.path);
        }
    }
    const Namespace* user = find_namespace(c, NamespaceType::User);
    bool has_maps = l && ((l->uidMappings && !l->uidMappings->empty()) ||
                          (l->gidMappings && !l->gidMappings->empty()));
    if (has_maps && !user)
        return fail(l->uidMappings ? "linux.uidMappings" : "linux.gidMappings",
                    "mappings require a user namespace");
    // As runc: a new user namespace without mappings would leave every id
    // unmapped (nobody), which is never what the caller meant.
    if (user && !user->path && (!l->uidMappings || l->uidMappings->empty()))
        return fail("linux.uidMappings", "a new user namespace requires uid mappings");
    if (user && !user->path && (!l->gidMappings || l->gidMappings->empty()))
        return fail("linux.gidMappings", "a new user namespace requires gid mappings");
    if (l && l->timeOffsets) {
        const Namespace* t = find_namespace(c, NamespaceType::Time);
        if (!t) return fail("linux.timeOffsets", "requires a time namespace");
        if (t->path)
            return fail("linux.timeOffsets", "cannot be set when joining a time namespace");
    }
    // The kernel takes at most HOST_NAME_MAX (64) bytes for either name, and
    // a C string ends at the first NUL: say so here rather than let the init
    // fail (or truncate) later.
    for (auto [field, value] : {std::pair{"hostname", &c.hostname}, {"domainname", &c.domainname}}) {
        if (!*value) continue;
        const std::string& n = **value;
        if (n.size() > 64)
            return fail(field, "is " + std::to_string(n.size()) + " bytes, longer than 64 bytes (HOST_NAME_MAX)");
        if (n.find('\0') != std::string::npos) return fail(field, "must not contain a NUL character");
    }
    if (c.hostname && !c.hostname->empty() && !find_namespace(c, NamespaceType::Uts))
        return fail("hostname", "requires a uts namespace");
    if (c.domainname && !c.domainname->empty() && !find_namespace(c, NamespaceType::Uts))
        return fail("domainname", "requires a uts namespace");
    return ok();
}

Result<void> Validator::linux_misc(const Linux& l) const {
    if (l.devices)
        for (size_t i = 0; i < l.devices->size(); ++i)
            if (!is_absolute((*l.devices)[i].path))
                return not_absolute(idx("linux.devices", i) + ".path", (*l.devices)[i].path);
    if (l.cgroupsPath) {
        // Absolute, relative and systemd "slice:prefix:name" forms are all
        // accepted; what none may do is climb out of the hierarchy.
        const std::string& p = *l.cgroupsPath;
        size_t start = 0;
        while (start <= p.size()) {
            size_t end = p.find_first_of("/:", start);
            if (end == std::string::npos) end = p.size();
            if (p.compare(start, end - start, "..") == 0)
                return fail("linux.cgroupsPath", "must not contain \"..\", got " + quote(p));
            start = end + 1;
        }
    }
    if (l.sysctl)
        for (const auto& [k, v] : *l.sysctl)
            if (k.empty()) return fail("linux.sysctl", "keys must not be empty");
    if (l.resources && l.resources->unified)
        for (const auto& [k, v] : *l.resources->unified)
            if (k.empty() || k == "." || k == ".." || k.find('/') != std::string::npos)
                return fail("linux.resources.unified",
                            "key " + quote(k) + " must be a cgroup file name");
    if (l.seccomp) TRY(seccomp(*l.seccomp));
    return ok();
}

Result<void> Validator::seccomp(const Seccomp& s) const {
    auto takes_errno = [](SeccompAction a) {
        return a == SeccompAction::Errno || a == SeccompAction::Trace;
    };
    if (s.defaultErrnoRet && !takes_errno(s.defaultAction))
        return fail("linux.seccomp.defaultErrnoRet",
                    "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, default action is " +
                        std::string(enum_name(s.defaultAction)));
    bool notify = s.defaultAction == SeccompAction::Notify;
    if (s.syscalls)
        for (size_t i = 0; i < s.syscalls->size(); ++i) {
            const SeccompSyscall& sc = (*s.syscalls)[i];
            auto at = [&] { return idx("linux.seccomp.syscalls", i); };
            if (sc.names.empty()) return fail(at() + ".names", "must have at least one item");
            if (sc.errnoRet && !takes_errno(sc.action))
                return fail(at() + ".errnoRet",
                            "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, action is " +
                                std::string(enum_name(sc.action)));
            notify = notify || sc.action == SeccompAction::Notify;
        }
    if (notify && (!s.listenerPath || s.listenerPath->empty()))
        return fail("linux.seccomp.listenerPath", "required when SCMP_ACT_NOTIFY is used");
    if (s.listenerMetadata && !s.listenerPath)
        return fail("linux.seccomp.listenerMetadata", "requires listenerPath");
    return ok();
}

}  // namespace

Result<void> validate_config(const Config& c, std::string_view name) {
    Validator v(name);
    TRY(v.version(c));
    if (!c.root) return Error::msg(std::string(name) + ": missing required property \"root\"");
    if (c.root->path.empty()) return v.fail("root.path", "must not be empty");
    if (c.process) TRY(v.process(*c.process));
    if (c.mounts)
        for (size_t i = 0; i < c.mounts->size(); ++i)
            if (!Validator::is_absolute((*c.mounts)[i].destination))
                return v.not_absolute(idx("mounts", i) + ".destination", (*c.mounts)[i].destination);
    if (c.hooks) TRY(v.hooks(*c.hooks));
    TRY(v.namespaces(c));
    if (c.linux) TRY(v.linux_misc(*c.linux));
    return ok();
}

// runc's rule (^[\w+-\.]+$, not "." or ".."), plus a length bound: the id
// names the state directory and the default cgroup, so it must fit a file
// name (NAME_MAX, 255 bytes); runc leaves that to mkdir's ENAMETOOLONG.
Result<void> validate_container_id(std::string_view id) {
    auto bad = [&] {
        return Error::msg("invalid container id " + quote(id) +
                          ": must match [A-Za-z0-9_+.-]+ and not be \".\" or \"..\"");
    };
    if (id.empty() || id == "." || id == "..") return bad();
    if (id.size() > 255)
        return Error::msg("invalid container id: " + std::to_string(id.size()) +
                          " characters, longer than 255 (a container id names a directory)");
    for (char ch : id) {
        bool ok1 = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' || ch == '.';
        if (!ok1) return bad();
    }
    return ok();
}

}  // namespace oci
