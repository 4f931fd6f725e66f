"""The per-section, per-runtime table."""

import collections


def markdown(results, labels, v2_view):
    counts = collections.OrderedDict()
    for label in labels:
        for section, _, verdict, _ in results.get(label, []):
            row = counts.setdefault(section, {l: [0, 0, 0] for l in labels})
            row[label][{"ok": 0, "fail": 1, "skip": 2}[verdict]] += 1
    out = ["| spec section | " + " | ".join(f"{l} pass/fail/skip" for l in labels) + " |",
           "|---|" + "---|" * len(labels)]
    totals = {l: [0, 0, 0] for l in labels}
    for section in sorted(counts):
        cells = []
        for l in labels:
            p, f, s = counts[section][l]
            for i, v in enumerate((p, f, s)):
                totals[l][i] += v
            cells.append(f"{p}/{f}/{s}" if p + f + s else "-")
        out.append(f"| {section} | " + " | ".join(cells) + " |")
    out.append("| **total** | " + " | ".join("**%d/%d/%d**" % tuple(totals[l]) for l in labels) + " |")
    out.append("")
    out.append(f"cgroup view: {'private cgroup2 (--v2-view)' if v2_view else 'host (hybrid)'}")
    out.append("")
    for l in labels:
        fails = [(s, n, r) for s, n, v, r in results.get(l, []) if v == "fail"]
        out.append(f"### {l}: {len(fails)} failures")
        for s, n, r in fails:
            out.append(f"- `{s}` {n}: {r}")
        out.append("")
    return "\n".join(out) + "\n"
