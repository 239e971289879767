#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel at every commit of the series, oldest first, so that a
# bisection never lands on a commit that does not build.  The builds share
# build/obj/test and are incremental; the last one is HEAD, which leaves
# build/obj/test ready for the tests.  Commits whose tree already built
# with the same configuration fragments are remembered and not built
# again.
# Usage: scripts/checks/bisect.sh         (records suite 'bisect')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

OBJ=${OBJ:-$BUILD/obj/test}
K=$S/kernel/kconfig
CONFIGS=("$K/test.config" -- "$K/series.config")
DONE=$OBJ/.bisect-built-trees

git -C "$LINUX" rev-parse -q --verify base >/dev/null ||
	die "$LINUX is not prepared: run 'make prepare'"
[ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] ||
	die "$LINUX has uncommitted changes: commit them before the bisect build"
results_begin bisect

branch=$(git -C "$LINUX" symbolic-ref -q --short HEAD || git -C "$LINUX" rev-parse HEAD)
head=$(git -C "$LINUX" rev-parse HEAD)
trap 'git -C "$LINUX" checkout -q "$branch"' EXIT
mkdir -p "$OBJ"
touch "$DONE"
# A tree built with other fragments is not known to build with these.
fragments=$(cat "$K/test.config" "$K/series.config" | sha256sum | cut -c1-16)

n=0
for c in $(git -C "$LINUX" rev-list --reverse base..HEAD); do
	n=$((n + 1))
	key="$(git -C "$LINUX" rev-parse "$c^{tree}") $fragments"
	subject=$(git -C "$LINUX" log -1 --format=%s "$c")
	# HEAD is always built: its objects are what the tests run.
	if [ "$c" != "$head" ] && grep -qx "$key" "$DONE"; then
		tap_ok "build $subject # (built before)"
		continue
	fi
	git -C "$LINUX" checkout -q --detach "$c"
	log "bisect build $n: $subject"
	if "$S/kernel/build-kernel.sh" "$LINUX" "$OBJ" "${CONFIGS[@]}" \
		> "$RESULTS/bisect-$n.log" 2>&1; then
		echo "$key" >> "$DONE"
		tap_ok "build $subject"
	else
		tap_fail "build $subject" "$(tail -n 20 "$RESULTS/bisect-$n.log")"
	fi
done
tap_done bisect
