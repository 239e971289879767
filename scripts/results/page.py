#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write Documentation/results.md from the committed raw results.

Usage: page.py RAW_DIR OUT.md

RAW_DIR (Documentation/results/) holds, per target, the small text files
scripts/results-page.sh took from a run's build/results/<target>-<time>/:

  test/run.txt           KEY=VALUE facts of the run (scripts/lib.sh
                         record_run)
  test/stages.tsv        suite, passed, failed, skipped, seconds per stage
  test/summary.txt       the closing table and line
  test/NAME.results.txt  a guest's per-program table (vm/parse-log.awk)
  test/NAME.figures      the stress guest's '# stress:' lines
  bench/bench.json       the report of 'make bench' (bench/report.py)
  bench/twin.json        its bpftrace twin against the module
                         (bench/twin.py), if it ran

Every figure on the page comes from those files; nothing is typed in.
"""
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def duration(secs):
    secs = int(secs)
    return "%d min %02d s" % (secs // 60, secs % 60) if secs >= 60 \
        else "%d s" % secs


def facts(text):
    return dict(l.split("=", 1) for l in text.splitlines() if "=" in l)


def md_table(head, rows, right=()):
    out = ["| " + " | ".join(head) + " |",
           "|" + "".join(" ---: |" if i in right else " --- |"
                         for i in range(len(head)))]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def guest_table(text):
    """A guest's per-program table, its notes, and its closing line."""
    rows, notes, last = [], [], None
    for line in text.splitlines():
        m = re.match(r"^\S+: (\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s*(.*)$",
                     line)
        if m and m.group(1) != "program":
            rows.append(list(m.groups()))
            continue
        m = re.match(r"^\s{6}(.*)$", line)
        if m and rows:
            rows[-1][5] = (rows[-1][5] + "; " if rows[-1][5] else "") + \
                m.group(1).strip()
            continue
        m = re.match(r"^\S+: (\d+ passed, \d+ failed, \d+ skipped)", line)
        if m:
            last = m.group(1)
        elif re.match(r"^\S+: (FAIL|kmemleak)", line):
            notes.append(line.split(": ", 1)[1])
    out = md_table(["program", "passed", "failed", "skipped", "exit",
                    "note"], [[f"`{r[0]}`"] + r[1:5] +
                              [r[5].replace("|", "\\|")] for r in rows],
                   right=(1, 2, 3, 4))
    out += [""] + ["- " + n for n in notes] if notes else []
    if last:
        out += ["", "In all: %s." % last]
    return out


def stress_table(text):
    rows = []
    for line in text.splitlines():
        kv = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f)
        if "stressor" not in kv:
            continue
        rows.append([kv["stressor"], kv.get("rc", "?"),
                     kv.get("bogo_ops", "?"), kv.get("munmap_count", "?")] +
                    ["%.3f" % (float(kv.get(k, 0)) / 1e6) for k in
                     ("munmap_p50_ns", "munmap_p99_ns", "munmap_max_ns")] +
                    ["%.3f (%s)" % (float(kv.get("other_max_ns", 0)) / 1e6,
                                    kv.get("other_max_op", "-")),
                     "%.0f" % (float(kv.get("bound_ns", 0)) / 1e6)])
    return md_table(["stressor", "exit", "bogo ops", "`munmap()` windows",
                     "p50 ms", "p99 ms", "max ms", "longest other, ms",
                     "bound ms"], rows, right=(2, 3, 4, 5, 6, 8))


def test_section(d, target):
    run = read(os.path.join(d, "run.txt"))
    stages = read(os.path.join(d, "stages.tsv"))
    if run is None or stages is None:
        return ["No committed run of `make %s`." % target]
    f = facts(run)
    out = ["Finished %s, commit `%s`, in %s on a %s-CPU host (QEMU: %s)."
           % (f.get("finished", "?"), f.get("commit", "?"),
              duration(f.get("seconds", 0)), f.get("host_cpus", "?"),
              f.get("accel", "?").upper()), ""]
    rows = [l.split("\t") for l in stages.splitlines() if l.strip()]
    out += md_table(["stage", "passed", "failed", "skipped", "seconds"],
                    [[f"`{r[0]}`"] + r[1:] for r in rows],
                    right=(1, 2, 3, 4))
    summary = read(os.path.join(d, "summary.txt"))
    if summary:
        out += ["", "Closing line: `%s`." % summary.strip().splitlines()[-1]]
    for name in sorted(os.listdir(d)):
        if name.endswith(".results.txt"):
            suite = name[:-len(".results.txt")]
            out += ["", "### Guest `%s`" % suite, ""]
            out += guest_table(read(os.path.join(d, name)))
        if name.endswith(".figures"):
            suite = name[:-len(".figures")]
            out += ["", "### Guest `%s`: exclusive `mmap_lock` windows per "
                    "stressor" % suite, ""]
            out += stress_table(read(os.path.join(d, name)))
    return out


def kernel_order(names):
    """The bench's kernels as its tables show them: stock, patched, then
    the others (6.12) by name."""
    return [k for k in ("stock", "patched") if k in names] + \
        sorted(set(names) - {"stock", "patched"})


