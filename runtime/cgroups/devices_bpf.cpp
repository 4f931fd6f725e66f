#include "cgroups/devices_bpf.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/fd.hpp"
#include "common/log.hpp"

namespace skiff::cgroups {

using oci::Error;
using oci::Result;

namespace {

constexpr unsigned kAccAll = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

Result<unsigned> parse_access(const std::string& field, const std::string& s) {
    unsigned a = 0;
    for (char ch : s) {
        switch (ch) {
            case 'r': a |= BPF_DEVCG_ACC_READ; break;
            case 'w': a |= BPF_DEVCG_ACC_WRITE; break;
            case 'm': a |= BPF_DEVCG_ACC_MKNOD; break;
            default: return Error::msg(field + ".access: invalid \"" + s + "\" (a subset of \"rwm\")");
        }
    }
    return a;
}

// runc's AllowedDevices (libcontainer/specconv), crun's default_devices.
const DeviceRule kDefaults[] = {
    {true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD}, {true, 'b', -1, -1, BPF_DEVCG_ACC_MKNOD},
    {true, 'c', 1, 3, kAccAll},   // null
    {true, 'c', 1, 8, kAccAll},   // random
    {true, 'c', 1, 7, kAccAll},   // full
    {true, 'c', 5, 0, kAccAll},   // tty
    {true, 'c', 1, 5, kAccAll},   // zero
    {true, 'c', 1, 9, kAccAll},   // urandom
    {true, 'c', 5, 1, kAccAll},   // console
    {true, 'c', 136, -1, kAccAll},  // pts/*
    {true, 'c', 5, 2, kAccAll},   // ptmx
    {true, 'c', 10, 200, kAccAll},  // net/tun
};

long bpf(int cmd, bpf_attr* attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

}  // namespace

Result<std::vector<DeviceRule>> device_rules(const std::vector<oci::DeviceCgroup>* rules) {
    std::vector<DeviceRule> out;
    if (rules)
        for (size_t i = 0; i < rules->size(); ++i) {
            const auto& r = (*rules)[i];
            std::string f = "linux.resources.devices[" + std::to_string(i) + "]";
            DeviceRule d;
            d.allow = r.allow;
            std::string t = r.type.value_or("a");
            if (t != "a" && t != "c" && t != "b") return Error::msg(f + ".type: invalid \"" + t + "\" (a, c or b)");
            d.type = t[0];
            d.major = r.major.value_or(-1);
            d.minor = r.minor.value_or(-1);
            if (d.major < -1 || d.minor < -1 || d.major > UINT32_MAX || d.minor > UINT32_MAX)
                return Error::msg(f + ": invalid major/minor");
            TRY_ASSIGN(d.access, parse_access(f, r.access.value_or("rwm")));
            if (d.access == 0) d.access = kAccAll;  // "" means all, as runc
            out.push_back(d);
        }
    for (const auto& d : kDefaults) out.push_back(d);
    return out;
}

namespace {

// Ids of the device programs attached to the cgroup.
std::vector<uint32_t> attached_programs(int cgroup_fd) {
    uint32_t ids[64];
    bpf_attr a{};
    a.query.target_fd = uint32_t(cgroup_fd);
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = uint64_t(uintptr_t(ids));
    a.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, &a) < 0) return {};
    return std::vector<uint32_t>(ids, ids + a.query.prog_cnt);
}

}  // namespace

Result<void> install_device_filter(int cgroup_fd, const std::vector<bpf_insn>& prog, const linux::HostFacts& host,
                                   bool fresh) {
    static const char license[] = "Apache";
    bpf_attr a{};
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = uint64_t(uintptr_t(prog.data()));
    a.insn_cnt = uint32_t(prog.size());
    a.license = uint64_t(uintptr_t(license));
    long fd = bpf(BPF_PROG_LOAD, &a);
    if (fd < 0 && errno == EPERM) {
        // Kernels before 5.11 count BPF memory against RLIMIT_MEMLOCK (later
        // ones charge the memory cgroup).  Raising it needs CAP_SYS_RESOURCE,
        // which we may not have: best effort, and only when the load failed.
        struct rlimit inf{RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0) {
            fd = bpf(BPF_PROG_LOAD, &a);
        } else {
            log::debug("cgroups: raise RLIMIT_MEMLOCK: " + std::string(strerror(errno)));
            errno = EPERM;
        }
    }
    if (fd < 0) {
        int e = errno;
        std::string msg = "load the device cgroup BPF program (" + std::to_string(prog.size()) + " instructions)";
        if (e == EINVAL || e == EACCES) {
            // Again with the verifier's log, only to explain the failure
            // (a log on the fast path costs time and can itself fail).
            static char verifier_log[8192];
            verifier_log[0] = 0;
            a.log_buf = uint64_t(uintptr_t(verifier_log));
            a.log_size = sizeof verifier_log;
            a.log_level = 1;
            if (long again = bpf(BPF_PROG_LOAD, &a); again >= 0) close(int(again));
            if (verifier_log[0]) msg += " [verifier: " + std::string(verifier_log) + "]";
        }
        if (e == EPERM && host.unprivileged()) {
            // Rootless: no BPF without CAP_BPF/CAP_SYS_ADMIN; device nodes
            // cannot be created in a user namespace anyway (as crun).
            log::debug("cgroups: rootless: no device cgroup filter: " + Error::sys(msg, e).message);
            return {};
        }
        return Error::sys(msg, e);
    }
    UniqueFd prog_fd{int(fd)};

    const auto old = fresh ? std::vector<uint32_t>{} : attached_programs(cgroup_fd);
    std::vector<UniqueFd> old_fds;
    for (uint32_t id : old) {
        bpf_attr g{};
        g.prog_id = id;
        long ofd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (ofd >= 0) old_fds.emplace_back(int(ofd));
    }
    bpf_attr at{};
    at.target_fd = uint32_t(cgroup_fd);
    at.attach_bpf_fd = uint32_t(prog_fd.get());
    at.attach_type = BPF_CGROUP_DEVICE;
    at.attach_flags = BPF_F_ALLOW_MULTI;
    if (old_fds.size() == 1) {
        // One program (ours, from create or the last update): swap it in
        // one step, so the container never runs without a filter.
        at.attach_flags |= BPF_F_REPLACE;
        at.replace_bpf_fd = uint32_t(old_fds[0].get());
        if (bpf(BPF_PROG_ATTACH, &at) < 0) return Error::sys("replace the device cgroup BPF program", errno);
        return {};
    }
    if (bpf(BPF_PROG_ATTACH, &at) < 0) return Error::sys("attach the device cgroup BPF program", errno);
    // Several old programs: all of them were also consulted (ALLOW_MULTI
    // denies if any denies), so detaching them after the new one is in
    // place only ever widens to the new rules.
    for (const auto& o : old_fds) {
        bpf_attr d{};
        d.target_fd = uint32_t(cgroup_fd);
        d.attach_bpf_fd = uint32_t(o.get());
        d.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, &d) < 0) log::warn("cgroups: detach an old device program: " + std::string(strerror(errno)));
    }
    return {};
}

}  // namespace skiff::cgroups
