#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of results/page.py, which writes Documentation/results.md
# from committed raw results: a crafted run in, the page's figures
# checked against it.  Prints TAP and a final "N passed, N failed" line.
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

tap_summary
