"""Cases checked by the driver: lifecycle and state rules of runtime.md,
hooks, error behaviour, and the features document."""

import json
import os
import subprocess
import time

from flow import check_state, must_fail_create
from runner import err_text


def _sleeper(ctx, name):
    b = ctx.bundle(name)
    b.config["process"]["args"] = ["sleep", "60"]
    b.write()
    return b


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def lifecycle(ctx):
    rt, sec = ctx.rt, "runtime.lifecycle"
    b = _sleeper(ctx, "lifecycle")
    cid = ctx.cid("lifecycle")
    try:
        p = rt("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL)
        if not ctx.expect(sec, "create", p.returncode == 0, err_text(p)):
            return
        st, _ = rt.state(cid)
        check_state(ctx, st, "created", cid, b, "of a created sleeper")
        pid = st.get("pid") if st else None
        # runtime.md#create: process.args MUST NOT run before start
        if pid:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            ctx.expect(sec, "args not run before start", argv[0] != b"sleep", f"pid {pid} already runs sleep")
        p = rt("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL)
        ctx.expect("runtime.create", "duplicate id rejected", p.returncode != 0, "second create succeeded")
        p = rt("start", cid)
        ctx.expect(sec, "start", p.returncode == 0, err_text(p))
        st, _ = rt.state(cid)
        check_state(ctx, st, "running", cid, b, "of a running sleeper")
        p = rt("start", cid)
        ctx.expect("runtime.start", "start of a running container fails", p.returncode != 0, "start succeeded")
        p = rt("delete", cid)
        st, _ = rt.state(cid)
        ctx.expect("runtime.delete", "delete of a running container fails without force",
                   p.returncode != 0 and st is not None and st.get("status") == "running",
                   "delete succeeded" if p.returncode == 0 else f"state now {st}")
        p = rt("kill", cid, "KILL")
        ctx.expect("runtime.kill", "kill of a running container", p.returncode == 0, err_text(p))
        st = rt.wait_status(cid, "stopped")
        check_state(ctx, st, "stopped", cid, b, "after kill")
        if pid:
            ctx.expect("runtime.kill", "process gone after KILL", not _alive(pid) or
                       open(f"/proc/{pid}/stat").read().split()[2] == "Z", f"pid {pid} still alive")
        p = rt("start", cid)
        ctx.expect("runtime.start", "start of a stopped container fails", p.returncode != 0, "start succeeded")
        p = rt("kill", cid, "KILL")
        ctx.expect("runtime.kill", "kill of a stopped container fails", p.returncode != 0, "kill succeeded")
        p = rt("delete", cid)
        ctx.expect("runtime.delete", "delete of a stopped container", p.returncode == 0, err_text(p))
        st, _ = rt.state(cid)
        ctx.expect("runtime.state", "state of a deleted container fails", st is None, f"state: {st}")
        p = rt("state", "conf-no-such-container")
        ctx.expect("runtime.state", "state of an unknown id fails", p.returncode != 0, "state succeeded")
    finally:
        rt.force_delete(cid)


def created_container(ctx):
    rt = ctx.rt
    b = _sleeper(ctx, "created")
    cid = ctx.cid("created")
    try:
        if rt("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL).returncode != 0:
            ctx.expect("runtime.delete", "create for delete test", False, "create failed")
            return
        # runtime.md#delete: "Attempting to delete a container that is not
        # stopped MUST have no effect on the container and MUST generate an
        # error."  A created container is not stopped, so plain delete must
        # fail (runc and crun delete it: they read `created` as deletable).
        p = rt("delete", cid)
        st, _ = rt.state(cid)
        ctx.expect("runtime.delete", "delete of a created container fails without force",
                   p.returncode != 0 and st is not None, "delete succeeded and removed the container")
        if st is None:
            return
        # runtime.md#kill: kill of a created container is allowed
        p = rt("kill", cid, "KILL")
        ctx.expect("runtime.kill", "kill of a created container", p.returncode == 0, err_text(p))
        st = rt.wait_status(cid, "stopped")
        ctx.expect("runtime.kill", "created container stopped after KILL",
                   st is not None and st.get("status") == "stopped", f"state {st}")
        p = rt("delete", cid)
        ctx.expect("runtime.delete", "delete after kill of a created container", p.returncode == 0, err_text(p))
    finally:
        rt.force_delete(cid)


def run_exit_code(ctx):
    b = ctx.bundle("run")
    b.config["process"]["args"] = ["sh", "-c", "exit 3"]
    b.write()
    cid = ctx.cid("run")
    p = ctx.rt("run", "--bundle", b.path, cid, stdout=subprocess.DEVNULL)
    # Not in the spec: runc's CLI contract (run exits with the process's status).
    ctx.expect("cli.run (runc compat)", "exit status of the process", p.returncode == 3,
               f"exit status {p.returncode}: {err_text(p)}")
    ctx.rt.force_delete(cid)


HOOKS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def hooks(ctx):
    rt, sec = ctx.rt, "config.hooks"
    b = _sleeper(ctx, "hooks")
    log = os.path.join(b.dir, "hooklog")
    os.makedirs(log)
    os.chmod(log, 0o777)
    b.config["mounts"].append({"destination": "/hooklog", "type": "bind", "source": log, "options": ["rbind"]})
    b.config["root"]["readonly"] = False
    # startContainer lingers a little so a runtime that runs poststart before
    # the container's process is executed (i.e. before startContainer hooks
    # have finished) shows it every time, not by chance.
    script = ('d=%s; [ -d "$d" ] || d=/hooklog; cat > "$d/$1.json"; '
              '[ "$1" = startContainer ] && sleep 0.3; echo "$1" >> "$d/order"' % log)
    b.config["hooks"] = {h: [{"path": "/bin/sh", "args": ["sh", "-c", script, "sh", h]}] for h in HOOKS}
    b.write()
    cid = ctx.cid("hooks")

    def order():
        try:
            return open(os.path.join(log, "order")).read().split()
        except OSError:
            return []
    try:
        p = rt("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL)
        if not ctx.expect(sec, "create with all hooks", p.returncode == 0, err_text(p)):
            return
        # runtime.md#lifecycle: poststart (step 9) comes after start runs the
        # program (step 8); runc 1.1.5 already runs it during create.
        ctx.expect(sec, "create runs prestart, createRuntime, createContainer in order",
                   order() == HOOKS[:3], f"order {order()}")
        rt("start", cid)
        deadline = time.time() + 5
        while len(order()) < 5 and time.time() < deadline:
            time.sleep(0.02)
        ctx.expect(sec, "start runs startContainer then poststart", order()[3:] == HOOKS[3:5],
                   f"order {order()}")
        rt("kill", cid, "KILL")
        rt.wait_status(cid, "stopped")
        ctx.expect(sec, "poststop not before delete", "poststop" not in order(), f"order {order()}")
        rt("delete", cid)
        ctx.expect(sec, "poststop after delete", order()[-1:] == ["poststop"], f"order {order()}")
        for h in HOOKS:
            try:
                st = json.load(open(os.path.join(log, h + ".json")))
            except (OSError, ValueError) as e:
                ctx.expect(sec, f"{h} state on stdin", False, str(e))
                continue
            # config.md#posix-platform-hooks: the state of the container on
            # stdin, i.e. a document valid against state-schema.json (crun
            # 1.8.1 sends status "starting", outside the schema's enum, and
            # pid 0 to createContainer).
            errs = ctx.schemas.validate(st, "state-schema.json")
            good = not errs and st.get("id") == cid and st.get("bundle") == b.path
            if h != "poststop":
                good = good and isinstance(st.get("pid"), int) and st["pid"] > 0
            ctx.expect(sec, f"{h} state on stdin", good, "; ".join(errs) or json.dumps(st)[:160])
    finally:
        rt.force_delete(cid)


def hook_failure(ctx):
    b = _sleeper(ctx, "hookfail")
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
    must_fail_create(ctx, "hookfail", "config.hooks", b, "failing createRuntime hook fails create")


def errors(ctx):
    sec = "runtime.errors"
    b = ctx.bundle("badjson")
    must_fail_create(ctx, "badjson", sec, b, "malformed config.json rejected", raw='{"ociVersion": ')
    b = ctx.bundle("noroot")
    b.config["root"]["path"] = "/nonexistent/conformance-rootfs"
    must_fail_create(ctx, "noroot", sec, b, "missing root.path rejected")
    b = ctx.bundle("dupns")
    b.config["linux"]["namespaces"].append({"type": "uts"})
    # config-linux.md#namespaces: duplicated types MUST generate an error
    must_fail_create(ctx, "dupns", "config-linux.namespaces", b, "duplicate namespace type rejected")
    b = ctx.bundle("wrongns")
    for ns in b.config["linux"]["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = "/proc/self/ns/uts"
    # config-linux.md: MUST error if path is not a namespace of `type`
    must_fail_create(ctx, "wrongns", "config-linux.namespaces", b, "namespace path of another type rejected")
    b = ctx.bundle("rlimit-hard")
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_MEMLOCK", "soft": 2 ** 40, "hard": 2 ** 40}]
    # config.md#posix-process: rlimits that cannot be set MUST error (this
    # host has no CAP_SYS_RESOURCE, so raising the hard limit fails); the
    # error may come at create or start.
    cid = ctx.cid("rlimit-hard")
    b.write()
    p1 = ctx.rt("create", "--bundle", b.path, cid, stdout=subprocess.DEVNULL)
    p2 = ctx.rt("start", cid) if p1.returncode == 0 else p1
    ctx.expect("config.process.rlimits", "rlimit above the hard limit is an error", p2.returncode != 0,
               "create and start succeeded")
    ctx.rt.force_delete(cid)


def features(ctx):
    p = ctx.rt("features")
    sec = "features"
    if not ctx.expect(sec, "features command", p.returncode == 0, err_text(p)):
        return
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        ctx.expect(sec, "output is JSON", False, str(e))
        return
    errs = ctx.schemas.validate(doc, "features-schema.json")
    ctx.expect(sec, "valid against features-schema.json", not errs, "; ".join(errs[:3]))
    lx = doc.get("linux", {})
    ns = set(lx.get("namespaces", []))
    ctx.expect(sec, "linux.namespaces lists the 7 basic types",
               {"pid", "network", "mount", "ipc", "uts", "user", "cgroup"} <= ns, f"namespaces {sorted(ns)}")
    hooks = set(doc.get("hooks", []))
    ctx.expect(sec, "hooks lists the 6 hook kinds", set(HOOKS) <= hooks, f"hooks {sorted(hooks)}")


def run_runtime_cases(ctx):
    for fn in (lifecycle, created_container, run_exit_code, hooks, hook_failure, errors, features):
        try:
            fn(ctx)
        except Exception as e:  # a driver bug must show up as a failure, not a crash
            ctx.expect("driver", fn.__name__, False, f"{type(e).__name__}: {e}")
