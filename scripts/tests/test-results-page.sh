#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of results/page.py, which writes Documentation/results.md
# from committed raw results (a crafted run in, the page's figures
# checked against it), and of results/fill-block.py, which refills the
# README's generated block.  Prints TAP and a final "N passed, N failed" line.
# shellcheck disable=SC2016 # the backquotes are Markdown's
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=$tmp/raw/test
mkdir -p "$raw"
printf 'target=test\nfinished=2026-01-02T03:04:05Z\nseconds=754\ncommit=abc1234\nhost_cpus=2\naccel=tcg\n' >"$raw/run.txt"
printf 'tooling\t71\t0\t0\t5\nstock\t19\t1\t0\t300\n' >"$raw/stages.tsv"
printf 'suite passed failed skipped\n90 passed, 1 failed, 0 skipped\n' >"$raw/summary.txt"
cat >"$raw/stock.results.txt" <<'EOF2'
stock: program                         pass  fail  skip    rc  note
stock: hold-patched                       8     1     0     1  
      passed, but must fail here: ok 7 hold.hugetlb.munmap
      failed as it must: hold.pfnmap.munmap
stock: FAIL 1 kernel splat(s):
stock: 8 passed, 1 failed, 0 skipped (log: /somewhere)
EOF2
echo '# stress: stressor=brk rc=0 bogo_ops=77 windows=3 dropped=0 replaced=0 munmap_count=2 munmap_p50_ns=30000 munmap_p99_ns=200000 munmap_max_ns=1500000 bound_ns=2000000000 munmap_hist=10:1 other_max_ns=400000 other_max_op=mmap' >"$raw/stress.figures"

rc=0
python3 "$S/results/page.py" "$tmp/raw" "$tmp/page.md" >"$tmp/out" 2>&1 || rc=$?
tap_check $rc "page.py writes the page" "$(cat "$tmp/out")"
page=$(cat "$tmp/page.md" 2>/dev/null || true)

has() { grep -qF -- "$1" <<<"$page"; }
ok=1
has 'in 12 min 34 s on a 2-CPU host (QEMU: TCG)' && has 'commit `abc1234`' &&
	has '| `stock` | 19 | 1 | 0 | 300 |' && has 'Closing line: `90 passed, 1 failed, 0 skipped`.' && ok=0
tap_check $ok "make test: the run's facts, stages and closing line" "$page"
ok=1
has '| `hold-patched` | 8 | 1 | 0 | 1 | passed, but must fail here: ok 7 hold.hugetlb.munmap; failed as it must: hold.pfnmap.munmap |' &&
	has '- FAIL 1 kernel splat(s):' && has 'In all: 8 passed, 1 failed, 0 skipped.' && ok=0
tap_check $ok "a guest's programs, notes, failures and total" "$page"
ok=1
has '| brk | 0 | 77 | 2 | 0.030 | 0.200 | 1.500 | 0.400 (mmap) | 2000 |' && ok=0
tap_check $ok "the stress figures per stressor" "$page"
ok=1
has 'No committed run of `make bench`' && ok=0
tap_check $ok "no bench.json: no bench figure, said so" "$page"

# The vm.munmap_piece_kbytes tables, from a crafted summary of a run.
cat >"$tmp/pieces.py" <<'EOF2'
import importlib.util, json, sys
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
page = load("page", sys.argv[1] + "/results/page.py")
report = load("report", sys.argv[1] + "/bench/report.py")
m = lambda call, f, mp: {"runs": 1, "call_ns": call, "faulter_progress": f,
                         "mapper_progress": mp}
