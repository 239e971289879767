#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate patches/ from build/linux: one git format-patch file per
# commit in base..HEAD, the quilt 'series' file, and the cover letter
# 0000-cover-letter.patch built from patches/cover-letter.txt (first line:
# subject, the rest: body).  The output depends only on the commits: no
# commit hashes, no git version signature, and the cover letter takes the
# date of the last patch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SRC=${1:-$LINUX}
PATCHES=$ROOT/patches
COVER=$PATCHES/cover-letter.txt
PREFIX="PATCH 6.1.y"

git -C "$SRC" rev-parse -q --verify base >/dev/null ||
	die "$SRC has no 'base' tag: run 'make prepare' first"
[ -z "$(git -C "$SRC" status --porcelain --untracked-files=no)" ] ||
	die "$SRC has uncommitted changes: commit them first"
[ -f "$COVER" ] || die "$COVER is missing (line 1: subject, then the body)"
n=$(git -C "$SRC" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "no commits in base..HEAD of $SRC"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$SRC" format-patch -q --zero-commit --no-signature --cover-letter \
	--subject-prefix="$PREFIX" -o "$tmp" base..HEAD

# Fill in the cover letter's subject, blurb and date.
patches=("$tmp"/[0-9][0-9][0-9][0-9]-*.patch)
last=${patches[-1]}
# Its {{bench:WHAT}} lines: figures of the committed bench run.
python3 "$S/kernel/cover-letter.py" "$tmp/0000-cover-letter.patch" "$COVER" "$last" \
	"$ROOT/Documentation/results/bench/bench.json"

rm -f "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$PATCHES"/
{
	echo "# Apply in this order (quilt push -a, or git am with these files)."
	for p in "${patches[@]}"; do
		[[ $p == */0000-cover-letter.patch ]] || echo "${p##*/}"
	done
} > "$PATCHES/series"

# build/linux now matches patches/: let prepare-tree.sh keep it.
if [ "$SRC" = "$LINUX" ] && [ -f "$LINUX/.git/munmap-split.base" ]; then
	"$S/kernel/prepare-tree.sh" --stamp-only
fi
log "exported $n patches to patches/"
