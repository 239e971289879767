#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the self-checks of the project's own scripts (scripts/tests/*.sh):
# each prints TAP and a closing 'N passed, N failed' line.
# Usage: scripts/tooling-tests.sh         (records suite 'tooling')
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pass=0 fail=0
for t in "$ROOT"/scripts/tests/*.sh; do
	out=$(RESULTS=$(mktemp -d) bash "$t" 2>&1) && rc=0 || rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
	fi
	# A non-zero exit with no failure reported is still a failure.
	[ $rc -eq 0 ] || [ "$f" -gt 0 ] || f=1
	[ "$f" -eq 0 ] || printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/# /'
	echo "# $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
done
record_counts tooling $pass $fail 0
[ $fail -eq 0 ]
