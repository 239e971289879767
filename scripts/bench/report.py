#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of 'make bench', from the guests' console logs.

Reads RESULTS/bench-KERNEL.console.log for each --kernel, where
munmap_bench (selftests/bench/) printed one '# bench: key=value ...'
line per measurement, and writes to RESULTS:

  bench.json        every run, the medians and the spread (min, max) per
                    scenario and size, the kernels (release, tree commit,
                    .config hash), the bench config, the host and the
                    settings, and the problems found (below)
  bench.md          the table: stock and patched side by side, medians
                    with the spread over the runs beside them
  bench-plot.dat    for scripts/bench/plot.gp: one block per scenario,
                    columns size_gib stock_excl_ms patched_excl_ms
                    stock_call_ms patched_call_ms ('?' where missing)
  bench-plot.names  the scenarios of those blocks, in order

Exits 1 if no kernel printed a single measurement (writing nothing), and
after writing everything if a result is missing: a scenario asked for
(--setting scenarios=..., "all": every one) that a kernel did not
measure, a scenario and size measured on one kernel and not another,
fewer valid runs than --setting runs=N, or an invalid measurement.
"""
import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys

# The order of munmap_bench, which is the order of the table.
SCENARIOS = ["munmap", "growsdown", "map_fixed", "mremap_shrink",
             "brk_shrink", "shmdt", "hugetlb", "pfnmap", "uprobe",
             "vm_munmap"]

# What each scenario is, for the table.
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
    "vm_munmap": "vm_munmap() (module)",
}

INT_KEYS = ("size", "capped", "run", "call_ns", "window_ns", "reader_faults",
            "populate_ns")
FLOAT_KEYS = ("ratio", "reader_idle_per_ms", "reader_progress")


def parse_log(path):
    """The measurements, failures and kernel release of one console log."""
    runs, errors, release = [], [], None
    bench = re.compile(r"# bench: (.*)$")
    failed = re.compile(r"^# (\S+) (\d+ [KMG]iB) run (\d+): (.*)$")
    start = re.compile(r"@@VMTEST-START@@ (\S+)")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = start.search(line)
            if m:
                release = m.group(1)
                continue
            m = bench.search(line)
            if m:
                kv = dict(f.split("=", 1) for f in m.group(1).split()
                          if "=" in f)
                try:
                    for k in INT_KEYS:
                        kv[k] = int(kv[k])
                    for k in FLOAT_KEYS:
                        kv[k] = float(kv[k])
                except (KeyError, ValueError):
                    errors.append({"line": line, "why": "unparsable"})
                    continue
                runs.append(kv)
                continue
            m = failed.match(line)
            if m:
                errors.append({"scenario": m.group(1), "size": m.group(2),
                               "run": int(m.group(3)), "why": m.group(4)})
    return runs, errors, release


def medians(runs):
    """Per (scenario, size): the medians over the runs."""
    groups = {}
    for r in runs:
        groups.setdefault((r["scenario"], r["size"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        prog = [r["reader_progress"] for r in rs if r["reader_progress"] >= 0]
        locks = sorted({r["lock"] for r in rs})
        out[key] = {
            "scenario": key[0],
            "size": key[1],
            "capped": bool(rs[0]["capped"]),
            "op": rs[0]["op"],
            "runs": len(rs),
            "lock": "/".join(locks),
            "call_ns": statistics.median(r["call_ns"] for r in rs),
            "call_ns_min": min(r["call_ns"] for r in rs),
            "call_ns_max": max(r["call_ns"] for r in rs),
            "window_ns": statistics.median(r["window_ns"] for r in rs),
            "window_ns_min": min(r["window_ns"] for r in rs),
            "window_ns_max": max(r["window_ns"] for r in rs),
            "ratio": statistics.median(r["ratio"] for r in rs),
            "reader_progress": statistics.median(prog) if prog else None,
            "reader_faults": statistics.median(r["reader_faults"] for r in rs),
            "populate_ns": statistics.median(r["populate_ns"] for r in rs),
        }
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


def ms_spread(m, key):
    """The median in ms, and the min-max over the runs if they differ."""
    med, lo, hi = (m[k] / 1e6 for k in (key, key + "_min", key + "_max"))
    if m["runs"] < 2 or "%.2f" % lo == "%.2f" % hi:
        return "%.2f" % med
    return "%.2f (%.2f–%.2f)" % (med, lo, hi)


def cells(m):
    if not m:
        return ["-"] * 4
    prog = "-" if m["reader_progress"] is None else \
        "%.0f%%" % (100 * m["reader_progress"])
    pct = 100 * m["ratio"]
    return [ms_spread(m, "call_ns"), ms_spread(m, "window_ns"),
            ("%.1f%% %s" if pct >= 1 else "%.2f%% %s") % (pct, m["lock"]),
            prog]


def problems(kernels, data, med, settings):
    """What is missing or invalid, one sentence each."""
    out = []
    wanted = settings.get("scenarios", "all")
    wanted = SCENARIOS if wanted in ("", "all") else \
        wanted.replace(",", " ").split()
    try:
        runs = int(settings.get("runs", "1"))
    except ValueError:
        runs = 1
    keys = set()
    for k in kernels:
        keys |= set(med[k])
    for k in kernels:
        measured = {sc for sc, _ in med[k]}
        for sc in wanted:
            if sc not in measured:
                out.append("%s: no valid measurement of %s" % (k, sc))
        for sc, size in sorted(keys - set(med[k])):
            if sc in measured:
                out.append("%s: %s at %s not measured" % (k, sc, human(size)))
        for (sc, size), m in sorted(med[k].items()):
            if m["runs"] < runs:
                out.append("%s: %s at %s: %d valid run(s) of %d"
                           % (k, sc, human(size), m["runs"], runs))
        if data[k]["errors"]:
            out.append("%s: %d invalid measurement(s), see bench.json"
                       % (k, len(data[k]["errors"])))
    return out


def table(kernels, med):
    head = ["scenario", "size"]
    for k in kernels:
        head += ["%s call ms" % k, "%s exclusive ms" % k, "%s ratio" % k,
                 "%s reader" % k]
    out = ["| " + " | ".join(head) + " |",
           "|" + " --- |" * 2 + " ---: |" * (4 * len(kernels))]
    keys = set()
    for k in kernels:
        keys |= set(med[k])
    order = {s: i for i, s in enumerate(SCENARIOS)}
    capped = False
    for sc, size in sorted(keys, key=lambda x: (order.get(x[0], 99), x[1])):
        ms = [med[k].get((sc, size)) for k in kernels]
        cap = any(m and m["capped"] for m in ms) and sc != "pfnmap"
        capped |= cap
        row = [LABELS.get(sc, sc), human(size) + (" (cap)" if cap else "")]
        for m in ms:
            row += cells(m)
        out.append("| " + " | ".join(row) + " |")
    return out, capped


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
        runs, errors, release = parse_log(log)
        kernels.append(name)
        med[name] = medians(runs)
        data[name] = {
            "release": release,
            "tree": tree,
            "commit": git_head(tree) if tree else None,
            "config_sha256": file_sha256(os.path.join(objs[name], ".config"))
            if name in objs else None,
            "runs": runs,
            "errors": errors,
            "medians": sorted(med[name].values(),
                              key=lambda m: (m["scenario"], m["size"])),
        }
    if not any(data[k]["runs"] for k in kernels):
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
    with open(os.path.join(a.results, "bench.json"), "w") as f:
        json.dump({"kernels": data, "config": config, "settings": settings,
                   "host": host, "problems": found},
                  f, indent=1, sort_keys=True)

    rows, capped = table(kernels, med)
    notes = [
        "Medians of %s runs per row, with the spread (min–max over the "
        "runs) where they differ; times in ms under QEMU (TCG), so "
        "compare within the run." % settings.get("runs", "the"),
        "*exclusive*: the longest exclusive `mmap_lock` window of the "
        "call's operation (module `mmap_lock_hold`); *ratio*: exclusive "
        "over the call, and whether the window ended in a downgrade "
        "(`down`) or a write release (`excl`); *reader*: page faults a "
        "thread on another CPU completed during the call, as a share of "
        "its idle rate.",
    ]
    if capped:
        notes.append("(cap): the scenario needs real memory (shmem pages, "
                     "huge pages, page cache) and runs at up to %s only."
                     % settings.get("cap", "BENCH_CAP"))
    if found:
        notes.append("**Incomplete:** " + "; ".join(found) + ".")
    with open(os.path.join(a.results, "bench.md"), "w") as f:
        f.write("\n".join(rows) + "\n\n" + "\n\n".join(notes) + "\n")

    # The plot's data: one block per scenario, two blank lines apart.
    names, blocks = [], []
    for sc in SCENARIOS + sorted({s for k in kernels for s, _ in med[k]}
                                 - set(SCENARIOS)):
        sizes = sorted({size for k in kernels for s, size in med[k]
                        if s == sc})
        if not sizes:
            continue
        names.append(sc)
        lines = ["# %s: size_gib stock_excl_ms patched_excl_ms "
                 "stock_call_ms patched_call_ms" % sc]
        for size in sizes:
            col = [size / (1 << 30)]
            for what in ("window_ns", "call_ns"):
                for k in ("stock", "patched"):
                    m = med.get(k, {}).get((sc, size))
                    col.append(m[what] / 1e6 if m else None)
            lines.append(" ".join("?" if v is None else "%.6g" % v
                                  for v in col))
        blocks.append("\n".join(lines))
    with open(os.path.join(a.results, "bench-plot.dat"), "w") as f:
        f.write("\n\n\n".join(blocks) + "\n")
    with open(os.path.join(a.results, "bench-plot.names"), "w") as f:
        f.write(" ".join(names) + "\n")
    for p in found:
        print("bench-report: %s" % p, file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
