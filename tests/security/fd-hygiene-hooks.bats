#!/usr/bin/env bats
# No fd of the runtime's caller reaches a hook: a caller (an engine, a shim)
# holding fds that are not close-on-exec must not hand them to hook
# programs, which run with the runtime's privileges on the host.  A hook
# sees stdin (the state), stdout and stderr only, whatever its kind.

load helpers

@test "fd hygiene: hooks of every kind see only fds 0, 1 and 2" {
	mkdir -p "$TEST_DIR/fdlog"
	cat >"$ROOTFS/fdhook.sh" <<'EOS'
#!/bin/sh
# busybox ls lists /proc/self/fd of the ls process itself: same fds as ours
ls /proc/self/fd > "$2/$1"
EOS
	chmod 755 "$ROOTFS/fdhook.sh"
	cfg "d = '$TEST_DIR/fdlog'
def hook(name, path='$ROOTFS/fdhook.sh', out=d):
    return [{'path': path, 'args': ['fdhook.sh', name, out]}]
c['hooks'] = {k: hook(k) for k in ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']}
c['hooks']['startContainer'] = hook('startContainer', '/fdhook.sh', '/fdlog')
c['mounts'].append({'destination': '/fdlog', 'type': 'bind', 'source': d, 'options': ['rbind', 'rw']})"
	set_args true
	local secret="$TEST_DIR/secret"
	echo secret >"$secret"
	# bash opens these without O_CLOEXEC; the runtime inherits them
	status=0
	"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$TEST_DIR/out" 2>&1 \
		3>"$secret" 4<"$secret" 12>>"$secret" 100<"$secret" || status=$?
	cat "$TEST_DIR/out"
	[ "$status" -eq 0 ]
	local kind
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		echo "$kind: $(tr '\n' ' ' <"$TEST_DIR/fdlog/$kind")"
		# ls itself opens one fd for the directory it lists (3); nothing else
		[ "$(tr '\n' ' ' <"$TEST_DIR/fdlog/$kind")" = "0 1 2 3 " ]
	done
}
