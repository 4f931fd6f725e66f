# Engine configuration files, shared by the engines suite and bench/
# (sourced, not run).

# podman_conf DEFAULT NAME=PATH... : a containers.conf on stdout whose
# [engine.runtimes] lists each NAME=PATH, with DEFAULT ("" for none) as the
# runtime.  This host's v2 view has no pids controller and its hard rlimits
# are below podman's defaults; netns "none" keeps podman off the host's
# network; no systemd: cgroupfs and file events.
podman_conf() {
	local default=$1 entry
	shift
	cat <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
pids_limit = 0
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
	[ -z "$default" ] || echo "runtime = \"$default\""
	printf '\n[engine.runtimes]\n'
	for entry in "$@"; do echo "${entry%%=*} = [\"${entry#*=}\"]"; done
}

# containerd_conf DIR : a containerd config.toml on stdout keeping all of
# containerd's state, its socket and its opt dir under DIR, without CRI.
containerd_conf() {
	cat <<CONF
version = 2
root = "$1/root"
state = "$1/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$1/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$1/opt"
CONF
}
