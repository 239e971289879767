#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of 'make bench', from the guests' console logs.

Reads RESULTS/bench-KERNEL.console.log for each --kernel, where
munmap_bench (selftests/bench/) printed one '# bench: key=value ...'
line per measurement, a '# bench-na: ...' line per scenario and size the
kernel cannot run (the *_pieces scenarios without vm.munmap_piece_kbytes)
and, in cost mode, one '# bench-cost: ...' line per run, and writes to
RESULTS:

  bench.json        every run, the medians and the spread (min, max) per
                    scenario and size, the kernels (release, tree commit,
                    .config hash), the bench config, the host and the
                    settings, the problems found (below), and 'summary':
                    the figures side by side as the tables show them,
                    with their ratios, for text that quotes them
  bench.md          the tables: the scenarios, the kernels side by
                    side (medians with the spread over the runs beside
                    them, the patched/stock speed of the call); munmap()
                    with a writer; munmap() alone, knob off and on; the
                    cost of a small munmap()
  bench-plot.dat    for scripts/bench/plot.gp: one block per scenario of
                    the first table, columns size_gib, then each
                    kernel's exclusive ms, then each kernel's call ms
                    ('?' where missing)
  bench-plot.names  the scenarios of those blocks, in order
  bench-plot.kernels  the kernels of those columns, in order

A "speed" ratio is the inverse of the ratio of the times: patched/stock
speed 0.98 means the patched call took 1/0.98 as long as stock's.

