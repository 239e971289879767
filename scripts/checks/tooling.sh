#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the self-checks of the project's own scripts (scripts/tests/*.sh):
# each prints TAP and a closing 'N passed, N failed' line, and gets a
# results directory of its own, removed afterwards.
# Usage: scripts/checks/tooling.sh        (records suite 'tooling')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

results_begin tooling
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for t in "$S"/tests/*.sh; do
	name=${t##*/}
	mkdir "$tmp/$name"
	out=$(RESULTS=$tmp/$name bash "$t" 2>&1) && rc=0 || rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
	fi
	# A non-zero exit with no failure reported is still a failure.
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	[ "$f" -eq 0 ] || printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/# /'
	echo "# $name: $p passed, $f failed"
	tap_add "$p" "$f" 0
done
tap_done tooling
