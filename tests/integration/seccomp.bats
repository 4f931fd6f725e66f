#!/usr/bin/env bats
# linux.seccomp as the container's process sees it: errno, kill, log,
# default errno, podman's default profile, and SCMP_ACT_NOTIFY with an agent
# at listenerPath (tests/tools/seccomp-agent).

load helpers
load tools

PODMAN_PROFILE=/usr/share/containers/seccomp.json

# seccomp_rules 'PYTHON LIST OF RULES' [DEFAULT-ACTION [EXTRA PYTHON]]
seccomp_rules() {
	# a writable rootfs: EROFS must not answer before the filter does
	cfg 'c["root"]["readonly"] = False
c["linux"]["seccomp"] = {"defaultAction": "'"${2:-SCMP_ACT_ALLOW}"'",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": '"$1"'}
'"${3:-}"
}

@test "seccomp: SCMP_ACT_ERRNO returns errnoRet inside the container" {
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
	set_args sh -c 'mkdir /tmp/d; echo "rc=$?"; test -d /tmp/d && echo exists; grep "^Seccomp:" /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkdir: can't create directory '/tmp/d': Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" != *exists* ]]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]

	# another errno is passed through as given (38 = ENOSYS)
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	# without errnoRet, EPERM (runtime-spec: the default errno)
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "seccomp: an argument condition limits the rule" {
	# only kill(pid, 0) -- the existence probe -- is refused
	seccomp_rules '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
  "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}]'
	set_args sh -c 'kill -0 $$ && echo probe-ok; kill -CONT $$ && echo cont-ok'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" != *probe-ok* ]]
	[[ "$output" == *cont-ok* ]]
}

@test "seccomp: SCMP_ACT_KILL kills with SIGSYS (exit 159)" {
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]'
	set_args mkdir /tmp/killed
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 159 ]
	[ ! -d "$ROOTFS/tmp/killed" ]
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 159 ]
	# the shell survives a child's death
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]'
	set_args sh -c 'mkdir /tmp/k; echo "child=$?"'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *"child=159"* ]]
}

@test "seccomp: SCMP_ACT_LOG allows the call" {
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]'
	set_args sh -c 'mkdir /tmp/logged && echo made; grep "^Seccomp:" /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *made* ]]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
	[ -d "$ROOTFS/tmp/logged" ]
}

@test "seccomp: defaultAction SCMP_ACT_ERRNO with defaultErrnoRet" {
	# a busybox shell's needs (and a runtime's between load and execve)
	# allowed; everything else, mkdir included, fails with ENOSYS
	local allow='["read", "write", "readv", "writev", "open", "openat", "close", "stat", "fstat", "lstat",
  "newfstatat", "statx", "lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask",
  "rt_sigreturn", "ioctl", "access", "faccessat", "faccessat2", "pipe", "pipe2", "dup", "dup2", "dup3",
  "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "setgroups",
  "setuid", "setgid", "setresuid", "setresgid", "capget", "capset", "prctl", "arch_prctl",
  "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit", "execve", "execveat",
  "exit", "exit_group", "wait4", "waitid", "clone", "clone3", "fork", "vfork", "uname", "getcwd",
  "chdir", "fchdir", "fcntl", "getdents64", "readlink", "readlinkat", "futex", "nanosleep",
  "clock_gettime", "clock_nanosleep", "gettimeofday", "sigaltstack", "getrandom", "close_range",
  "sched_yield", "sched_getaffinity", "tgkill", "kill", "madvise", "mremap", "poll", "ppoll",
  "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "write",
  "setsid", "getpgrp", "setpgid", "getpgid", "umask", "sysinfo", "times", "pidfd_open",
  "sendmsg", "recvmsg", "socket", "connect", "fchown", "fchmod", "fstatfs", "statfs"]'
	seccomp_rules '[{"names": '"$allow"', "action": "SCMP_ACT_ALLOW"}]' SCMP_ACT_ERRNO 'c["linux"]["seccomp"]["defaultErrnoRet"] = 38'
	set_args sh -c 'echo shell-runs; mkdir /tmp/d; echo "rc=$?"'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *shell-runs* ]]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
	[ ! -d "$ROOTFS/tmp/d" ]
}