Exits 1 if no kernel printed a single measurement (writing nothing), and
after writing everything if a result is missing: a scenario asked for
(--setting scenarios=..., "all": every one) that a kernel did not
measure and did not say it cannot run, a scenario and size measured on
one kernel and not another, fewer valid runs than --setting runs=N, an
invalid measurement, or (--setting cost_n=N, N > 0) a cost variant
without RUNS runs.
"""
import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys

# The order of munmap_bench, which is the order of the first table.
SCENARIOS = ["munmap", "growsdown", "map_fixed", "mremap_shrink",
             "brk_shrink", "shmdt", "hugetlb", "pfnmap", "uprobe",
             "uprobe_elsewhere", "vm_munmap"]
# The scenarios of the other tables: munmap() with no other thread, and
# with a writer, each with vm.munmap_piece_kbytes at 0 and set.
ALONE = ["alone", "alone_pieces"]
WRITER = ["writer", "writer_pieces"]
ALL = SCENARIOS + ALONE + WRITER
COST_VARIANTS = ["file_page", "file_page_uprobe"]

# What each scenario is, for the tables.
LABELS = {
    "munmap": "munmap()",
    "growsdown": "munmap() below MAP_GROWSDOWN",
    "map_fixed": "mmap(MAP_FIXED) over",
    "mremap_shrink": "mremap() shrink",
    "brk_shrink": "brk() shrink",
    "shmdt": "shmdt()",
    "hugetlb": "munmap() hugetlb",
    "pfnmap": "munmap() PFNMAP",
    "uprobe": "munmap() uprobe'd file",
    "uprobe_elsewhere": "munmap() file, uprobe outside",
    "vm_munmap": "vm_munmap() (module)",
    "alone": "munmap(), no other thread",
    "alone_pieces": "munmap(), no other thread, in pieces",
    "writer": "munmap() with a writer",
    "writer_pieces": "munmap() with a writer, in pieces",
    "file_page": "mmap() + munmap() of a 4 KiB file page",
    "file_page_uprobe": "the same, a uprobe in another mapped file",
}

WORKERS = ("reader", "faulter", "mapper")
# Required in every '# bench:' line, and those a newer munmap_bench adds
# (-1 when missing: the logs of an older one still parse).
INT_KEYS = ("size", "capped", "run", "call_ns", "window_ns", "reader_faults",
            "populate_ns")
FLOAT_KEYS = ("ratio", "reader_idle_per_ms", "reader_progress")
NEW_INT_KEYS = ("windows", "window_sum_ns", "piece_kb", "faulter_ops",
                "mapper_ops")
NEW_FLOAT_KEYS = ("excl_share", "faulter_idle_per_ms", "faulter_progress",
                  "mapper_idle_per_ms", "mapper_progress")
COST_INT_KEYS = ("run", "iterations", "total_ns", "module")
COST_FLOAT_KEYS = ("ns_per_op",)


def kv_of(text):
    return dict(f.split("=", 1) for f in text.split() if "=" in f)


def parse_log(path):
    """The measurements, n/a entries, cost runs, failures and kernel
    release of one console log."""
    runs, nas, costs, errors, release = [], [], [], [], None
    bench = re.compile(r"# bench: (.*)$")
    na = re.compile(r"# bench-na: (.*?) why=(.*)$")
    cost = re.compile(r"# bench-cost: (.*)$")
    failed = re.compile(r"^# (\S+) (\d+ [KMG]iB) run (\d+): (.*)$")
    cost_failed = re.compile(r"^not ok \d+ (file_page\S*) # (.*)$")
    cost_skipped = re.compile(r"^ok \d+ (file_page\S*) # SKIP (.*)$")
    start = re.compile(r"@@VMTEST-START@@ (\S+)")
    # The bpftrace twin's extra run is scripts/bench/twin.py's.
    twin_begin = re.compile(r"@@TEST-BEGIN twin@@")
    twin_end = re.compile(r"@@TEST-END twin rc=")
    in_twin = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if in_twin or twin_begin.search(line):
                in_twin = not twin_end.search(line)
                continue
            m = start.search(line)
            if m:
                release = m.group(1)
                continue
            m = bench.search(line)
            if m:
                kv = kv_of(m.group(1))
                try:
                    for k in INT_KEYS:
                        kv[k] = int(kv[k])
                    for k in FLOAT_KEYS:
                        kv[k] = float(kv[k])
                    for k in NEW_INT_KEYS:
                        kv[k] = int(kv.get(k, -1))
                    for k in NEW_FLOAT_KEYS:
                        kv[k] = float(kv.get(k, -1))
                except (KeyError, ValueError):
                    errors.append({"line": line, "why": "unparsable"})
                    continue
                kv.setdefault("load", "reader")
                if kv["excl_share"] < 0 <= kv["ratio"]:
                    kv["excl_share"] = kv["ratio"]
                runs.append(kv)
                continue
            m = na.search(line)
            if m:
                kv = kv_of(m.group(1))
                try:
                    nas.append({"scenario": kv["scenario"],
                                "size": int(kv["size"]),
                                "why": m.group(2)})
                except (KeyError, ValueError):
                    errors.append({"line": line, "why": "unparsable"})
                continue
            m = cost.search(line)
            if m:
                kv = kv_of(m.group(1))
                try:
                    for k in COST_INT_KEYS:
                        kv[k] = int(kv[k])
                    for k in COST_FLOAT_KEYS:
                        kv[k] = float(kv[k])
                    kv["variant"]
                except (KeyError, ValueError):
                    errors.append({"line": line, "why": "unparsable"})
                    continue
                kv["best_ns_per_op"] = float(kv.get("best_ns_per_op", -1))
                costs.append(kv)
                continue
            m = failed.match(line) or None
            if m:
                errors.append({"scenario": m.group(1), "size": m.group(2),
                               "run": int(m.group(3)), "why": m.group(4)})
                continue
            m = cost_failed.search(line)
            if m:
                errors.append({"variant": m.group(1), "why": m.group(2)})
                continue
            m = cost_skipped.search(line)
            if m:
                nas.append({"variant": m.group(1), "why": m.group(2)})
    return runs, nas, costs, errors, release


def spread(values, key):
    """{key: median, key_min, key_max} of the values, None if none."""
    values = list(values)
    if not values:
        return {key: None, key + "_min": None, key + "_max": None}
    return {key: statistics.median(values), key + "_min": min(values),
            key + "_max": max(values)}


def medians(runs):
    """Per (scenario, size): the medians over the runs, and the spread."""
    groups = {}
    for r in runs:
        groups.setdefault((r["scenario"], r["size"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        # The writer load's runs have no window (-1).
        win = [r for r in rs if r["window_ns"] >= 0]
        locks = sorted({r["lock"] for r in rs})
        m = {
            "scenario": key[0],
            "size": key[1],
            "capped": bool(rs[0]["capped"]),
            "op": rs[0]["op"],
            "load": rs[0]["load"],
            "piece_kb": rs[0]["piece_kb"],
            "runs": len(rs),
            "lock": "/".join(locks),
            "reader_faults": statistics.median(r["reader_faults"]
                                               for r in rs),
            "populate_ns": statistics.median(r["populate_ns"] for r in rs),
        }
        m.update(spread((r["call_ns"] for r in rs), "call_ns"))
        m.update(spread((r["window_ns"] for r in win), "window_ns"))
        m.update(spread((r["window_sum_ns"] for r in win
                         if r["window_sum_ns"] >= 0), "window_sum_ns"))
        m.update(spread((r["windows"] for r in win if r["windows"] >= 0),
                        "windows"))
        m.update(spread((r["ratio"] for r in win), "ratio"))
        m.update(spread((r["excl_share"] for r in win), "excl_share"))
        for w in WORKERS:
            m.update(spread((r[w + "_progress"] for r in rs
                             if r[w + "_progress"] >= 0), w + "_progress"))
        out[key] = m
    return out


def cost_medians(costs):
    """Per variant: ns per operation, median and spread over the runs."""
    groups = {}
    for c in costs:
        groups.setdefault(c["variant"], []).append(c)
    out = {}
    for v, cs in groups.items():
        out[v] = {"variant": v, "runs": len(cs),
                  "iterations": cs[0]["iterations"],
                  "module": max(c["module"] for c in cs)}
        out[v].update(spread((c["ns_per_op"] for c in cs), "ns_per_op"))
        out[v].update(spread((c["best_ns_per_op"] for c in cs
                              if c["best_ns_per_op"] > 0),
                             "best_ns_per_op"))
    return out


def git_head(tree):
    try:
        return subprocess.run(["git", "-C", tree, "describe", "--always",
                               "--tags", "--dirty"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def file_sha256(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def human(n):
    if n >= 1 << 30 and n % (1 << 30) == 0:
        return "%d GiB" % (n >> 30)
    return "%d MiB" % (n >> 20)


def fmt_spread(m, key, scale, fmt):
    """The median, scaled, and the min-max over the runs if they differ."""
    if not m or m.get(key) is None:
        return "-"
    # The medians of an older report have no spread of some figures.
    med, lo, hi = (m.get(k, m[key]) / scale
                   for k in (key, key + "_min", key + "_max"))
    if m["runs"] < 2 or fmt % lo == fmt % hi:
        return fmt % med
    return (fmt + " (" + fmt + "–" + fmt + ")") % (med, lo, hi)


def ms_spread(m, key):
    return fmt_spread(m, key, 1e6, "%.2f")


def pct_spread(m, key):
    """A share in %, median and spread."""
    if not m or m.get(key) is None:
        return "-"
    return fmt_spread(m, key, 0.01, "%.0f%%")


def share_cell(m):
    """The exclusive share of the call, and how the windows ended."""
    share = m.get("excl_share", m.get("ratio")) if m else None
    if share is None:
        return "-"
    pct = 100 * share
    return ("%.1f%% %s" if pct >= 1 else "%.2f%% %s") % (pct, m["lock"])


def cells(m):
    if not m:
        return ["-"] * 4
    return [ms_spread(m, "call_ns"), ms_spread(m, "window_ns"),
            share_cell(m), pct_spread(m, "reader_progress")]


def ratios(a, b, key):
    """{time_ratio: b/a, speed_ratio: a/b} of the medians of @key."""
    if not a or not b or not a.get(key) or not b.get(key):
        return {"time_ratio": None, "speed_ratio": None}
    return {"time_ratio": b[key] / a[key], "speed_ratio": a[key] / b[key]}


def fmt_ratio(r):
    return "-" if r is None else "%.3f" % r


def wanted_scenarios(settings):
    wanted = settings.get("scenarios", "all")
    return ALL if wanted in ("", "all") else \
        wanted.replace(",", " ").split()


def problems(kernels, data, med, settings):
    """What is missing or invalid, one sentence each."""
    out = []
    wanted = wanted_scenarios(settings)
    try:
        runs = int(settings.get("runs", "1"))
    except ValueError:
        runs = 1
    try:
        cost_n = int(settings.get("cost_n", "0"))
    except ValueError:
        cost_n = 0
    keys = set()
    for k in kernels:
        keys |= set(med[k]) | {(n["scenario"], n["size"])
                               for n in data[k]["na"] if "scenario" in n}
    for k in kernels:
        na = {(n["scenario"], n["size"]) for n in data[k]["na"]
              if "scenario" in n}
        cost_na = {n["variant"] for n in data[k]["na"] if "variant" in n}
        measured = {sc for sc, _ in med[k]} | {sc for sc, _ in na}
        for sc in wanted:
            if sc not in measured:
                out.append("%s: no valid measurement of %s" % (k, sc))
        for sc, size in sorted(keys - set(med[k]) - na):
            if sc in measured:
                out.append("%s: %s at %s not measured" % (k, sc, human(size)))
        for (sc, size), m in sorted(med[k].items()):
            if m["runs"] < runs:
                out.append("%s: %s at %s: %d valid run(s) of %d"
                           % (k, sc, human(size), m["runs"], runs))
        if cost_n > 0:
            cm = data[k]["cost_medians"]
            for v in COST_VARIANTS:
                if v in cost_na:
                    continue
                n = cm[v]["runs"] if v in cm else 0
                if n < runs:
                    out.append("%s: cost %s: %d run(s) of %d"
                               % (k, v, n, runs))
        if data[k]["errors"]:
            out.append("%s: %d invalid measurement(s), see bench.json"
                       % (k, len(data[k]["errors"])))
    return out


def ordered_keys(kernels, med, names):
    order = {s: i for i, s in enumerate(names)}
    keys = {key for k in kernels for key in med[k] if key[0] in order}
    return sorted(keys, key=lambda x: (order[x[0]], x[1]))


def pair(kernels):
    """The two kernels the ratios compare: stock and patched."""
    return ("stock", "patched") if "stock" in kernels and \
        "patched" in kernels else (None, None)


def scenario_table(kernels, med):
    """The first table, and its summary rows."""
    head = ["scenario", "size"]
    for k in kernels:
        head += ["%s call ms" % k, "%s exclusive ms" % k, "%s share" % k,
                 "%s reader" % k]
    base, new = pair(kernels)
    if base:
        head.append("%s/%s speed" % (new, base))
    out = ["| " + " | ".join(head) + " |",
           "|" + " --- |" * 2 + " ---: |" * (len(head) - 2)]
    capped, summary = False, []
    for sc, size in ordered_keys(kernels, med, SCENARIOS):
        ms = [med[k].get((sc, size)) for k in kernels]
        cap = any(m and m["capped"] for m in ms) and sc != "pfnmap"
        capped |= cap
        row = [LABELS.get(sc, sc), human(size) + (" (cap)" if cap else "")]
        for m in ms:
            row += cells(m)
        s = {"scenario": sc, "label": LABELS.get(sc, sc), "size": size,
             "size_h": human(size), "capped": cap,
             "kernels": {k: med[k].get((sc, size)) for k in kernels}}
        if base:
            s.update(ratios(med[base].get((sc, size)),
                            med[new].get((sc, size)), "call_ns"))
            row.append(fmt_ratio(s["speed_ratio"]))
        summary.append(s)
        out.append("| " + " | ".join(row) + " |")
    return out, capped, summary


def table(kernels, med):
    """The first table's lines, and whether a row is capped (for
    scripts/results/page.py, which reads the medians of a bench.json)."""
    rows, capped, _ = scenario_table(kernels, med)
    return rows, capped


def setting_name(kernel, m, scenario):
    """"stock", "patched, knob off", "patched, knob on (65536 KiB)"."""
    if m is None or m["piece_kb"] < 0:
        return kernel + (", knob on" if scenario.endswith("_pieces")
                         else "")
    if scenario.endswith("_pieces"):
        return "%s, knob on (%d KiB)" % (kernel, m["piece_kb"])
    return kernel + ", knob off"


def na_of(data, k, sc, size):
    for n in data[k]["na"]:
        if n.get("scenario") == sc and n.get("size") == size:
            return n["why"]
    return None


def settings_of(kernels, data, med, names, size):
    """(kernel, scenario, median or None, n/a reason or None) of the
    columns of one size: every kernel with each scenario it ran or said
    it cannot run."""
    cols = []
    for k in kernels:
        for sc in names:
            m = med[k].get((sc, size))
            na = na_of(data, k, sc, size)
            if m or na:
                cols.append((k, sc, m, na))
    return cols


def settings_table(kernels, data, med, names, header, cells_of):
    """One row per size and setting (kernel, vm.munmap_piece_kbytes) of
    the scenarios in names: the size, the setting, then the cells
    cells_of(k, sc, m, size, s) gives (s: the size's summary, which it
    may add to), or "n/a" in each of them.  header: the columns after
    the first two, with their alignment.  Returns the Markdown lines and
    one summary per size."""
    sizes = sorted({size for k in kernels for sc, size in med[k]
                    if sc in names})
    out, summary = [], []
    for size in sizes:
        s = {"size": size, "size_h": human(size), "settings": []}
        for k, sc, m, na in settings_of(kernels, data, med, names, size):
            name = setting_name(k, m, sc)
            s["settings"].append({
                "name": name, "kernel": k, "scenario": sc,
                "piece_kb": m["piece_kb"] if m else None, "na": na,
                "medians": m})
            row = [human(size), name]
            if na:
                row += ["n/a"] * len(header)
            else:
                row += cells_of(k, sc, m, size, s)
            out.append("| " + " | ".join(row) + " |")
        summary.append(s)
    if out:
        out = ["| size | kernel, vm.munmap_piece_kbytes | " +
               " | ".join(title for title, _ in header) + " |",
               "| --- | --- | " +
               " | ".join(align for _, align in header) + " |"] + out
    return out, summary


def writer_table(kernels, data, med):
    """munmap() with a writer: the workers' progress per setting."""
    def cells_of(k, sc, m, size, s):
        return [ms_spread(m, "call_ns"), pct_spread(m, "faulter_progress"),
                pct_spread(m, "mapper_progress")]
    header = [("call ms", "---:"), ("faulter", "---:"), ("mapper", "---:")]
    return settings_table(kernels, data, med, WRITER, header, cells_of)


