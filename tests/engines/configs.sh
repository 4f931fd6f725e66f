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

# cri_conf DIR SANDBOX-IMAGE CNI-CONF-DIR NAME=PATH... : a containerd
# config.toml on stdout as containerd_conf's, with the CRI plugin on: one
# runtime handler (io.containerd.runc.v2, BinaryName = PATH, state under
# DIR/rt-NAME) per NAME=PATH, the first the default.  This host has no
# CAP_SYS_RESOURCE (the sandbox asks oom_score_adj -998), and its v2 view
# no cpu controller (the sandbox always gets cpu.shares 2): hence
# restrict_oom_score_adj and disable_cgroup.  Network namespaces are
# mounted under DIR/state.
cri_conf() {
	local dir=$1 sandbox=$2 cni=$3 entry name
	shift 3
	cat <<CONF
version = 2
root = "$dir/root"
state = "$dir/state"

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox"
  restrict_oom_score_adj = true
  disable_cgroup = true
  netns_mounts_under_state_dir = true

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$cni"

[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "${1%%=*}"
CONF
	for entry in "$@"; do
		name=${entry%%=*}
		cat <<CONF

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$name]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$name.options]
  BinaryName = "${entry#*=}"
  Root = "$dir/rt-$name"
  SystemdCgroup = false
CONF
	done
}

# cni_conflist NAME BRIDGE SUBNET DATA-DIR : a CNI conflist on stdout: one
# bridge (no gateway, so no ip_forward on the host; no masquerading, so
# no iptables) with host-local addresses kept in DATA-DIR.  containerd adds
# the loopback network itself.
cni_conflist() {
	cat <<CONF
{
  "cniVersion": "0.4.0",
  "name": "$1",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$2",
      "isGateway": false,
      "ipMasq": false,
      "ipam": {"type": "host-local", "ranges": [[{"subnet": "$3"}]], "dataDir": "$4"}
    }
  ]
}
CONF
}
