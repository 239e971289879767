#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Do the module and its bpftrace twin see the same windows?

Reads the 'twin' test of each kernel's twin guest
(RESULTS/bench-KERNEL-twin.console.log): scripts/vm/guest/bench-twin ran
munmap_bench while scripts/mmap-lock-hold.bt printed every
exclusive mmap_lock window ('window tid=T op=NAME nr=N start_ns=N ns=N
end=...'), and munmap_bench printed, per call, what the module recorded
('# bench: ... op=OP window_ns=N windows=N tid=T call_start_ns=N').

Per call with windows (not the writer load's): the twin's windows are
those of the calling thread, of the call's operation ("kernel", the
module's own command, is the twin's "ioctl"), starting within the call.
Per scenario and size they agree when, in every run, the twin saw as
many windows as the module, and the median over the runs of the
twin's longest window is within 10% or 20 us of the module's (the
issue's bound).  Medians, because in trial runs under TCG a single
call was now and then tens of us off while the other runs agreed.

Writes RESULTS/twin.md (a table per kernel) and RESULTS/twin.json (every
call compared, and the medians), and exits 1 if a kernel has no twin
run, a call found no twin window, or any scenario and size disagrees.

Usage: twin.py --results DIR KERNEL...
"""
import argparse
import json
import os
import re
import statistics
import sys

# The bench report's parsing and size names (scripts/bench/, this
# script's directory, is first on sys.path).
from report import human, kv_of

REL_BOUND = 0.10
ABS_BOUND_NS = 20000
# The module's name of an operation, the twin's.
TWIN_OP = {"kernel": "ioctl"}


def twin_section(path):
    """The lines of the 'twin' test, and its exit status (None: none)."""
    lines, inside, rc = [], False, None
    begin = re.compile(r"@@TEST-BEGIN twin@@")
    end = re.compile(r"@@TEST-END twin rc=(\d+)@@")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if begin.search(line):
                inside, lines = True, []
                continue
            m = end.search(line)
            if m and inside:
                inside, rc = False, int(m.group(1))
                continue
            if inside:
                lines.append(line)
    return lines, rc


def parse(lines):
    """The twin's windows and munmap_bench's calls."""
    windows, calls = [], []
    for line in lines:
        if line.startswith("window "):
            kv = kv_of(line)
            try:
                windows.append({"tid": int(kv["tid"]), "op": kv["op"],
                                "start_ns": int(kv["start_ns"]),
                                "ns": int(kv["ns"])})
            except (KeyError, ValueError):
                pass
            continue
        m = re.search(r"# bench: (.*)$", line)
        if m:
            kv = kv_of(m.group(1))
            try:
                call = {k: int(kv[k]) for k in
                        ("size", "run", "call_ns", "window_ns", "windows",
                         "tid", "call_start_ns")}
            except (KeyError, ValueError):
                continue
            call.update(scenario=kv.get("scenario"), op=kv.get("op"))
            calls.append(call)
    return windows, calls


def compare(windows, calls):
    """One entry per call the module saw windows of."""
    out = []
    for c in calls:
        if c["windows"] < 0:
            continue
        op = TWIN_OP.get(c["op"], c["op"])
        end = c["call_start_ns"] + c["call_ns"]
        mine = [w["ns"] for w in windows
                if w["tid"] == c["tid"] and w["op"] == op and
                c["call_start_ns"] <= w["start_ns"] <= end]
        out.append({
            "scenario": c["scenario"], "size": c["size"], "run": c["run"],
            "op": c["op"], "module_window_ns": c["window_ns"],
            "module_windows": c["windows"],
            "twin_window_ns": max(mine) if mine else None,
            "twin_windows": len(mine),
        })
    return out


def agreement(calls):
    """Per scenario and size, in the order run: the medians over the runs
    and whether they agree."""
    groups = {}
    for c in calls:
        groups.setdefault((c["scenario"], c["size"]), []).append(c)
    out = []
    for (sc, size), cs in groups.items():
        module = statistics.median(c["module_window_ns"] for c in cs)
        seen = [c["twin_window_ns"] for c in cs
                if c["twin_window_ns"] is not None]
        twin = statistics.median(seen) if len(seen) == len(cs) else None
        diff = None if twin is None else twin - module
        bound = max(REL_BOUND * module, ABS_BOUND_NS)
        counted = sum(c["twin_windows"] == c["module_windows"] for c in cs)
        out.append({
            "scenario": sc, "size": size, "runs": len(cs),
            "module_window_ns": module, "twin_window_ns": twin,
            "diff_ns": diff, "bound_ns": bound,
            "windows": cs[0]["module_windows"], "counts_equal": counted,
            "agree": diff is not None and abs(diff) <= bound and
            counted == len(cs),
        })
    return out


def table(rows):
    out = ["| scenario | size | module longest ms | twin longest ms | "
           "difference us | windows | runs with as many | agree |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        twin = "-" if r["twin_window_ns"] is None else \
            "%.3f" % (r["twin_window_ns"] / 1e6)
        diff = "-" if r["diff_ns"] is None else "%+.1f" % (r["diff_ns"] / 1e3)
        out.append("| %s | %s | %.3f | %s | %s | %d | %d of %d | %s |" % (
            r["scenario"], human(r["size"]), r["module_window_ns"] / 1e6,
            twin, diff, r["windows"], r["counts_equal"], r["runs"],
            "yes" if r["agree"] else "**no**"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("kernels", nargs="+")
    a = ap.parse_args()

    report, md, problems = {}, [], []
    for k in a.kernels:
        log = os.path.join(a.results, "bench-%s-twin.console.log" % k)
        lines, rc = twin_section(log) if os.path.exists(log) else ([], None)
        if rc is None:
            problems.append("%s: no twin run" % k)
            continue
        windows, calls = parse(lines)
        compared = compare(windows, calls)
        rows = agreement(compared)
        bad = [r for r in rows if not r["agree"]]
        report[k] = {"rc": rc, "twin_windows_seen": len(windows),
                     "calls": compared, "medians": rows}
        if rc != 0:
            problems.append("%s: the twin run failed (rc %d)" % (k, rc))
        if not rows:
            problems.append("%s: no call to compare" % k)
        if bad:
            problems.append("%s: %d of %d scenarios and sizes disagree"
                            % (k, len(bad), len(rows)))
        worst = max((abs(r["diff_ns"]) for r in rows
                     if r["diff_ns"] is not None), default=0)
        md += ["#### %s: %d of %d agree, largest difference %.1f us"
               % (k, len(rows) - len(bad), len(rows), worst / 1e3), "",
               *table(rows), ""]
    with open(os.path.join(a.results, "twin.json"), "w") as f:
        json.dump({"bound": {"relative": REL_BOUND, "ns": ABS_BOUND_NS},
                   "kernels": report, "problems": problems}, f, indent=1,
                  sort_keys=True)
    head = ["### The bpftrace twin", "",
            "`scripts/mmap-lock-hold.bt` and the module recording the same "
            "calls of munmap_bench once more per kernel: the longest "
            "exclusive window of each call, medians over the runs, and how "
            "many windows each call had.  They agree when every run's "
            "counts match and the medians differ by at most %d%% or %d us."
            % (REL_BOUND * 100, ABS_BOUND_NS / 1000),
            ""]
    if problems:
        md += ["**Disagreement:** " + "; ".join(problems) + ".", ""]
    with open(os.path.join(a.results, "twin.md"), "w") as f:
        f.write("\n".join(head + md))
    for p in problems:
        print("bench-twin: %s" % p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
