// The inside of ProcessPlan, shared by process_plan.cpp (parent),
// process_apply.cpp and process_exec.cpp (child), and the unit tests.
#pragma once

#include <limits.h>
#include <sys/resource.h>
#include <sys/types.h>

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

oci::Result<ProcessPlan> plan_process(const oci::Config& c, const oci::Process& p,
                                      const ProcessHost& host);

struct LsmWrite {
    std::string path;   // /proc/self/attr/... (the container's /proc)
    std::string value;
    std::string field;  // for messages
};

struct ProcessPlan::Impl {
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

    // Scratch the child writes into instead of allocating.
    char exec_path[PATH_MAX] = {};
    char scratch[PATH_MAX] = {};
    bool wants_home = false;             // process.env lacks HOME
    char home_env[5 + PATH_MAX] = "HOME=/";  // envp's HOME slot when wants_home
};

}  // namespace skiff::linux
