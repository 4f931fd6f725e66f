#!/usr/bin/env python3
"""Put podman's default seccomp profile into an OCI config, the way podman
4.3 (containers/common pkg/seccomp) turns it into linux.seccomp:

    podman-seccomp.py PROFILE CONFIG

PROFILE is containers-common's /usr/share/containers/seccomp.json.  Rules
whose includes/excludes do not fit this container are dropped: arches are
Go names compared with the host's (amd64 here); caps are compared with the
config's bounding set (includes: all of them present; excludes: none);
minKernel with the running kernel.  archMap gives `architectures` for the
host's arch only (with its sub-arches).  Each kept rule becomes one
linux.seccomp.syscalls entry with names, action, args and errnoRet.
"""
import json
import os
import sys

GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x"}
SCMPARCH = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64", "386": "SCMP_ARCH_X86",
            "ppc64le": "SCMP_ARCH_PPC64LE", "s390x": "SCMP_ARCH_S390X"}


def kernel_at_least(want):
    have = [int(x) for x in os.uname().release.split("-")[0].split(".")[:2]]
    need = [int(x) for x in want.split(".")[:2]]
    return have >= need


def convert(profile, caps):
    arch = GOARCH[os.uname().machine]
    out = {"defaultAction": profile["defaultAction"]}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    arches = list(profile.get("architectures") or [])
    for m in profile.get("archMap") or []:
        if m["architecture"] == SCMPARCH[arch]:
            arches += [m["architecture"]] + list(m.get("subArchitectures") or [])
            break
    if arches:
        out["architectures"] = arches
    rules = []
    for s in profile["syscalls"]:
        inc, exc = s.get("includes") or {}, s.get("excludes") or {}
        if inc.get("arches") and arch not in inc["arches"]:
            continue
        if any(c not in caps for c in inc.get("caps") or []):
            continue
        if exc.get("arches") and arch in exc["arches"]:
            continue
        if any(c in caps for c in exc.get("caps") or []):
            continue
        if inc.get("minKernel") and not kernel_at_least(inc["minKernel"]):
            continue
        names = list(s.get("names") or []) + ([s["name"]] if s.get("name") else [])
        rule = {"names": names, "action": s["action"]}
        if s.get("args"):
            rule["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op") if k in a} for a in s["args"]]
        if s.get("errnoRet") is not None:
            rule["errnoRet"] = s["errnoRet"]
        rules.append(rule)
    out["syscalls"] = rules
    return out


def main():
    profile = json.load(open(sys.argv[1]))
    with open(sys.argv[2]) as f:
        cfg = json.load(f)
    caps = cfg["process"].get("capabilities", {}).get("bounding", [])
    cfg.setdefault("linux", {})["seccomp"] = convert(profile, caps)
    with open(sys.argv[2], "w") as f:
        json.dump(cfg, f, indent=1)


main()
