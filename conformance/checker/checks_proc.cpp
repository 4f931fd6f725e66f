// The process: cwd, env, user and groups, umask, capabilities, no_new_privs,
// seccomp, rlimits, oom_score_adj, personality, scheduler, I/O priority, fds.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checker.hpp"

extern char** environ;

namespace conf {

namespace {

const char* kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};

unsigned long long cap_mask(const Json& list) {
    unsigned long long m = 0;
    for (const auto& c : list.items)
        for (unsigned i = 0; i < sizeof kCapNames / sizeof *kCapNames; ++i)
            if (c.str() == kCapNames[i]) m |= 1ull << i;
    return m;
}

std::string hex(unsigned long long v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx", v);
    return buf;
}

int rlimit_resource(const std::string& name) {
    static const std::pair<const char*, int> table[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_STACK", RLIMIT_STACK},     {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME}};
    for (const auto& [n, r] : table)
        if (name == n) return r;
    return -1;
}

}  // namespace

void check_fds(const Json&) {
    // Captured before anything else is opened; opendir's own fd is excluded.
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) {
        fail("runtime-linux.file-descriptors", "only stdio open", "cannot list /proc/self/fd");
        return;
    }
    long preserved = 0;
    if (const char* l = std::getenv("LISTEN_FDS")) preserved = std::atol(l);
    std::string extra;
    while (auto* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        long fd = std::atol(e->d_name);
        if (fd == ::dirfd(d) || fd <= 2 || fd < 3 + preserved) continue;
        char target[256] = {};
        std::string link = std::string("/proc/self/fd/") + e->d_name;
        ::readlink(link.c_str(), target, sizeof target - 1);
        extra += std::string(" ") + e->d_name + "->" + target;
    }
    ::closedir(d);
    expect(extra.empty(), "runtime-linux.file-descriptors", "only stdio open", "extra fds:" + extra);
}

void check_process(const Json& cfg) {
    const Json& p = cfg["process"];
    char cwd[4096] = {};
    std::string want = p["cwd"].str("/");
    expect(::getcwd(cwd, sizeof cwd) && want == cwd, "config.process", "cwd", std::string("cwd is ") + cwd);
    for (const auto& e : p["env"].items) {
        bool found = false;
        for (char** v = environ; *v; ++v)
            if (e.str() == *v) found = true;
        std::string key = e.str().substr(0, e.str().find('='));
        const char* got = std::getenv(key.c_str());
        expect(found, "config.process", "env " + key, got ? std::string("value is ") + got : "unset");
    }
    const Json& u = p["user"];
    expect(::getuid() == u["uid"].uint_or(0) && ::geteuid() == u["uid"].uint_or(0), "config.process.user", "uid",
           "uid " + std::to_string(::getuid()) + " euid " + std::to_string(::geteuid()));
    expect(::getgid() == u["gid"].uint_or(0) && ::getegid() == u["gid"].uint_or(0), "config.process.user", "gid",
           "gid " + std::to_string(::getgid()) + " egid " + std::to_string(::getegid()));
    gid_t groups[256];
    int n = ::getgroups(256, groups);
    std::vector<unsigned long long> got, wanted;
    for (int i = 0; i < n; ++i)
        if (groups[i] != ::getgid()) got.push_back(groups[i]);
    for (const auto& g : u["additionalGids"].items)
        if (g.uint_or(0) != u["gid"].uint_or(0)) wanted.push_back(g.uint_or(0));
    std::string seen;
    for (auto g : got) seen += " " + std::to_string(g);
    bool same = got.size() == wanted.size();
    for (auto w : wanted) {
        bool in = false;
        for (auto g : got) in = in || g == w;
        same = same && in;
    }
    expect(same, "config.process.user", "additionalGids", "groups:" + seen);
    if (u.has("umask")) {
        unsigned got_mask = std::strtoul(proc_status("Umask").c_str(), nullptr, 8);
        expect(got_mask == u["umask"].uint_or(0), "config.process.user", "umask",
               "umask is " + proc_status("Umask"));
    }
}

