"""Running a runtime and recording results."""

import json
import os
import shlex
import subprocess
import tempfile
import time


class Runtime:
    def __init__(self, spec, work):
        self.argv = shlex.split(spec)
        self.label = os.path.basename(self.argv[0])
        self.root = os.path.join(work, "state-" + self.label)
        os.makedirs(self.root, exist_ok=True)

    def __call__(self, *args, stdout=None, timeout=30):
        # Files, not pipes: a container started by create inherits the
        # runtime's stdio, so a pipe would not see EOF until it exits.
        cmd = self.argv + ["--root", self.root] + list(args)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=stdout or out,
                                    stderr=err, timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                rc = 124
                err.write(b"timed out")
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(cmd, rc, out.read(), err.read())

    def state(self, cid):
        p = self("state", cid)
        if p.returncode != 0:
            return None, p.stderr.decode(errors="replace").strip()
        try:
            return json.loads(p.stdout), ""
        except ValueError as e:
            return None, f"state output is not JSON: {e}"

    def wait_status(self, cid, want, timeout=10):
        deadline = time.time() + timeout
        st = None
        while time.time() < deadline:
            st, _ = self.state(cid)
            if st is None or st.get("status") == want:
                return st
            time.sleep(0.02)
        return st

    def force_delete(self, cid):
        """Cleanup whatever a case left, quickly when nothing is left."""
        st, _ = self.state(cid)
        if st is None:
            return
        self("kill", cid, "KILL")
        self.wait_status(cid, "stopped", timeout=3)
        self("delete", "--force", cid)


def err_text(p):
    return (p.stderr.decode(errors="replace").strip().splitlines() or ["(no stderr)"])[-1][:200]


class Recorder:
    """Collects (section, name, verdict, reason) per runtime and prints TAP."""

    def __init__(self, tap_out):
        self.results = {}  # label -> list of tuples
        self.n = 0
        self.out = tap_out

    def add(self, label, section, name, verdict, reason=""):
        self.results.setdefault(label, []).append((section, name, verdict, reason))
        self.n += 1
        desc = f"{label}: {section} {name}"
        if verdict == "ok":
            line = f"ok {self.n} - {desc}"
        elif verdict == "skip":
            line = f"ok {self.n} - {desc} # skip {reason}"
        else:
            line = f"not ok {self.n} - {desc}" + (f" # {reason}" if reason else "")
        print(line, file=self.out, flush=True)

    def expect(self, label, section, name, good, reason=""):
        self.add(label, section, name, "ok" if good else "fail", "" if good else reason)
        return good

    def checker_lines(self, label, case, text):
        """Parses the checker's output; returns how many lines it had."""
        count = 0
        for line in text.splitlines():
            verdict = None
            for prefix, v in (("ok ", "ok"), ("not ok ", "fail"), ("skip ", "skip")):
                if line.startswith(prefix):
                    verdict, rest = v, line[len(prefix):]
                    break
            if not verdict:
                continue
            body, _, reason = rest.partition(" # ")
            section, _, name = body.partition(" ")
            self.add(label, section, f"{name} [{case}]", verdict, reason)
            count += 1
        return count
