"""The operations shared by cases: run a bundle through create, state,
start, state, wait, delete, checking state.md at each step, and collect the
checker's lines."""

import os
import subprocess
import time

from runner import err_text


class Ctx:
    def __init__(self, rt, rec, work, template, checker, schemas, v2_view):
        self.rt, self.rec, self.work = rt, rec, work
        self.template, self.checker, self.schemas = template, checker, schemas
        self.v2_view = v2_view
        self.serial = 0
        self.bundles = []

    def cid(self, name):
        self.serial += 1
        return f"conf-{name}-{os.getpid()}-{self.serial}"

    def bundle(self, name):
        from bundle import Bundle
        b = Bundle(self.work, f"{self.rt.label}-{name}-{self.serial}", self.template, self.checker)
        self.serial += 1
        self.bundles.append(b)
        return b

    def add(self, section, name, verdict, reason=""):
        self.rec.add(self.rt.label, section, name, verdict, reason)

    def expect(self, section, name, good, reason=""):
        return self.rec.expect(self.rt.label, section, name, good, reason)

    def skip(self, section, name, reason):
        self.add(section, name, "skip", reason)


def check_state(ctx, st, want, cid, bundle, step):
    """state.md: required fields, status, id, bundle path, pid for live
    containers, annotations from the config."""
    sec = "runtime.state"
    if st is None:
        ctx.expect(sec, f"state {step}", False, "state failed")
        return
    errs = ctx.schemas.validate(st, "state-schema.json")
    ctx.expect(sec, f"schema {step}", not errs, "; ".join(errs[:3]))
    wants = want if isinstance(want, (list, tuple)) else [want]
    ctx.expect(sec, f"status {step}", st.get("status") in wants,
               f"status {st.get('status')!r}, expected {'/'.join(wants)}")
    ctx.expect(sec, f"id {step}", st.get("id") == cid, f"id {st.get('id')!r}")
    ctx.expect(sec, f"bundle {step}", st.get("bundle") == bundle.path,
               f"bundle {st.get('bundle')!r}, expected absolute {bundle.path}")
    if st.get("status") in ("created", "running"):
        ctx.expect(sec, f"pid {step}", isinstance(st.get("pid"), int) and st["pid"] > 0,
                   f"pid {st.get('pid')!r} for a {st.get('status')} container")
    ann = bundle.config.get("annotations")
    if ann:
        ctx.expect(sec, f"annotations {step}", st.get("annotations") == ann,
                   f"annotations {st.get('annotations')!r}")


def run_checker(ctx, name, bundle, section, check_states=False):
    """Returns the checker's stdout text, or None when the container did not
    run (recorded as a failure of `section`)."""
    rt = ctx.rt
    cid = ctx.cid(name)
    out_path = os.path.join(bundle.dir, "stdout")
    with open(out_path, "wb") as out:
        p = rt("create", "--bundle", bundle.path, cid, stdout=out)
    if p.returncode != 0:
        ctx.expect(section, f"create [{name}]", False, err_text(p))
        rt.force_delete(cid)
        return None
    try:
        if check_states:
            st, _ = rt.state(cid)
            check_state(ctx, st, "created", cid, bundle, "after create")
        p = rt("start", cid)
        if p.returncode != 0:
            ctx.expect(section, f"start [{name}]", False, err_text(p))
            return None
        if check_states:
            st, _ = rt.state(cid)
            check_state(ctx, st, ("running", "stopped"), cid, bundle, "after start")
        st = rt.wait_status(cid, "stopped")
        if check_states:
            check_state(ctx, st, "stopped", cid, bundle, "after exit")
        if not st or st.get("status") != "stopped":
            ctx.expect(section, f"exits [{name}]", False, "container still running after 10 s")
            return None
        p = rt("delete", cid)
        if check_states:
            ctx.expect("runtime.delete", "delete of a stopped container", p.returncode == 0, err_text(p))
            st, _ = rt.state(cid)
            ctx.expect("runtime.state", "state after delete fails", st is None, "state still answers")
    finally:
        rt.force_delete(cid)
    with open(out_path, "rb") as f:
        text = f.read().decode(errors="replace")
    if ctx.rec.checker_lines(rt.label, name, text) == 0:
        ctx.expect(section, f"checker ran [{name}]", False, "no checker output: " + text[:200])
        return None
    return text


def checker_case(ctx, name, section, mutate, check_states=False):
    b = ctx.bundle(name)
    mutate(b.config)
    b.write()
    run_checker(ctx, name, b, section, check_states)


def must_fail_create(ctx, name, section, bundle, what, raw=None):
    """runtime.md#errors: an invalid config is rejected and leaves nothing."""
    bundle.write(raw)
    cid = ctx.cid(name)
    p = ctx.rt("create", "--bundle", bundle.path, cid, stdout=subprocess.DEVNULL)
    ok = ctx.expect(section, what, p.returncode != 0, "create succeeded")
    if ok:
        st, _ = ctx.rt.state(cid)
        ctx.expect(section, what + ": nothing left", st is None, f"state still shows {st}")
    ctx.rt.force_delete(cid)
    time.sleep(0)
    return p
