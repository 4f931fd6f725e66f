#!/usr/bin/env python3
"""The module layering of skiff, checked on every #include.

    tests/layering.py [--self-test | --no-known] [SOURCE_ROOT]

Every file under libocispec/ and runtime/ belongs to one module; an
include of another module's header ("linux/mounts.hpp", or the angle form
for every module but linux, whose name is also the kernel's <linux/...>)
is an arrow from the including module to that one.  An arrow not listed in
ALLOWED fails the check, naming file:line and the arrow.  Includes without
a directory ("describe.hpp") stay inside their own module.

--no-known ignores the KNOWN exceptions (to see them fail).
--self-test copies nothing: it writes a small tree with one planted wrong
arrow and one allowed arrow into a temporary directory and requires the
check to fail on exactly the planted one.
"""

import os
import re
import sys
import tempfile

# module -> the modules it may include (besides itself).  main.cpp is the
# binary's entry point and sees only the command layer.
ALLOWED = {
    "ocispec": set(),
    "common": {"ocispec"},
    "linux": {"common", "ocispec"},
    "seccomp": {"common", "ocispec"},
    "proc": {"linux", "seccomp", "common", "ocispec"},
    "cgroups": {"linux", "common", "ocispec"},
    "core": {"proc", "linux", "seccomp", "cgroups", "common", "ocispec"},
    "cli": {"core", "proc", "linux", "seccomp", "cgroups", "common", "ocispec"},
    "main": {"cli"},
}

# Arrows that exist today and are on their way out: (file, header) -> why.
KNOWN = {
}

MODULES = set(ALLOWED) - {"main"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of(rel):
    """The module a source file belongs to, or None if it is not layered."""
    parts = rel.split("/")
    if parts[0] == "libocispec":
        return "ocispec"
    if parts[0] != "runtime":
        return None
    if len(parts) == 2:
        return "main" if parts[1] == "main.cpp" else None
    return parts[1] if parts[1] in MODULES else None


def target_of(bracket, header):
    """The module a header belongs to, or None for system and local headers."""
    if "/" not in header:
        return None
    first = header.split("/", 1)[0]
    if first not in MODULES:
        return None
    if bracket == "<" and first == "linux":
        return None  # <linux/sched.h> is the kernel's
    return first


def sources(root):
    for top in ("libocispec", "runtime"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".cpp", ".hpp", ".h", ".c", ".cc", ".in")):
                    path = os.path.join(d, f)
                    yield path, os.path.relpath(path, root)


def check(root, known=KNOWN):
    """Returns (violations, tolerated) as lists of message strings."""
    bad, tolerated, seen = [], [], set()
    for path, rel in sources(root):
        src = module_of(rel)
        if src is None:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                dst = target_of(m.group(1), m.group(2))
                if dst is None or dst == src or dst in ALLOWED[src]:
                    continue
                msg = f"{rel}:{n}: {src} -> {dst} ({m.group(2)})"
                why = known.get((rel, m.group(2)))
                seen.add((rel, m.group(2)))
                if why:
                    tolerated.append(f"{msg}: known, {why}")
                else:
                    bad.append(msg)
    for (rel, header), why in known.items():
        if (rel, header) not in seen:
            tolerated.append(f"{rel}: the known arrow to {header} is gone: delete its KNOWN entry")
    return bad, tolerated


def self_test():
    with tempfile.TemporaryDirectory(prefix="skiff-layering-") as root:
        files = {
            "libocispec/src/reader.cpp": '#include "ocispec/json.hpp"\n#include "describe.hpp"\n',
            "runtime/linux/mounts.cpp": '#include <linux/mount.h>\n#include "common/fd.hpp"\n',
            "runtime/seccomp/load.cpp": '#include "seccomp/seccomp.hpp"\n\n#include "cgroups/cgroup.hpp"\n',
            "runtime/core/create.cpp": '#include "cgroups/cgroup.hpp"\n#include "proc/init.hpp"\n',
            "runtime/main.cpp": '#include "cli/commands.hpp"\n',
        }
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        bad, _ = check(root, known={})
        want = ["runtime/seccomp/load.cpp:3: seccomp -> cgroups (cgroups/cgroup.hpp)"]
        if bad != want:
            print(f"layering self-test: expected {want}, got {bad}")
            return 1
    print("layering self-test: the planted seccomp -> cgroups include was caught")
    return 0


def main(argv):
    args = argv[1:]
    if args[:1] == ["--self-test"]:
        return self_test()
    known = KNOWN
    if args[:1] == ["--no-known"]:
        known, args = {}, args[1:]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    bad, tolerated = check(root, known)
    for t in tolerated:
        print(t)
    for b in bad:
        print(f"layering: {b}: not an allowed arrow")
    if bad:
        print(f"layering: {len(bad)} include(s) against the module layering (tests/layering.py ALLOWED)")
        return 1
    print("layering: every include follows the module layering")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