def alone_table(kernels, data, med):
    """munmap() alone: the call with the knob off and on."""
    def cells_of(k, sc, m, size, s):
        row = [ms_spread(m, "call_ns"), ms_spread(m, "window_ns"),
               fmt_spread(m, "windows", 1, "%.0f"), share_cell(m), "-"]
        if sc == "alone_pieces":
            r = ratios(med[k].get(("alone", size)), m, "call_ns")
            s["%s_on_vs_off" % k] = r
            row[-1] = fmt_ratio(r["speed_ratio"])
        return row
    header = [("call ms", "---:"), ("longest exclusive ms", "---:"),
              ("windows", "---:"), ("exclusive share", "---:"),
              ("knob on/off speed", "---:")]
    return settings_table(kernels, data, med, ALONE, header, cells_of)


def cost_table(kernels, data):
    """The small munmap(): ns per mmap() + munmap(), per kernel, over the
    whole loop and in its fastest chunks."""
    base, new = pair(kernels)
    out, summary = [], []
    for v in COST_VARIANTS:
        ms = {k: data[k]["cost_medians"].get(v) for k in kernels}
        na = {k: n["why"] for k in kernels for n in data[k]["na"]
              if n.get("variant") == v}
        if not any(ms.values()) and not na:
            continue
        s = {"variant": v, "label": LABELS[v], "kernels": ms, "na": na}
        row = [LABELS[v]]
        for key in ("ns_per_op", "best_ns_per_op"):
            row += ["n/a" if k in na else
                    fmt_spread(ms[k], key, 1, "%.1f") for k in kernels]
            if base:
                r = ratios(ms[base], ms[new], key)
                if key == "ns_per_op":
                    s.update(r)
                else:
                    s["best_time_ratio"] = r["time_ratio"]
                    s["best_speed_ratio"] = r["speed_ratio"]
                row.append(fmt_ratio(r["speed_ratio"]))
        summary.append(s)
        out.append("| " + " | ".join(row) + " |")
    if out:
        head = ["loop"]
        for what in ("", "fastest chunks: "):
            head += ["%s%s ns per op" % (what, k) for k in kernels]
            if base:
                head.append("%s%s/%s speed" % (what, new, base))
        out = ["| " + " | ".join(head) + " |",
               "| --- |" + " ---: |" * (len(head) - 1)] + out
    return out, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--kernel", action="append", default=[],
                    metavar="NAME=TREE", help="a kernel booted, its source")
    ap.add_argument("--config", help="the kconfig fragment of both kernels")
    ap.add_argument("--setting", action="append", default=[],
                    metavar="KEY=VALUE", help="how the bench ran")
    ap.add_argument("--host", action="append", default=[],
                    metavar="KEY=VALUE", help="a fact of the host")
    ap.add_argument("--obj", action="append", default=[],
                    metavar="NAME=DIR", help="a kernel's object tree")
    a = ap.parse_args()
    objs = dict(o.split("=", 1) for o in a.obj if "=" in o)

    kernels, data, med = [], {}, {}
    for spec in a.kernel:
        name, _, tree = spec.partition("=")
        log = os.path.join(a.results, "bench-%s.console.log" % name)
        if not os.path.exists(log):
            print("bench-report: no %s" % log, file=sys.stderr)
            continue
        runs, nas, costs, errors, release = parse_log(log)
        kernels.append(name)
        med[name] = medians(runs)
        data[name] = {
            "release": release,
            "tree": tree,
            "commit": git_head(tree) if tree else None,
            "config_sha256": file_sha256(os.path.join(objs[name], ".config"))
            if name in objs else None,
            "runs": runs,
            "na": nas,
            "cost_runs": costs,
            "cost_medians": cost_medians(costs),
            "errors": errors,
            "medians": sorted(med[name].values(),
                              key=lambda m: (m["scenario"], m["size"])),
        }
    if not any(data[k]["runs"] or data[k]["cost_runs"] for k in kernels):
        sys.exit("bench-report: no '# bench:' line in any guest's output")

    config = None
    if a.config:
        text = open(a.config).read()
        config = {
            "file": os.path.basename(a.config),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "options": [l for l in text.splitlines()
                        if l.startswith("CONFIG_") or
                        re.match(r"# CONFIG_\w+ is not set", l)],
        }
    settings = dict(s.split("=", 1) for s in a.setting if "=" in s)
    host = dict(s.split("=", 1) for s in a.host if "=" in s)
    found = problems(kernels, data, med, settings)

    rows, capped, s_rows = scenario_table(kernels, med)
    w_rows, s_writer = writer_table(kernels, data, med)
    a_rows, s_alone = alone_table(kernels, data, med)
    c_rows, s_cost = cost_table(kernels, data)
    summary = {"scenarios": s_rows, "writer": s_writer, "alone": s_alone,
               "cost": s_cost, "piece_kb": settings.get("piece_kb"),
               "cost_n": settings.get("cost_n"),
               "ratios": "time_ratio: patched time / stock time (knob on "
                         "/ knob off); speed_ratio: its inverse"}
    with open(os.path.join(a.results, "bench.json"), "w") as f:
        json.dump({"kernels": data, "config": config, "settings": settings,
                   "host": host, "problems": found, "summary": summary},
                  f, indent=1, sort_keys=True)

    runs_text = settings.get("runs", "the")
    md = []
    if rows[2:]:
        md += rows + [""]
        notes = [
            "Kernels: %s." % ", ".join(
                "*%s* %s" % (k, data[k]["release"] or "?") for k in kernels),
            "Medians of %s runs per row, with the spread (min–max over the "
            "runs) where they differ; times in ms under QEMU, so compare "
            "within the run." % runs_text,
            "*exclusive*: the longest exclusive `mmap_lock` window of the "
            "call's operation (module `mmap_lock_hold`); *share*: the "
            "exclusive windows over the call, and whether they ended in a "
            "downgrade (`down`) or a write release (`excl`); *reader*: "
            "page faults a thread on another CPU completed during the "
            "call, as a share of its idle rate; *speed*: stock's call time "
            "over patched's (above 1: patched is faster).",
        ]
        if capped:
            notes.append("(cap): the scenario needs real memory (shmem "
                         "pages, huge pages, page cache) and runs at up to "
                         "%s only." % settings.get("cap", "BENCH_CAP"))
        md += ["\n\n".join(notes), ""]
    if w_rows:
        md += ["### munmap() with a writer", "", *w_rows, "",
               "During the munmap(), one thread re-faults a page "
               "(`MADV_DONTNEED` and a write: *faulter*) and one maps and "
               "unmaps one page (*mapper*), both on the CPU the reader "
               "uses: their operations during the call as a share of "
               "their idle rate, medians (min–max) of %s runs.  *knob "
               "on*: `vm.munmap_piece_kbytes` set; n/a: the kernel has no "
               "such knob." % runs_text, ""]
    if a_rows:
        md += ["### munmap() alone, vm.munmap_piece_kbytes off and on", "",
               *a_rows, "",
               "No other thread.  *windows*: exclusive windows of the "
               "call, one per piece with the knob on; *knob on/off "
               "speed*: the call time with the knob off over the call "
               "time with it on.", ""]
    if c_rows:
        md += ["### The cost of a small munmap()", "", *c_rows, "",
               "A loop of %s `mmap()` + `munmap()` of the first 4 KiB page "
               "of a file, private `PROT_READ|PROT_EXEC`, untouched, one "
               "thread, without the module loaded; medians (min–max) of "
               "%s runs.  *speed*: stock's ns per op over patched's "
               "(issue 10's target: at least 0.98).  *fastest chunks*: "
               "per op in the fastest chunk of 1000 of each run, the one "
               "the host disturbed least."
               % (settings.get("cost_n", "N"), runs_text), ""]
    if found:
        md += ["**Incomplete:** " + "; ".join(found) + ".", ""]
    with open(os.path.join(a.results, "bench.md"), "w") as f:
        f.write("\n".join(md))

    # The plot's data: one block per scenario, two blank lines apart.
    names, blocks = [], []
    for sc in SCENARIOS:
        sizes = sorted({size for k in kernels for s, size in med[k]
                        if s == sc})
        if not sizes:
            continue
        names.append(sc)
        lines = ["# %s: size_gib %s %s" % (
            sc, " ".join("%s_excl_ms" % k for k in kernels),
            " ".join("%s_call_ms" % k for k in kernels))]
        for size in sizes:
            col = [size / (1 << 30)]
            for what in ("window_ns", "call_ns"):
                for k in kernels:
                    m = med.get(k, {}).get((sc, size))
                    col.append(m[what] / 1e6 if m and m[what] is not None
                               else None)
            lines.append(" ".join("?" if v is None else "%.6g" % v
                                  for v in col))
        blocks.append("\n".join(lines))
    with open(os.path.join(a.results, "bench-plot.dat"), "w") as f:
        f.write("\n\n\n".join(blocks) + "\n")
    # Empty without a scenario of the first table: no plot.
    with open(os.path.join(a.results, "bench-plot.names"), "w") as f:
        f.write(" ".join(names) + "\n" if names else "")
    with open(os.path.join(a.results, "bench-plot.kernels"), "w") as f:
        f.write(" ".join(kernels) + "\n")
    for p in found:
        print("bench-report: %s" % p, file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
