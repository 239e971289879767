#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that 'quilt push -a' applies patches/series to a plain extracted
# base tree (no git) and gives the same files as 'git am' in build/linux.
# The tree is a temporary directory under build/, removed on any exit.
# Usage: scripts/checks/quilt.sh          (records suite 'quilt')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

need quilt quilt
git -C "$LINUX" rev-parse -q --verify base >/dev/null ||
	die "$LINUX is not prepared: run 'make prepare'"
results_begin quilt

mkdir -p "$BUILD"
tree=$(mktemp -d "$BUILD/quilt-tree.XXXXXX")
trap 'rm -rf "$tree"' EXIT
log "quilt: extracting base into $tree"
git -C "$LINUX" archive base | tar -x -C "$tree"

qlog=$RESULTS/quilt.log
if (cd "$tree" && QUILT_PATCHES="$ROOT/patches" quilt --quiltrc=- push -a -q) \
	> "$qlog" 2>&1; then
	tap_ok "quilt push -a"
	# Same result as git am, file by file.
	diffs=''
	while IFS=$'\t' read -r status f; do
		if [ "$status" = D ]; then
			[ ! -e "$tree/$f" ] || diffs+="$f should be deleted"$'\n'
		elif ! git -C "$LINUX" show "HEAD:$f" | cmp -s - "$tree/$f"; then
			diffs+="$f differs from git am's"$'\n'
		fi
	done < <(git -C "$LINUX" diff --name-status --no-renames base HEAD)
	if [ -z "$diffs" ]; then
		tap_ok "quilt tree matches git am tree"
	else
		tap_fail "quilt tree matches git am tree" "${diffs%$'\n'}"
	fi
else
	tap_fail "quilt push -a" "$(cat "$qlog")"
fi
tap_done quilt
