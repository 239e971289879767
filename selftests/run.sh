#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run kselftest programs, print their TAP, then one summary line
#
#	N passed, N failed, N skipped
#
# summed from the "# Totals:" line each program prints (xfail and xpass
# count as passed, error as failed).  A program that dies before its totals, or
# exits non-zero without reporting a failure, counts as one failure more.  Exits
# 1 if anything failed.  Each program's output is kept in <program>.tap.
#
# Usage: run.sh [-t SECONDS] PROGRAM... [-t SECONDS PROGRAM...]...
#	-t: the timeout of the programs after it (default 45 s, the
#	kernel's kselftest default; the Makefile passes each collection's
#	'settings'); a program that outlives it counts as one failure.
# Plain POSIX sh and timeout(1): busybox is enough.

passed=0
failed=0
skipped=0
ksft_skip=4
n='\([0-9]*\)'
totals_re="^# Totals: pass:$n fail:$n xfail:$n xpass:$n skip:$n error:$n\$"

# add_totals PASS FAIL XFAIL XPASS SKIP ERROR
add_totals() {
	passed=$((passed + $1 + $3 + $4))
	failed=$((failed + $2 + $6))
	skipped=$((skipped + $5))
	reported_fail=$(($2 + $6))
}

limit=45
for prog in "$@"; do
	if [ "$prog" = -t ]; then
		next_is_limit=1
		continue
	fi
	if [ -n "${next_is_limit:-}" ]; then
		limit=$prog
		next_is_limit=
		continue
	fi
	name=${prog##*/}
	log=$prog.tap
	printf '# selftest: %s\n' "$name"
	# The pipe hides the exit status from sh; pass it out through a file.
	start=$(date +%s)
	# -k: a program that ignores SIGTERM must still end.
	{ timeout -k 10 "$limit" "$prog"; echo $? > "$log.rc"; } 2>&1 | tee "$log"
	rc=$(cat "$log.rc" 2>/dev/null || echo 127)
	rm -f "$log.rc"
	if [ $(($(date +%s) - start)) -ge "$limit" ] &&
		{ [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 143 ]; }; then
		printf '# %s: timed out after %s s\n' "$name" "$limit"
		failed=$((failed + 1))
		continue
	fi

	totals=$(sed -n "s/$totals_re/\1 \2 \3 \4 \5 \6/p" "$log" | tail -n 1)
	if [ -z "$totals" ]; then
		printf '# %s: exit status %s, no "# Totals:" line\n' "$name" "$rc"
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086 # split the six counts into arguments
	add_totals $totals
	if [ "$rc" -ne 0 ] && [ "$rc" -ne $ksft_skip ] && [ $reported_fail -eq 0 ]; then
		printf '# %s: exit status %s\n' "$name" "$rc"
		failed=$((failed + 1))
	fi
done

printf '%d passed, %d failed, %d skipped\n' $passed $failed $skipped
[ $failed -eq 0 ]
