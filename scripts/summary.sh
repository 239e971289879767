#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sum the counts every suite recorded in build/results/*.counts, print a
# table and the closing line 'N passed, N failed, N skipped'; exit 1 if
# anything failed or no suite recorded anything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pass=0 fail=0 skip=0 suites=0
printf '%-12s %7s %7s %7s\n' suite passed failed skipped
for f in "$RESULTS"/*.counts; do
	[ -e "$f" ] || continue
	read -r p x s < "$f"
	printf '%-12s %7d %7d %7d\n' "$(basename "$f" .counts)" "$p" "$x" "$s"
	pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + s))
	suites=$((suites + 1))
done
if [ $suites -eq 0 ]; then
	echo "no suite recorded results in $RESULTS"
	fail=1
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