# podman's profile (containers-common format) turned into linux.seccomp as
# podman does: rules kept when their includes match and excludes do not,
# for the container's capabilities and amd64.
use_podman_profile() {
	[ -f "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE not installed (golang-github-containers-common)"
	cfg 'prof = json.load(open("'"$PODMAN_PROFILE"'"))
caps = set(c["process"]["capabilities"]["bounding"])
arches = {"amd64", "x32", "x86"}
def matches(sel):
    return all(set(sel.get(k) or []) & have if k == "arches" else set(sel.get(k) or []) <= have
               for k, have in (("caps", caps), ("arches", arches)) if sel.get(k))
rules = []
for r in prof["syscalls"]:
    inc, exc = r.get("includes") or {}, r.get("excludes") or {}
    if inc and not matches(inc):
        continue
    if exc and any(set(exc.get(k) or []) & (caps if k == "caps" else arches) for k in ("caps", "arches")):
        continue
    rule = {k: r[k] for k in ("names", "action", "args", "errnoRet") if r.get(k) is not None}
    rules.append(rule)
arch = []
for a in prof["archMap"]:
    if a["architecture"] == "SCMP_ARCH_X86_64":
        arch = [a["architecture"]] + a["subArchitectures"]
sc = {"defaultAction": prof["defaultAction"], "architectures": arch, "syscalls": rules}
if prof.get("defaultErrnoRet") is not None:
    sc["defaultErrnoRet"] = prof["defaultErrnoRet"]
c["linux"]["seccomp"] = sc
c["root"]["readonly"] = False'
}

@test "seccomp: podman's default profile loads and a busybox shell runs under it" {
	use_podman_profile
	# sethostname is refused to a container without CAP_SYS_ADMIN
	set_args sh -c 'echo shell-runs; mkdir /tmp/d && echo made; ls / >/dev/null && echo ls-ok; hostname other; grep "^Seccomp:" /proc/self/status'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *shell-runs* ]]
	[[ "$output" == *made* ]]
	[[ "$output" == *ls-ok* ]]
	[[ "$output" == *"sethostname: Operation not permitted"* ]]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
}

@test "seccomp: the compiled profile is cached and reused" {
	skiff_only
	use_podman_profile
	set_args sh -c 'echo run-$RANDOM'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	local cache="$ROOT/.cache/seccomp"
	[ -d "$cache" ]
	local n
	n=$(find "$cache" -type f | wc -l)
	[ "$n" -ge 1 ]
	local before
	before=$(find "$cache" -type f -printf '%p %T@\n' | sort)
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	[ "$status" -eq 0 ]
	# a hit neither adds an entry nor rewrites the one there
	[ "$(find "$cache" -type f -printf '%p %T@\n' | sort)" = "$before" ]
	# the cache dir is not a container: list ignores it
	run rt list -q
	[ "$status" -eq 0 ]
	[[ "$output" != *.cache* ]]
	rm -rf "$cache" "$ROOT/.cache"
}

start_agent() {
	local bin
	bin=$(tool_bin seccomp-agent)
	"$bin" -t 60 "$TEST_DIR/agent.sock" >"$TEST_DIR/agent.out" 2>&1 3>&- &
	AGENT=$!
	BG_PIDS+=("$AGENT")
	wait_socket "$TEST_DIR/agent.sock"
}

notify_profile() {
	seccomp_rules '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]' SCMP_ACT_ALLOW \
		'c["linux"]["seccomp"]["listenerPath"] = "'"$TEST_DIR/agent.sock"'"
c["linux"]["seccomp"]["listenerMetadata"] = "meta-for-agent"'
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to the agent, which fakes mkdir" {
	start_agent
	notify_profile
	set_args sh -c 'mkdir /tmp/notified && echo mkdir-ok; test -d /tmp/notified && echo exists || echo absent'
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	cat "$TEST_DIR/agent.out"
	[ "$status" -eq 0 ]
	# the agent said yes, but nothing was made
	[[ "$output" == *mkdir-ok* ]]
	[[ "$output" == *absent* ]]
	[ ! -e "$ROOTFS/tmp/notified" ]
	grep -q '^notify: mkdir ' "$TEST_DIR/agent.out"
	# the container process state of config-linux.md
	grep '^state: ' "$TEST_DIR/agent.out" | head -n1 | cut -d' ' -f2- >"$TEST_DIR/state.json"
	"$PYTHON" - "$TEST_DIR/state.json" "$ID" "$BUNDLE" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["fds"] == ["seccompFd"], s
assert s["metadata"] == "meta-for-agent", s
assert s["pid"] > 0, s
assert s["ociVersion"], s
st = s["state"]
assert st["id"] == sys.argv[2], st
assert st["bundle"] == sys.argv[3], st
assert st["pid"] == s["pid"], s
assert st["status"] in ("creating", "created"), st
EOF
}

