#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tree's scripts/checkpatch.pl --strict on every patch of the series.
# Usage: scripts/checks/checkpatch.sh     (records suite 'checkpatch')
#
# One exception, checked rather than ignored: FILE_PATH_CHANGES ("does
# MAINTAINERS need updating?") is raised for every new file.  It is
# accepted when get_maintainer.pl already finds a maintainer section for
# each file the patch adds.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ -x "$LINUX/scripts/checkpatch.pl" ] || die "$LINUX is not prepared: run 'make prepare'"
results_begin checkpatch
log="$RESULTS/checkpatch.log"
: > "$log"

# New files of a patch that no MAINTAINERS section covers.
unmaintained_new_files() {
	local f
	sed -n 's|^+++ b/||p' "$1" | while read -r f; do
		grep -q "^--- /dev/null" <(awk -v f="$f" '
			/^diff --git / { cur = ($4 == "b/" f) } cur' "$1") || continue
		(cd "$LINUX" && ./scripts/get_maintainer.pl --nogit --nogit-fallback \
			--norolestats --no-email --subsystem -f "$f" 2>/dev/null) |
			grep -E '^[A-Z0-9][A-Z0-9 /()_.,-]+$' |
			grep -qv '^THE REST$' || echo "$f"
	done
}

while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	patch="$ROOT/patches/$p"
	# spdxcheck.py needs Debian's python3 with python3-ply and python3-git.
	out=$(cd "$LINUX" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl \
		--strict --no-summary --ignore FILE_PATH_CHANGES "$patch" 2>&1) &&
		rc=0 || rc=$?
	# A checker that crashed did not check anything.
	! grep -q '^Traceback' <<<"$out" || rc=1
	missing=$(unmaintained_new_files "$patch")
	printf '### %s\n%s\n' "$p" "$out" >> "$log"
	[ -z "$missing" ] || {
		rc=1
		out+=$'\n'"new file without a MAINTAINERS entry: ${missing//$'\n'/ }"
	}
	tap_check "$rc" "checkpatch $p" "$out"
done < "$ROOT/patches/series"

echo "# checkpatch: $tap_passed passed, $tap_failed failed (log: $log)"
tap_done checkpatch
