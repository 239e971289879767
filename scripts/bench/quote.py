#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Figures of a 'make bench' run as plain text for patch messages.

Usage: quote.py BENCH_JSON WHAT

WHAT: special, growsdown, map_fixed, shmdt, pieces, cost, table.  Prints
a short paragraph and a fixed-width table built from the 'summary' of
BENCH_JSON (scripts/bench/report.py), so that the figures quoted in the
patch messages and the cover letter are regenerated from a committed run,
never typed.  Exits 1 if the run has no figure for WHAT.
"""
import json
import sys
import textwrap


def ms(m, key):
    """A time in ms, or "-".  Wide enough for the tables below 72 columns."""
    if not m or m.get(key) is None or m[key] < 0:
        return "-"
    return "%.2f" % (m[key] / 1e6)


def pct(m, key):
    if not m or m.get(key) is None or m[key] < 0:
        return "-"
    return "%.0f%%" % (100 * m[key])


def share(m):
    s = m.get("excl_share", m.get("ratio")) if m else None
    return "-" if s is None else "%.1f%%" % (100 * s)


def scenario_rows(summary, names):
    return [s for s in summary["scenarios"] if s["scenario"] in names]


# The kernels a quote shows, in this order, those the run has.
KERNELS = ("stock", "patched", "6.12")


def kernels_of(bench):
    return [k for k in KERNELS if k in bench["kernels"]]


def scenario_table(bench, names):
    rows = scenario_rows(bench["summary"], names)
    if not rows:
        return None
    kernels = kernels_of(bench)
    # Under 75 columns with three kernels (checkpatch's limit).
    fmt = "  %-16s %7s" + " %13s" * len(kernels) + " %5s"
    out = [fmt % ("", "size", *kernels, "speed"),
           fmt % ("", "", *["excl/call ms"] * len(kernels), "")]
    for s in rows:
        sr = s.get("speed_ratio")
        cols = ["%s/%s" % (ms(s["kernels"].get(k), "window_ns"),
                           ms(s["kernels"].get(k), "call_ns"))
                for k in kernels]
        out.append(fmt % (s["scenario"], s["size_h"], *cols,
                          "-" if sr is None else "%.3f" % sr))
    return out


def cost_lines(bench):
    rows = bench["summary"].get("cost") or []
    out = []
    for s in rows:
        st, pa = s["kernels"].get("stock"), s["kernels"].get("patched")
        if not st or not pa:
            continue
        out.append("  %s:" % s["label"])
        out.append("    stock %.1f ns, patched %.1f ns per op, speed %.3f" % (
            st["ns_per_op"], pa["ns_per_op"], s["speed_ratio"]))
    return out


def pieces_lines(bench):
    out = []
    fmt = "    %-28s %10s %8s %7s"
    for s in bench["summary"].get("writer") or []:
        out.append("  munmap() of %s, a faulter and a mapper thread "
                   "running:" % s["size_h"])
        out.append(fmt % ("", "call ms", "faulter", "mapper"))
        for c in s["settings"]:
            if c["na"]:
                continue
            m = c["medians"]
            out.append(fmt % (c["name"], ms(m, "call_ns"),
                              pct(m, "faulter_progress"),
                              pct(m, "mapper_progress")))
    for s in bench["summary"].get("alone") or []:
        r = s.get("patched_on_vs_off")
        if r and r.get("speed_ratio"):
            out.append("  munmap() of %s alone, knob on/off speed: %.3f"
                       % (s["size_h"], r["speed_ratio"]))
    return out


def header(bench):
    k = bench["kernels"]
    runs = bench["settings"].get("runs", "?")
    upstream = ""
    if "6.12" in k:
        upstream = " and upstream %s (6.12)" % k["6.12"].get("release", "?")
    text = ("Measured with make bench: stock %s against this series%s, "
            "the same non-debug config, QEMU (TCG), medians of %s runs "
            "in one boot per kernel; excl: the longest exclusive "
            "mmap_lock window of the call (the mmap_lock_hold module), "
            "speed: stock call time / patched call time; faulter and "
            "mapper: their progress during the call as a share of their "
            "idle rate." % (k.get("stock", {}).get("release", "?"), upstream,
                            runs))
    return textwrap.fill(text, 72)


GROUPS = {
    "special": ["hugetlb", "pfnmap", "uprobe", "uprobe_elsewhere"],
    "growsdown": ["munmap", "growsdown"],
    "map_fixed": ["map_fixed"],
    "shmdt": ["shmdt"],
    "table": ["munmap", "growsdown", "map_fixed", "mremap_shrink",
              "brk_shrink", "shmdt", "hugetlb", "pfnmap", "uprobe",
              "uprobe_elsewhere", "vm_munmap"],
}


def quote(bench, what):
    """The text for WHAT, None if the run has no figure for it; raises
    KeyError for an unknown WHAT."""
    if what in GROUPS:
        body = scenario_table(bench, GROUPS[what])
        if what == "special" and body:
            body += cost_lines(bench)
    elif what == "cost":
        body = cost_lines(bench)
    elif what == "pieces":
        body = pieces_lines(bench)
    else:
        raise KeyError(what)
    if not body:
        return None
    return header(bench) + "\n\n" + "\n".join(line.rstrip() for line in body)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bench = json.load(open(sys.argv[1]))
    what = sys.argv[2]
    try:
        text = quote(bench, what)
    except KeyError:
        sys.exit("quote.py: unknown WHAT %r" % what)
    if text is None:
        sys.exit("quote.py: no figures for %r in %s" % (what, sys.argv[1]))
    print(text)


if __name__ == "__main__":
    main()
