// The inside of ProcessPlan, shared by process_plan.cpp (parent),
// process_apply.cpp and process_exec.cpp (child), and the unit tests.
#pragma once

#include <limits.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "linux/caps.hpp"
#include "linux/process.hpp"
#include "linux/rlimits.hpp"
#include "linux/sched.hpp"
#include "linux/sysctl.hpp"

namespace skiff::linux {

// What plan_process reads from the host, gathered in one place so tests can
// plan against a machine other than the one they run on.
struct ProcessHost {
    CapHost caps;
    rlim_t hard[RLIM_NLIMITS] = {};
    bool apparmor = false;
    bool selinux = false;
};
ProcessHost probe_process_host(const oci::Config& c);
// The same, reading only what `p` asks about: the bounding-set bits of the
// capabilities it names (a prctl each, not one per capability), the hard
// limits of its rlimits, AppArmor/SELinux only with a profile or label.
// What is not read stays unset (caps.grantable clear, hard RLIM_INFINITY,
// no LSM), and plan_process never asks for it.
ProcessHost probe_process_host(const oci::Config& c, const oci::Process& p);

oci::Result<ProcessPlan> plan_process(const oci::Config& c, const oci::Process& p,
                                      const ProcessHost& host);

struct LsmWrite {
    std::string path;   // /proc/self/attr/... (the container's /proc)
    std::string value;
    std::string field;  // for messages
};

struct ProcessPlan::Impl {
    // User-provided, so that `new Impl()` does not zero the 12 KiB of child
    // scratch below (value-initialisation would: a memset and, in a fresh
    // process, three page faults, for buffers the child writes before it
    // reads them).
    Impl() { std::memcpy(home_env, "HOME=/", sizeof "HOME=/"); }

    std::vector<std::string> args, env;
    std::vector<const char*> argv, envp;  // NULL-terminated views of args/env
    std::string cwd;
    std::string path;  // PATH used for the executable lookup

    std::vector<RlimitStep> rlimits;
    std::optional<std::string> oom_score_adj;
    SchedPlan sched;
    std::vector<SysctlStep> sysctls;

    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    mode_t umask = 022;
    bool no_new_privs = false;
    CapPlan caps;
    std::vector<LsmWrite> lsm;

    std::vector<std::string> warnings;  // already logged; kept for tests

    // Scratch the child writes into instead of allocating (uninitialised:
    // each use writes before it reads).
    char exec_path[PATH_MAX];
    char scratch[PATH_MAX];
    bool wants_home = false;    // process.env lacks HOME
    char home_env[5 + PATH_MAX];  // envp's HOME slot when wants_home: "HOME=/" until resolve_home
};

}  // namespace skiff::linux