@test "seccomp: an exec'd process gets its own listener, with its own pid" {
	start_agent
	notify_profile
	start_container "$ID" sleep 1000
	wait_grep '^state: ' "$TEST_DIR/agent.out"
	run rt exec "$ID" sh -c 'echo $$ >/tmp/pid; mkdir /tmp/from-exec && echo exec-mkdir-ok; test -d /tmp/from-exec || echo absent' 3>&-
	[ "$status" -eq 0 ]
	[[ "$output" == *exec-mkdir-ok* ]]
	[[ "$output" == *absent* ]]
	wait_grep 'closed: ' "$TEST_DIR/agent.out"
	[ "$(grep -c '^state: ' "$TEST_DIR/agent.out")" -eq 2 ]
	grep '^state: ' "$TEST_DIR/agent.out" | sed -n 2p | cut -d' ' -f2- >"$TEST_DIR/state.json"
	local init
	init=$(container_pid "$ID")
	"$PYTHON" - "$TEST_DIR/state.json" "$init" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["metadata"] == "meta-for-agent", s
assert s["state"]["status"] == "running", s
assert s["state"]["pid"] == int(sys.argv[2]), s
# the process that loaded this filter is the exec'd one, not the init
assert s["pid"] != int(sys.argv[2]), s
EOF
}

@test "seccomp: no agent at listenerPath fails create with a clear error" {
	notify_profile
	set_args true
	rt_bg create --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *agent.sock* ]]
	[ ! -e "$ROOT/$ID" ]
}

# What a static glibc program needs to start, write and exit, plus what
# runc's and crun's inits call between loading the filter and execve.
# Not umask (95) and not getppid (110): the probes below.
PROBE_ALLOW='"read", "write", "open", "openat", "close", "close_range", "fstat", "newfstatat",
  "statx", "lseek", "mmap", "mprotect", "munmap", "mremap", "madvise", "brk", "rt_sigaction",
  "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "ioctl", "pread64", "access", "faccessat",
  "faccessat2", "pipe", "pipe2", "sched_yield", "dup", "dup2", "dup3", "nanosleep",
  "clock_nanosleep", "clock_gettime", "getpid", "gettid", "tgkill", "tkill", "kill", "sendmsg",
  "recvmsg", "socket", "connect", "exit", "exit_group", "wait4", "waitid", "uname", "fcntl",
  "getdents64", "getcwd", "chdir", "fchdir", "readlink", "readlinkat", "getuid", "getgid",
  "geteuid", "getegid", "setuid", "setgid", "setresuid", "setresgid", "setgroups", "capget",
  "capset", "prctl", "arch_prctl", "futex", "set_tid_address", "set_robust_list", "rseq",
  "prlimit64", "getrlimit", "setrlimit", "getrandom", "clone", "clone3", "execve", "execveat",
  "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "sched_getaffinity", "mmap2", "fstatfs", "statfs",
  "fchown", "fchmod", "fsync", "getsockopt", "setsockopt", "getsockname",
  "getpeername", "pidfd_open", "pidfd_send_signal", "poll", "ppoll", "select", "pselect6"'

@test "seccomp: a syscall newer than every one the profile names gets ENOSYS, a denied one EPERM" {
	local probe
	probe=$(tool_bin syscall-probe)
	cp "$probe" "$ROOTFS/probe"
	# getppid (110) listed with the default action, mkdir (83) denied by a rule
	seccomp_rules '[{"names": ['"$PROBE_ALLOW"'], "action": "SCMP_ACT_ALLOW"},
  {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
  {"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]' SCMP_ACT_ERRNO
	# 1000 and 0x3fffffff: above every number named (any kernel's, for now);
	# 83 mkdir: listed, denied; 110 getppid: listed with the default action;
	# 95 umask: not listed but below the highest named: the default, EPERM.
	set_args /probe 1000 0x3fffffff 83 110 95
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1000 38" ]
	[ "${lines[1]}" = "1073741823 38" ]
	[ "${lines[2]}" = "83 1" ]
	[ "${lines[3]}" = "110 1" ]
	[ "${lines[4]}" = "95 1" ]
}

@test "seccomp: a permissive default (SCMP_ACT_ALLOW) gets no ENOSYS stub: a listed syscall keeps its rule" {
	local probe
	probe=$(tool_bin syscall-probe)
	cp "$probe" "$ROOTFS/probe"
	seccomp_rules '[{"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]' SCMP_ACT_ALLOW
	set_args /probe 95 1000
	run rt run --bundle "$BUNDLE" "$ID" 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "95 13" ]
	[ "${lines[1]}" = "1000 38" ]   # the kernel's own answer
}