void check_security(const Json& cfg) {
    const Json& p = cfg["process"];
    const Json& caps = p["capabilities"];
    // The kernel's execve rules decide what the process holds after exec
    // (capabilities(7)); the runtime sets the pre-exec sets.  Compare with
    // what those rules give for the configured sets, limited by the bounding
    // set of the runtime (this host lacks CAP_SYS_RESOURCE).
    unsigned long long host_bnd = ~0ull;
    if (const char* h = std::getenv("CONF_HOST_CAPBND")) host_bnd = std::strtoull(h, nullptr, 16);
    bool nnp = p["noNewPrivileges"].bool_or(false);
    unsigned long long bnd = cap_mask(caps["bounding"]) & host_bnd, inh = cap_mask(caps["inheritable"]) & host_bnd,
                       prm = cap_mask(caps["permitted"]) & host_bnd, amb = cap_mask(caps["ambient"]) & prm & inh;
    unsigned long long want_prm, want_eff;
    if (p["user"]["uid"].uint_or(0) == 0) {
        want_prm = inh | bnd;
        if (nnp) want_prm &= prm;
        want_eff = want_prm;
    } else {
        want_prm = want_eff = amb;
    }
    if (caps.is_null()) {
        skip("config.process.capabilities", "sets", "no capabilities in config");
    } else {
        struct { const char* key; const char* field; unsigned long long want; } sets[] = {
            {"bounding", "CapBnd", bnd}, {"inheritable", "CapInh", inh}, {"permitted", "CapPrm", want_prm},
            {"effective", "CapEff", want_eff}, {"ambient", "CapAmb", amb}};
        for (const auto& s : sets) {
            unsigned long long got = std::strtoull(proc_status(s.field).c_str(), nullptr, 16);
            expect(got == s.want, "config.process.capabilities", s.key,
                   std::string(s.field) + " " + hex(got) + ", expected " + hex(s.want));
        }
    }
    std::string got_nnp = proc_status("NoNewPrivs");
    expect(got_nnp == (nnp ? "1" : "0"), "config.process", "noNewPrivileges", "NoNewPrivs is " + got_nnp);

    const Json& sc = cfg["linux"]["seccomp"];
    if (sc.is_null()) return;
    std::string mode = proc_status("Seccomp");
    expect(mode == "2", "config-linux.seccomp", "filter mode", "Seccomp is " + mode);
    for (const auto& rule : sc["syscalls"].items) {
        if (rule["action"].str() != "SCMP_ACT_ERRNO" || !rule["args"].items.empty()) continue;
        int want = int(rule["errnoRet"].int_or(EPERM));
        for (const auto& name : rule["names"].items) {
            long rc;
            errno = 0;
            if (name.str() == "mkdir") rc = ::syscall(SYS_mkdir, "/tmp/.conformance-probe", 0700);
            else if (name.str() == "mkdirat") rc = ::syscall(SYS_mkdirat, AT_FDCWD, "/tmp/.conformance-probe", 0700);
            else if (name.str() == "getpriority") rc = ::syscall(SYS_getpriority, PRIO_PROCESS, 0);
            else continue;
            int err = errno;
            if (rc == 0 && (name.str() == "mkdir" || name.str() == "mkdirat")) ::rmdir("/tmp/.conformance-probe");
            expect(rc == -1 && err == want, "config-linux.seccomp", "probe " + name.str(),
                   rc == -1 ? "errno " + std::to_string(err) + " (" + errno_text(err) + "), expected " +
                                  std::to_string(want)
                            : "syscall was allowed");
        }
    }
}

void check_limits(const Json& cfg) {
    const Json& p = cfg["process"];
    for (const auto& r : p["rlimits"].items) {
        std::string type = r["type"].str();
        int res = rlimit_resource(type);
        if (res < 0) {
            skip("config.process.rlimits", type, "unknown to the checker");
            continue;
        }
        struct rlimit rl {};
        ::getrlimit(res, &rl);
        bool ok = rl.rlim_cur == r["soft"].uint_or(0) && rl.rlim_max == r["hard"].uint_or(0);
        expect(ok, "config.process.rlimits", type,
               "soft " + std::to_string(rl.rlim_cur) + " hard " + std::to_string(rl.rlim_max));
    }
    if (p.has("oomScoreAdj")) {
        std::string got = trim(read_file("/proc/self/oom_score_adj"));
        expect(got == std::to_string(p["oomScoreAdj"].int_or(0)), "config.process", "oomScoreAdj", "value is " + got);
    }
    const Json& pers = cfg["linux"]["personality"];
    if (!pers.is_null()) {
        int cur = ::personality(0xffffffff);
        int want = pers["domain"].str() == "LINUX32" ? PER_LINUX32 : PER_LINUX;
        expect((cur & PER_MASK) == want, "config-linux.personality", pers["domain"].str(),
               "personality is " + std::to_string(cur));
    }
    const Json& sch = p["scheduler"];
    if (!sch.is_null()) {
        int pol = ::sched_getscheduler(0) & ~SCHED_RESET_ON_FORK;
        std::string name = sch["policy"].str();
        int want = name == "SCHED_FIFO" ? SCHED_FIFO : name == "SCHED_RR" ? SCHED_RR
                   : name == "SCHED_BATCH" ? SCHED_BATCH : name == "SCHED_IDLE" ? SCHED_IDLE
                   : name == "SCHED_OTHER" ? SCHED_OTHER : -1;
        expect(pol == want, "config.process.scheduler", "policy " + name, "policy is " + std::to_string(pol));
        if (sch.has("nice")) {
            errno = 0;
            int nice = ::getpriority(PRIO_PROCESS, 0);
            expect(nice == sch["nice"].int_or(0), "config.process.scheduler", "nice", "nice is " + std::to_string(nice));
        }
        if (sch.has("priority")) {
            struct sched_param sp {};
            ::sched_getparam(0, &sp);
            expect(sp.sched_priority == sch["priority"].int_or(0), "config.process.scheduler", "priority",
                   "priority is " + std::to_string(sp.sched_priority));
        }
    }
    const Json& io = p["ioPriority"];
    if (!io.is_null()) {
        long v = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
        std::string cls = io["class"].str();
        long want_cls = cls == "IOPRIO_CLASS_RT" ? 1 : cls == "IOPRIO_CLASS_BE" ? 2 : cls == "IOPRIO_CLASS_IDLE" ? 3 : 0;
        expect(v >= 0 && (v >> 13) == want_cls && (v & 0xff) == io["priority"].int_or(0), "config.process.io-priority",
               cls, "ioprio_get is class " + std::to_string(v >> 13) + " data " + std::to_string(v & 0xff));
    }
}

}  // namespace conf
