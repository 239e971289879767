#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of bench/requote.py, the message filter that replaces one
# bench run's quoted figures by another's (scripts/requote-series.sh):
# the committed run and a copy with other figures in; a message quoting
# the first must come out quoting the second, around text kept as it
# was; a message without a quote unchanged; a new run without the
# figures refused, the message kept.  Prints TAP and a final
# "N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

old=$ROOT/Documentation/results/bench/bench.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ ! -f $old ]]; then
	tap_skip "requote.py" "no committed make bench run"
	tap_summary
	exit 0
fi

# The new run: every scenario's medians 2 ms longer; the empty run: no
# scenario, no writer table.
python3 - "$old" "$tmp" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for s in j["summary"]["scenarios"]:
    for m in s["kernels"].values():
        if m and m.get("call_ns"):
            m["call_ns"] += 2000000
for s in j["summary"].get("writer") or []:
    for c in s["settings"]:
        if c["medians"] and c["medians"].get("call_ns"):
            c["medians"]["call_ns"] += 2000000
json.dump(j, open(sys.argv[2] + "/new.json", "w"))
j["summary"] = {"scenarios": [], "writer": [], "alone": [], "cost": []}
json.dump(j, open(sys.argv[2] + "/empty.json", "w"))
EOF
quote() { python3 "$S/bench/quote.py" "$1" "$2"; }
{
	printf 'mm/mmap: a subject\n\nWhy, at length.\n\n'
	quote "$old" special
	printf '\nTested: here.\n'
} >"$tmp/msg"
want=$({
	printf 'mm/mmap: a subject\n\nWhy, at length.\n\n'
	quote "$tmp/new.json" special
	printf '\nTested: here.\n'
})

rc=0
got=$(python3 "$S/bench/requote.py" "$old" "$tmp/new.json" <"$tmp/msg") || rc=$?
tap_check "$([[ $rc == 0 && $got == "$want" && $got != "$(cat "$tmp/msg")" ]]; echo $?)" \
	"a quote of the old run becomes the new run's, the rest kept" "exit $rc: $got"

printf 'uprobes: no figures here\n\nJust text.\n' >"$tmp/plain"
rc=0
got=$(python3 "$S/bench/requote.py" "$old" "$tmp/new.json" <"$tmp/plain") || rc=$?
tap_check "$([[ $rc == 0 && $got == "$(cat "$tmp/plain")" ]]; echo $?)" \
	"a message without a quote passes unchanged" "exit $rc: $got"

rc=0
got=$(python3 "$S/bench/requote.py" "$old" "$tmp/empty.json" <"$tmp/msg" 2>/dev/null) || rc=$?
tap_check "$([[ $rc != 0 && $got == "$(cat "$tmp/msg")" ]]; echo $?)" \
	"a new run without those figures: refused, the message kept" "exit $rc: $got"

tap_summary