j = {"summary": {
    "writer": [{"size_h": "4 GiB", "settings": [
        {"name": "stock", "kernel": "stock", "scenario": "writer",
         "na": None, "medians": m(46e6, 0.0, 0.01)},
        {"name": "stock, knob on", "kernel": "stock",
         "scenario": "writer_pieces", "na": "no knob", "medians": None},
        {"name": "patched, knob on (65536 KiB)", "kernel": "patched",
         "scenario": "writer_pieces", "na": None,
         "medians": m(140e6, 0.44, 0.29)}]}],
    "alone": [{"size_h": "4 GiB", "patched_on_vs_off": {"speed_ratio": 0.991},
               "settings": [
        {"name": "patched, knob off", "kernel": "patched", "scenario": "alone",
         "na": None, "medians": m(46e6, None, None)},
        {"name": "patched, knob on (65536 KiB)", "kernel": "patched",
         "scenario": "alone_pieces", "na": None,
         "medians": m(47e6, None, None)}]}]}}
print("\n".join(page.pieces_tables(j, report)))
EOF2
rc=0
page=$(python3 "$tmp/pieces.py" "$S" 2>&1) || rc=$?
ok=1
((rc == 0)) && has '| 4 GiB | stock | 46.00 | 0% | 1% |' &&
	has '| 4 GiB | patched, knob on (65536 KiB) | 140.00 | 44% | 29% |' &&
	! has 'stock, knob on' && has '| 4 GiB | patched, knob off | 46.00 | - |' &&
	has '| 4 GiB | patched, knob on (65536 KiB) | 47.00 | 0.991 |' && ok=0
tap_check $ok "vm.munmap_piece_kbytes: the writer's and the alone tables, no row for a knob the kernel has not" "$page"

# The twin's summary, from a crafted twin.json: one kernel agreeing, one
# not (a median 30 us and 30% off).
cat >"$tmp/twin.json" <<'EOF2'
{"bound": {"relative": 0.1, "ns": 20000}, "problems": ["k2: 1 of 2 scenarios and sizes disagree"],
 "kernels": {
  "k1": {"medians": [{"diff_ns": 5000, "module_window_ns": 100000, "agree": true},
                     {"diff_ns": -200000, "module_window_ns": 4000000, "agree": true}]},
  "k2": {"medians": [{"diff_ns": 30000, "module_window_ns": 100000, "agree": false},
                     {"diff_ns": null, "module_window_ns": 100000, "agree": true}]}}}
EOF2
rc=0
page=$(python3 -c 'import importlib.util, sys
spec = importlib.util.spec_from_file_location("page", sys.argv[1] + "/results/page.py")
page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page)
print("\n".join(page.twin_section(open(sys.argv[2]).read())))' "$S" "$tmp/twin.json" 2>&1) || rc=$?
ok=1
((rc == 0)) && has '| k1 | 2 of 2 | 200.0 | 5.0% |' && has '| k2 | 1 of 2 | 30.0 | 30.0% |' &&
	has 'within 10% or 20 us' && has '**Disagreement:** k2: 1 of 2 scenarios and sizes disagree.' && ok=0
tap_check $ok "the bpftrace twin: agreement and largest difference per kernel" "$page"

# fill-block.py: the README's generated block, refilled; none, refused.
printf 'a\n<!-- BEGIN blk: x -->\nold\n<!-- END blk -->\nz\n' >"$tmp/f.md"
printf 'no block\n' >"$tmp/g.md"
rc=0 rc2=0
echo new | python3 "$S/results/fill-block.py" "$tmp/f.md" blk >"$tmp/out" 2>&1 || rc=$?
echo new | python3 "$S/results/fill-block.py" "$tmp/g.md" blk >>"$tmp/out" 2>&1 || rc2=$?
ok=1
((rc == 0 && rc2 != 0)) &&
	[[ $(cat "$tmp/f.md") == $'a\n<!-- BEGIN blk: x -->\n```\nnew\n```\n<!-- END blk -->\nz' ]] &&
	[[ $(cat "$tmp/g.md") == "no block" ]] && ok=0
tap_check $ok "fill-block.py refills the one block, refuses a file without it" \
	"exit $rc, $rc2; $(cat "$tmp/out" "$tmp/f.md")"

tap_summary