def bench_section(d):
    text = read(os.path.join(d, "bench.json"))
    if text is None:
        return ["No committed run of `make bench`: its figures are not "
                "shown until one is (`make bench`, then "
                "`scripts/results-page.sh --take build/results/bench-latest`)."]
    j = json.loads(text)
    spec = importlib.util.spec_from_file_location(
        "report", os.path.join(HERE, "..", "bench", "report.py"))
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    kernels = kernel_order(j["kernels"])
    med = {k: {(m["scenario"], m["size"]): m
               for m in j["kernels"][k]["medians"]} for k in kernels}
    out = ["Kernels: " + "; ".join(
        "%s `%s` (tree `%s`)" % (k, j["kernels"][k].get("release"),
                                 j["kernels"][k].get("commit"))
        for k in kernels) + "."]
    host = j.get("host", {})
    if host:
        out += ["", "Host: " + ", ".join("%s %s" % kv
                                         for kv in sorted(host.items())) + "."]
    s = j.get("settings", {})
    out += ["", "Settings: " + ", ".join("%s %s" % kv
                                         for kv in sorted(s.items())) + ".",
            ""]
    rows, _ = report.table(kernels, med)
    out += rows
    out += ["", "Medians of the runs, the spread (min–max) beside them; "
            "times in ms under QEMU."]
    out += pieces_tables(j, report)
    if j.get("problems"):
        out += ["", "**Incomplete:** " + "; ".join(j["problems"]) + "."]
    out += twin_section(read(os.path.join(d, "twin.json")))
    return out


def twin_section(text):
    """The bpftrace twin against the module (bench/twin.py's twin.json):
    per kernel, how many scenarios and sizes agree and the largest
    difference of the medians."""
    if text is None:
        return []
    j = json.loads(text)
    rows = ["| kernel | agree | largest difference us | largest difference % |",
            "| --- | ---: | ---: | ---: |"]
    ks = j.get("kernels", {})
    for k in kernel_order(ks):
        ms = ks[k].get("medians", [])
        diffs = [(abs(m["diff_ns"]), abs(m["diff_ns"]) / m["module_window_ns"])
                 for m in ms if m["diff_ns"] is not None and
                 m["module_window_ns"]]
        rows.append("| %s | %d of %d | %.1f | %.1f%% |" % (
            k, sum(m["agree"] for m in ms), len(ms),
            max((d for d, _ in diffs), default=0) / 1e3,
            100 * max((p for _, p in diffs), default=0)))
    b = j.get("bound", {})
    out = ["", "### The bpftrace twin against the module", "",
           "`scripts/mmap-lock-hold.bt` and the module on the same calls: "
           "scenarios and sizes whose medians of the longest window agree "
           "within %d%% or %d us, with as many windows in every run "
           "(per call: [`bench/twin.md`](results/bench/twin.md))."
           % (100 * b.get("relative", 0), b.get("ns", 0) / 1000), ""] + rows
    if j.get("problems"):
        out += ["", "**Disagreement:** " + "; ".join(j["problems"]) + "."]
    return out


def pieces_tables(j, report):
    """vm.munmap_piece_kbytes: the munmap() with a writer (the workers'
    progress) and alone (the call, knob on against off), from the
    report's summary of the run."""
    summ = j.get("summary", {})
    out = []
    writer = ["| size | setting | call ms | faulter | mapper |",
              "| --- | --- | ---: | ---: | ---: |"]
    # A setting the kernel has not (the knob on stock) is left out.
    for s in summ.get("writer") or []:
        for c in s["settings"]:
            m = c["medians"]
            if c["na"]:
                continue
            cols = [report.ms_spread(m, "call_ns"),
                    report.pct_spread(m, "faulter_progress"),
                    report.pct_spread(m, "mapper_progress")]
            writer.append("| %s | %s | %s |" % (
                s["size_h"], c["name"], " | ".join(cols)))
    alone = ["| size | setting | call ms | knob on/off speed |",
             "| --- | --- | ---: | ---: |"]
    for s in summ.get("alone") or []:
        r = s.get("patched_on_vs_off") or {}
        for c in s["settings"]:
            m = c["medians"]
            if c["na"]:
                continue
            speed = "-"
            if c["kernel"] == "patched" and c["scenario"].endswith("_pieces") \
                    and r.get("speed_ratio"):
                speed = report.fmt_ratio(r["speed_ratio"])
            cols = [report.ms_spread(m, "call_ns"), speed]
            alone.append("| %s | %s | %s |" % (
                s["size_h"], c["name"], " | ".join(cols)))
    if len(writer) > 2:
        out += ["", "### `munmap()` with a writer: `vm.munmap_piece_kbytes`",
                "", "A faulter and a mapper thread run during the call; "
                "their progress is a share of their idle rate in the same "
                "boot (medians, spread beside them)."]
        out += [""] + writer
    if len(alone) > 2:
        out += ["", "### `munmap()` alone, knob off and on", ""] + alone
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    raw, dest = sys.argv[1:]
    rel = os.path.relpath(raw, os.path.dirname(os.path.abspath(dest)))
    out = ["<!-- Generated by scripts/results-page.sh from %s/: "
           "do not edit. -->" % rel, "",
           "# Results of the last runs", "",
           "Each section is generated from the raw results of one run, "
           "committed in [`%s/`](%s/); the other pages link here instead "
           "of quoting figures." % (rel, rel), "",
           "## `make test`", ""]
    out += test_section(os.path.join(raw, "test"), "test")
    out += ["", "## `make bench`", ""]
    out += bench_section(os.path.join(raw, "bench"))
    with open(dest, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
