#!/usr/bin/env bash
# Proves the checker can fail: runs it on the host (no container) against a
# config the host cannot match and expects each named check to say "not ok".
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
out=${XDG_CACHE_HOME:-/tmp}/skiff-conformance
mkdir -p "$out"
g++ -std=c++20 -O2 -static -Wall -Wextra -Werror -o "$out/checker.selftest" "$here"/checker/*.cpp || exit 1
cfg=$(mktemp)
trap 'rm -f "$cfg" "$out/checker.selftest"' EXIT
cat >"$cfg" <<'JSON'
{"hostname": "conformance-not-this-host", "root": {"readonly": true},
 "process": {"cwd": "/nonexistent", "env": ["CONF_SELFTEST_UNSET=1"],
             "user": {"uid": 4242, "gid": 4242},
             "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 7, "hard": 9}],
             "capabilities": {"bounding": [], "effective": [], "permitted": []}},
 "linux": {"sysctl": {"kernel.hostname": "conformance-not-this-host"},
           "namespaces": [{"type": "pid"}],
           "devices": [{"path": "/dev/null", "type": "b", "major": 9, "minor": 9}]}}
JSON
report=$(CONF_HOST_NS_pid=$(stat -L -c %i /proc/self/ns/pid) "$out/checker.selftest" "$cfg")
n=0 bad=0
for want in "config.hostname hostname" "config.root readonly" "config.process cwd" \
	"config.process env CONF_SELFTEST_UNSET" "config.process.user uid" \
	"config.process.rlimits RLIMIT_NOFILE" "config.process.capabilities bounding" \
	"config-linux.sysctl kernel.hostname" "config-linux.namespaces pid new" \
	"config-linux.devices /dev/null type b"; do
	n=$((n + 1))
	if grep -q "^not ok $want" <<<"$report"; then
		echo "ok $n - checker fails $want"
	else
		echo "not ok $n - checker did not fail $want"
		bad=1
	fi
done
echo "1..$n"
exit $bad
