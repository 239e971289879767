#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quote a newly committed 'make bench' run in the series: rewrite the
# messages of build/linux's commits (base..HEAD) so that each block of
# figures of the previously committed run becomes the same block of the
# new one (scripts/bench/requote.py), then export the series
# (scripts/export-series.sh; the cover letter's {{bench:WHAT}} lines are
# filled from the new run there).  Only messages change: the trees, and
# so every patch's code, stay as they are, which the script checks.
# Usage: scripts/requote-series.sh OLD_BENCH_JSON [OLD_QUOTE_PY]
#   OLD_BENCH_JSON  the run the messages quote now, e.g.
#                   <(git show HEAD:Documentation/results/bench/bench.json)
#   OLD_QUOTE_PY    the scripts/bench/quote.py that quoted it, if its
#                   output changed since (git show REV:scripts/bench/quote.py)
#   The new run: Documentation/results/bench/bench.json (after
#   scripts/results-page.sh --take build/results/bench-latest).
# Afterwards: scripts/tests/test-quoted-figures.sh must pass.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[[ $# -eq 1 || $# -eq 2 ]] || die "usage: $0 OLD_BENCH_JSON [OLD_QUOTE_PY]"
new=$ROOT/Documentation/results/bench/bench.json
[[ -f $new ]] || die "no committed run $new: scripts/results-page.sh --take build/results/bench-latest first"
old=$(mktemp) old_quote=''
trap 'rm -f "$old" "$old_quote"' EXIT
cat "$1" >"$old" || die "cannot read $1"
if [[ $# -eq 2 ]]; then
	old_quote=$(mktemp --suffix=.py)
	cat "$2" >"$old_quote" || die "cannot read $2"
fi
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$old" ||
	die "$1 is not a bench.json"

git -C "$LINUX" diff --quiet HEAD || die "$LINUX has uncommitted changes"
git -C "$LINUX" rev-parse -q --verify base >/dev/null || die "$LINUX has no tag 'base'"
tree_before=$(git -C "$LINUX" rev-parse 'HEAD^{tree}')
FILTER_BRANCH_SQUELCH_WARNING=1 git -C "$LINUX" filter-branch -f \
	--msg-filter "python3 '$S/bench/requote.py' '$old' '$new' $old_quote" base..HEAD >/dev/null
[[ $(git -C "$LINUX" rev-parse 'HEAD^{tree}') == "$tree_before" ]] ||
	die "the code of the series changed: only messages may (git -C $LINUX reflog)"
"$S/export-series.sh"
log "requoted; check with scripts/tests/test-quoted-figures.sh"
