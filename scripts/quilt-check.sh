#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that 'quilt push -a' applies patches/series to a plain extracted
# base tree (no git) and gives the same files as 'git am' in build/linux.
# Usage: scripts/quilt-check.sh            (records suite 'quilt')
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need quilt quilt
git -C "$LINUX" rev-parse -q --verify base >/dev/null ||
	die "$LINUX is not prepared: run 'make prepare'"

tree=$BUILD/quilt-tree
rm -rf "$tree"
mkdir -p "$tree"
log "quilt: extracting base into $tree"
git -C "$LINUX" archive base | tar -x -C "$tree"

pass=0 fail=0
if (cd "$tree" && QUILT_PATCHES="$ROOT/patches" quilt --quiltrc=- push -a -q) \
	> "$BUILD/quilt.log" 2>&1; then
	echo "ok 1 quilt push -a"
	pass=$((pass + 1))
	# Same result as git am, file by file.
	diffs=0
	while IFS=$'\t' read -r status f; do
		if [ "$status" = D ]; then
			[ ! -e "$tree/$f" ] || { echo "# $f should be deleted"; diffs=1; }
		elif ! git -C "$LINUX" show "HEAD:$f" | cmp -s - "$tree/$f"; then
			echo "# $f differs from git am's"
			diffs=1
		fi
	done < <(git -C "$LINUX" diff --name-status --no-renames base HEAD)
	if [ $diffs -eq 0 ]; then
		echo "ok 2 quilt tree matches git am tree"
		pass=$((pass + 1))
	else
		echo "not ok 2 quilt tree matches git am tree"
		fail=$((fail + 1))
	fi
else
	sed 's/^/# /' "$BUILD/quilt.log"
	echo "not ok 1 quilt push -a"
	fail=$((fail + 1))
fi
rm -rf "$tree"
record_counts quilt $pass $fail 0
[ $fail -eq 0 ]
